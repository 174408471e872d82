"""The expand/contract rule (todo_project/migration_rule.py) flags what breaks the previous release, and only that."""

from django.test import override_settings

from todo_project.migration_rule import findings


def test_the_projects_migrations_hold_no_unmarked_contract_step():
    found = findings()
    assert not found, "\n".join(finding.message() for finding in found)


@override_settings(MIGRATION_MODULES={"tasks": "todo_project.tests.contract_rule.migrations"})
def test_each_contract_step_of_an_unmarked_migration_is_flagged_with_its_file():
    found = findings(apps=("tasks",))
    assert {(f.migration, f.operation) for f in found} == {
        ("0003_contract_unmarked", "Remove field note from thing"),
        ("0003_contract_unmarked", "Rename field colour on thing to color"),
        ("0003_contract_unmarked", "Alter field name on thing"),
        ("0003_contract_unmarked", "Add field weight to thing"),
        ("0003_contract_unmarked", "Delete model Other"),
        ("0003_contract_unmarked", "Rename model Extra to Spare"),
    }
    message = next(f for f in found if f.operation.startswith("Remove")).message()
    assert message.startswith("tasks/migrations/0003_contract_unmarked.py: Remove field note from thing is a contract")
    assert "contract = True" in message
