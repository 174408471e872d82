"""WSGI entry point, e.g. ``gunicorn todo_project.wsgi``."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from api.charsets import TextCharsetWSGIRequest
from authn import get_verifier

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")

application = get_wsgi_application()
# Django builds a request with any codec a client names as charset, and fails on some (charsets.py).
application.request_class = TextCharsetWSGIRequest
# What is loaded by now (settings, apps, models, URLs and views) lives as long as the process:
# frozen out of the collector's way, a full collection walks only what requests create, so
# adding an app to INSTALLED_APPS does not make every request dearer.
get_resolver().url_patterns  # noqa: B018 (imports the URLconf and its views now, not on the first request)
# gunicorn runs no system checks: an authentication setting that cannot work stops the start here
# (ImproperlyConfigured, naming the check), rather than answering 500 to every request.
get_verifier()
gc.freeze()
