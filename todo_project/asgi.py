"""ASGI entry point, e.g. ``uvicorn todo_project.asgi:application``."""

import os

from django.core.asgi import get_asgi_application

from api.charsets import TextCharsetASGIRequest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")

application = get_asgi_application()
# Django builds a request with any codec a client names as charset, and fails on some (charsets.py).
application.request_class = TextCharsetASGIRequest
