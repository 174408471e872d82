"""Steps the previous release survives: nothing here may be flagged."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial")]
    operations = [
        migrations.AddField("thing", "colour", models.CharField(max_length=10, null=True)),
        migrations.AddField("thing", "rank", models.IntegerField(db_default=0)),
        migrations.AlterField("thing", "size", models.BigIntegerField()),  # was already NOT NULL
        migrations.CreateModel(name="Extra", fields=[("id", models.BigAutoField(primary_key=True))]),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("thing", "rank")]),
        migrations.AddField("thing", "rank", models.IntegerField(db_default=0)),
    ]
