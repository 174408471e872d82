"""Every kind of contract step, unmarked: each must be flagged."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tasks", "0002_expand")]
    operations = [
        migrations.RemoveField("thing", "note"),
        migrations.RenameField("thing", "colour", "color"),
        migrations.AlterField("thing", "name", models.CharField(max_length=20)),
        migrations.AddField("thing", "weight", models.IntegerField(default=1)),
        migrations.SeparateDatabaseAndState(database_operations=[migrations.DeleteModel("Other")]),
        migrations.RenameModel("Extra", "Spare"),
    ]
