"""The public OpenAPI document is built once per process, and is the same document ``manage.py spectacular`` builds."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.test import Client
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture
def builds(monkeypatch):
    """How many times the schema generator has run since the test began."""
    count = {"n": 0}
    generate = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):
        count["n"] += 1
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    return count


def test_a_second_request_gets_the_same_document_without_building_it_again(api_client, builds):
    first, second = api_client.get("/api/schema/"), api_client.get("/api/schema/")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.content == second.content
    assert first["Content-Type"] == second["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    assert builds["n"] == 1


def test_each_format_is_built_once(api_client, builds):
    for _ in range(3):
        yaml_document = api_client.get("/api/schema/")
        json_document = api_client.get("/api/schema/", {"format": "json"})
    assert json_document["Content-Type"] == "application/vnd.oai.openapi+json"
    assert json_document["Content-Disposition"] == 'inline; filename="Tasks API.json"'
    assert yaml_document["Content-Disposition"] == 'inline; filename="Tasks API.yaml"'
    assert builds["n"] == 2


def test_made_up_versions_are_not_documents_of_their_own(api_client, builds):
    plain = api_client.get("/api/schema/").content
    assert all(api_client.get("/api/schema/", {"version": f"v{n}"}).content == plain for n in range(5))
    assert builds["n"] == 1


def test_the_served_document_is_the_one_make_check_validates(api_client, tmp_path):
    built = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(built))
    assert api_client.get("/api/schema/", {"format": "json"}).json() == json.loads(built.read_text())


def test_a_version_rest_framework_allows_is_a_document_of_its_own(api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "ALLOWED_VERSIONS": ["2"]}
    assert b"\n  version: 1.0.0 (2)\n" in api_client.get("/api/schema/", {"version": "2"}).content
    assert b"\n  version: 1.0.0\n" in api_client.get("/api/schema/", {"version": "3"}).content


def test_a_changed_setting_builds_the_document_again(api_client, settings, builds):
    api_client.get("/api/schema/")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "ALLOWED_VERSIONS": ["2"]}  # any setting may change it
    api_client.get("/api/schema/")
    assert builds["n"] == 2


def test_concurrent_first_requests_wait_for_one_build(monkeypatch, builds):
    generate = SchemaGenerator.get_schema  # the counting one

    def slow(self, *args, **kwargs):
        time.sleep(0.2)  # long enough for every thread to arrive while the first builds
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", slow)
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _: Client().get("/api/schema/").status_code, range(4)))
    assert statuses == [200] * 4
    assert builds["n"] == 1
