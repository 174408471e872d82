"""Migrations for the expand/contract rule's own test (test_migration_rule.py), loaded in place of tasks'."""
