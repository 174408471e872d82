"""authn's version matrix: its suite against the built wheel, on each Python, Django and DRF it supports.

    nox -l                                    # the sessions
    nox -s authn-py3.12-django6.0-drf3.17     # one of them
    make matrix                               # all of them, two at a time, one summary line each

Each session builds the wheel from authn/, installs it with the Django and DRF
under test pinned (plus the extras and the test tools), copies authn's tests
beside no source at all, and runs them there: the package under test is the
installed one (the suite's report header names where it came from).

What is paired, and why:
- Python 3.10 to 3.13 (requires-python in authn/pyproject.toml).
- Django 5.2 LTS on every one of them; 6.0 and 6.1 need Python 3.12 or later.
- DRF only with the Django versions its release declares (PyPI classifiers):
  3.16 supports Django 5.2 (not 6.x); 3.17 supports 5.2 and 6.0; 3.18 supports 5.2, 6.0 and 6.1.

That is 18 sessions, all of which `make matrix` runs (about twelve minutes on two
cores). Sessions tagged "cover" are a covering set for a quicker CI stage: every
Python, every Django and every DRF at least once, and each Django with the oldest
and the newest DRF it supports (`nox -t cover`).
"""

from __future__ import annotations

import glob
import shutil
import zipfile
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PACKAGE = ROOT / "authn"
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
# Django version -> the Pythons it supports among PYTHONS, and the DRF releases that support it.
DJANGO = {
    "5.2": (PYTHONS, ("3.16", "3.17", "3.18")),
    "6.0": (("3.12", "3.13"), ("3.17", "3.18")),
    "6.1": (("3.12", "3.13"), ("3.18",)),
}
# (python, django, drf): each Python, Django and DRF once at least; each Django with its oldest and newest DRF.
COVERING = {
    ("3.10", "5.2", "3.16"),
    ("3.11", "5.2", "3.18"),
    ("3.12", "6.0", "3.17"),
    ("3.13", "6.0", "3.18"),
    ("3.12", "6.1", "3.18"),
}
# The repository's pins, but hypothesis as a range: its newest releases need Python 3.11.
TEST_TOOLS = ("pytest==9.2.0", "pytest-django==4.14.0", "hypothesis>=6.130,<7")

nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = True  # a missing Python fails its sessions, never skips them


def interpreter(version: str) -> str:
    """``python3.X`` from PATH when it runs, else pyenv's build of it (its shims may not select it)."""
    found = sorted(glob.glob(str(Path.home() / f".pyenv/versions/{version}.*/bin/python{version}")))
    return found[-1] if found else f"python{version}"


def run_suite(session: nox.Session, django: str, drf: str) -> None:
    tmp = Path(session.create_tmp())
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    # Built from a copy: parallel sessions never share a build directory or leave one in authn/.
    source = tmp / "source"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    session.run("python", "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(source))
    (wheel,) = dist.glob("drf_better_auth_jwt-*.whl")
    check_wheel(wheel)
    session.install(f"{wheel}[metrics,openapi]", f"Django=={django}.*", f"djangorestframework=={drf}.*", *TEST_TOOLS)
    # The tests alone, with the pytest configuration: nothing here can shadow the installed authn.
    suite = tmp / "suite"
    shutil.rmtree(suite, ignore_errors=True)
    shutil.copytree(PACKAGE / "tests", suite / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PACKAGE / "pyproject.toml", suite / "pyproject.toml")
    session.chdir(suite)
    session.run("python", "-m", "pytest", "-q", *session.posargs, env={"DJANGO_SETTINGS_MODULE": "tests.settings"})


def check_wheel(wheel: Path) -> None:
    """What the index page and type checkers read: the licence, the typing marker, no tests."""
    names = zipfile.ZipFile(wheel).namelist()
    missing = {"authn/py.typed", "authn/templates/authn/browsable_api.html"} - set(names)
    if missing or not any(n.endswith("licenses/LICENSE") for n in names) or any("/tests/" in n for n in names):
        raise RuntimeError(f"{wheel.name}: wrong contents (missing {sorted(missing)}, or a licence, or tests shipped)")


def make_session(python: str, django: str, drf: str) -> None:
    tags = ["matrix", *(["cover"] if (python, django, drf) in COVERING else [])]

    @nox.session(name=f"authn-py{python}-django{django}-drf{drf}", python=interpreter(python), tags=tags)
    def authn_suite(session: nox.Session) -> None:
        run_suite(session, django, drf)


for _django, (_pythons, _drfs) in DJANGO.items():
    for _python in _pythons:
        for _drf in _drfs:
            make_session(_python, _django, _drf)
