from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Thing",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("name", models.CharField(max_length=20, null=True)),
                ("size", models.IntegerField()),
                ("note", models.TextField(default="")),
            ],
        ),
        migrations.CreateModel(name="Other", fields=[("id", models.BigAutoField(primary_key=True))]),
    ]
