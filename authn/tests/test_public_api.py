"""The names hosts import: all in ``authn`` itself, loaded on first use, none needing settings to import."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import authn


def test_every_public_name_is_the_object_its_module_defines():
    for name in authn.__all__:
        module, attribute = authn._EXPORTS[name]
        assert getattr(authn, name) is getattr(importlib.import_module(f"authn.{module}"), attribute), name
    assert sorted(authn.__all__) == sorted(authn._EXPORTS)


def test_a_name_that_is_not_public_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'get_failure_budget'"):
        authn.get_failure_budget  # noqa: B018


def test_importing_authn_needs_no_settings():
    """A tool, a settings module or a type checker may import it before Django is configured."""
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    script = (
        "import sys, authn\n"
        "print(authn.__version__, sorted(dir(authn)) == sorted(set(dir(authn)) | set(authn.__all__)))\n"
        "print('django.conf' in sys.modules)\n"
    )
    parent = str(Path(authn.__file__).resolve().parent.parent)  # the authn under test, checkout or installed
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**environment, "PYTHONPATH": parent},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [authn.__version__, "True", "False"]


def test_settings_can_name_the_classes_by_their_public_paths(api_client, make_token):
    """This suite's settings name "authn.BetterAuthJWTAuthentication" and the browsable API's classes so."""
    response = api_client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {make_token('alice')}")
    assert response.status_code == 200
    page = api_client.get("/api/alice/notes", HTTP_ACCEPT="text/html")
    assert b'action="/api-auth/token"' in page.content


def test_the_package_says_it_is_typed():
    assert (Path(authn.__file__).parent / "py.typed").is_file()


def test_the_built_objects_still_import_from_authn_conf():
    """0.1's paths: they moved to authn.runtime, and a host's ``from authn.conf import get_verifier`` still works."""
    from authn import conf

    assert (conf.get_verifier, conf.get_revocation_feed, conf.get_observer) == (
        authn.get_verifier,
        authn.get_revocation_feed,
        authn.get_observer,
    )
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        conf.no_such_name  # noqa: B018
