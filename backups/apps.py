from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """``manage.py backup`` and ``manage.py restore``: both databases, one directory, one manifest."""

    name = "backups"
