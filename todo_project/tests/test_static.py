"""The admin looks right with DEBUG off: WhiteNoise serves the collected, hashed static files."""

import re

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path


@pytest.mark.django_db
def test_admin_css_is_served_with_debug_off(settings, collected):
    settings.DEBUG = False
    client = Client()  # a new handler, so WhiteNoise scans the collected files
    page = client.get("/admin/login/").content.decode()
    css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', page)
    assert css, "the admin should link its hashed stylesheet"
    response = client.get(css.group(1))
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
