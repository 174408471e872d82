"""Refusals are byte-identical to the recorded ones: status, headers and body of 4xx answers a client codes against.

A restructuring of views, middleware or authentication must not change what a
client sees. Each case below is one request; its answer is compared with
``recorded_responses.json`` byte for byte, after the values that differ from
run to run (task ids, ETags, request ids) are replaced by placeholders.

A change that is meant to alter an answer re-records the file and shows the
difference in review: ``RECORD_RESPONSES=1 pytest api/tests/test_recorded_responses.py``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest

from tasks.tests.factories import TaskFactory

RECORDED = Path(__file__).with_name("recorded_responses.json")
RECORDED_SCHEMA = Path(__file__).with_name("recorded_schema.yaml")
RECORDING = os.environ.get("RECORD_RESPONSES") == "1"
# Headers whose value is made per request; their presence is still compared.
PER_REQUEST_HEADERS = {"x-request-id"}


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def stale(tok: Callable[..., str]) -> dict[str, str]:
    """Alice's token, with an ``If-Match`` naming a version her task never had."""
    return {**bearer(tok("alice")), "HTTP_IF_MATCH": '"stale"'}


def unsigned(sub: str = "alice") -> str:
    return jwt.encode({"sub": sub}, key=None, algorithm="none")


# name -> (method, path, body or None, extra request headers). "{task}" is alice's task, "{bob_task}" bob's.
CASES: dict[str, Callable[[Callable[..., str]], tuple[str, str, Any, dict[str, str]]]] = {
    "401 no credentials": lambda tok: ("get", "/api/alice/tasks", None, {}),
    "401 no credentials on a write": lambda tok: ("post", "/api/alice/tasks", {"title": "x"}, {}),
    "401 basic scheme": lambda tok: ("get", "/api/alice/tasks", None, {"HTTP_AUTHORIZATION": "Basic YWxpY2U6eA=="}),
    "401 empty bearer": lambda tok: ("get", "/api/alice/tasks", None, {"HTTP_AUTHORIZATION": "Bearer "}),
    "401 bearer with spaces": lambda tok: ("get", "/api/alice/tasks", None, {"HTTP_AUTHORIZATION": "Bearer a b"}),
    "401 not a jwt": lambda tok: ("get", "/api/alice/tasks", None, bearer("not-a-jwt")),
    "401 alg none": lambda tok: ("get", "/api/alice/tasks", None, bearer(unsigned())),
    "401 expired": lambda tok: ("get", "/api/alice/tasks", None, bearer(tok("alice", exp=1_000_000_000))),
    "401 wrong audience": lambda tok: ("get", "/api/alice/tasks", None, bearer(tok("alice", aud="elsewhere"))),
    "401 wrong issuer": lambda tok: ("get", "/api/alice/tasks", None, bearer(tok("alice", iss="https://evil"))),
    "401 unknown kid": lambda tok: ("get", "/api/alice/tasks", None, bearer(tok("alice", headers={"kid": "nope"}))),
    "401 bad signature": lambda tok: ("get", "/api/alice/tasks", None, bearer(tok("alice")[:-4] + "AAAA")),
    "401 not yet valid": lambda tok: ("get", "/api/alice/tasks", None, bearer(tok("alice", nbf=4_000_000_000))),
    "401 on the identity endpoint": lambda tok: ("get", "/api/me", None, {}),
    "401 unknown path": lambda tok: ("get", "/api/nowhere/at/all", None, {}),
    "403 another user's list": lambda tok: ("get", "/api/bob/tasks", None, bearer(tok("alice"))),
    "403 another user's task": lambda tok: ("get", "/api/bob/tasks/{bob_task}", None, bearer(tok("alice"))),
    "403 write to another user": lambda tok: ("post", "/api/bob/tasks", {"title": "x"}, bearer(tok("alice"))),
    "404 missing task": lambda tok: ("get", "/api/alice/tasks/999999999", None, bearer(tok("alice"))),
    "404 bob's task at alice's path": lambda tok: (
        "get",
        "/api/alice/tasks/{bob_task}",
        None,
        bearer(tok("alice")),
    ),
    "404 not a number": lambda tok: ("get", "/api/alice/tasks/abc", None, bearer(tok("alice"))),
    "404 unknown path with a token": lambda tok: ("get", "/api/alice/nothing", None, bearer(tok("alice"))),
    "404 delete a missing task": lambda tok: ("delete", "/api/alice/tasks/999999999", None, bearer(tok("alice"))),
    "412 stale If-Match on update": lambda tok: ("put", "/api/alice/tasks/{task}", {"title": "new"}, stale(tok)),
    "412 stale If-Match on patch": lambda tok: ("patch", "/api/alice/tasks/{task}", {"completed": True}, stale(tok)),
    "412 stale If-Match on delete": lambda tok: ("delete", "/api/alice/tasks/{task}", None, stale(tok)),
    "412 stale If-Match on complete": lambda tok: ("patch", "/api/alice/tasks/{task}/complete", None, stale(tok)),
    "400 no title": lambda tok: ("post", "/api/alice/tasks", {"description": "x"}, bearer(tok("alice"))),
    "400 bad cursor": lambda tok: ("get", "/api/alice/tasks?after=%00%ff", None, bearer(tok("alice"))),
    "400 offset and after": lambda tok: ("get", "/api/alice/tasks?offset=1&after=abc", None, bearer(tok("alice"))),
    "400 bad limit": lambda tok: ("get", "/api/alice/tasks?limit=-1", None, bearer(tok("alice"))),
    "400 bad ordering": lambda tok: ("get", "/api/alice/tasks?ordering=password", None, bearer(tok("alice"))),
    "400 not json": lambda tok: (
        "post",
        "/api/alice/tasks",
        None,
        {**bearer(tok("alice")), "CONTENT_TYPE": "application/json", "data": "{not json"},
    ),
    "405 put on the list": lambda tok: ("put", "/api/alice/tasks", {"title": "x"}, bearer(tok("alice"))),
}


