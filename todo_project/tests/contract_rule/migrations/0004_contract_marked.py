"""A contract step marked as one: allowed."""

from django.db import migrations


class Migration(migrations.Migration):
    contract = True
    dependencies = [("tasks", "0003_contract_unmarked")]
    operations = [migrations.RemoveField("thing", "color")]
