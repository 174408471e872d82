"""WSGI entry point, e.g. ``gunicorn todo_project.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

from todo_project.charsets import TextCharsetWSGIRequest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")

application = get_wsgi_application()
# Django builds a request with any codec a client names as charset, and fails on some (charsets.py).
application.request_class = TextCharsetWSGIRequest