def normalised(response: Any, replacements: dict[str, str]) -> dict[str, Any]:
    """The answer as recorded: every header (sorted, lower-cased names) and the body as text."""
    body = response.content.decode()
    headers = {name.lower(): value for name, value in response.headers.items()}
    for name in PER_REQUEST_HEADERS & headers.keys():
        headers[name] = "<per request>"
    for value, placeholder in replacements.items():
        body = body.replace(value, placeholder)
        headers = {name: text.replace(value, placeholder) for name, text in headers.items()}
    if "etag" in headers:
        headers["etag"] = re.sub(r'"[^"]*"', '"<etag>"', headers["etag"])
    return {"status": response.status_code, "headers": dict(sorted(headers.items())), "body": body}


def answer(api_client: Any, make_token: Callable[..., str], name: str) -> dict[str, Any]:
    task = TaskFactory(user_id="alice", title="Buy milk", description="semi-skimmed")
    bob_task = TaskFactory(user_id="bob", title="Plan", description="secret")
    method, path, body, headers = CASES[name](make_token)
    path = path.format(task=task.id, bob_task=bob_task.id)
    if "data" in headers:  # a raw body, sent as it is
        body, kwargs = headers.pop("data"), {"content_type": headers.pop("CONTENT_TYPE")}
    else:
        kwargs = {"format": "json"} if body is not None else {}
    response = getattr(api_client, method)(path, body, **kwargs, **headers)
    return normalised(response, {f"/tasks/{task.id}": "/tasks/<task>", f"/tasks/{bob_task.id}": "/tasks/<bob_task>"})


def record(name: str, answer: dict[str, Any]) -> None:
    """Writes ``answer`` into the recording under ``name`` (RECORD_RESPONSES=1)."""
    everything = json.loads(RECORDED.read_text()) if RECORDED.exists() else {}
    everything[name] = answer
    RECORDED.write_text(json.dumps(dict(sorted(everything.items())), indent=2, ensure_ascii=False) + "\n")


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    return {} if RECORDING else json.loads(RECORDED.read_text())


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(CASES))
def test_the_answer_is_the_recorded_one(api_client, make_token, recorded, name):
    got = answer(api_client, make_token, name)
    if RECORDING:
        record(name, got)
        return
    assert name in recorded, f"no recording for {name!r}: RECORD_RESPONSES=1 records it"
    assert got == recorded[name]


@pytest.mark.django_db
def test_the_rate_limited_answer_is_the_recorded_one(api_client, make_token, recorded, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "reads": "2/m"}
    headers = bearer(make_token("alice"))
    for _ in range(2):
        assert api_client.get("/api/alice/tasks", **headers).status_code == 200
    got = normalised(api_client.get("/api/alice/tasks", **headers), {})
    got["headers"]["retry-after"] = "<seconds>" if int(got["headers"]["retry-after"]) >= 1 else "<none>"
    got["body"] = re.sub(r"\b\d+ seconds?\b", "<n> seconds", got["body"])
    got["headers"]["content-length"] = "<length>"  # the number of seconds has one digit or two
    if RECORDING:
        record("429 reads", got)
        return
    assert got == recorded["429 reads"]


@pytest.mark.django_db
def test_the_public_schema_is_the_recorded_one(api_client):
    """``/api/schema/`` byte for byte: what clients generate their code from."""
    schema = api_client.get("/api/schema/")
    assert schema.status_code == 200
    if RECORDING:
        RECORDED_SCHEMA.write_bytes(schema.content)
        return
    assert schema.content == RECORDED_SCHEMA.read_bytes(), "the OpenAPI document changed: RECORD_RESPONSES=1 records it"
