"""Backup and restore of both databases, Better Auth's and the API's (docs/backup-restore.md)."""
