"""Whole requests in-process (Django's WSGI app, no server): what authentication adds to a 20-task list.

``python -m bench.inprocess [--seconds S] [--profile FILE] [--out FILE]``, with the
environment of ``common.server_env`` (``bench.run`` sets it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .common import USER, Identity, log, per_call, write_json
from .harness import Client, setup_django

LIST_TASKS = 20


def seed(n: int) -> int:
    """``n`` tasks for the benchmark user, nothing else; returns one task's id."""
    from tasks.models import Task

    Task.objects.all().delete()
    Task.objects.bulk_create(
        [Task(user_id=USER, title=f"Task {i}", description="A few words of description " * 3) for i in range(n)]
    )
    return Task.objects.filter(user_id=USER).values_list("id", flat=True).first()  # type: ignore[return-value]


def run(seconds: float, profile: str | None) -> dict[str, object]:
    identity = Identity.from_env()
    client = Client(setup_django(urlconf="bench.urls"))
    task_id = seed(LIST_TASKS)
    token = identity.token()
    # More tokens than the cache holds, cycled: each one is a miss again by the time it comes back.
    fresh_tokens = itertools.cycle([identity.token(f"user-{i}") for i in range(12_000)])
    listing = f"/api/{USER}/tasks"
    requests: dict[str, Callable[[], bytes]] = {}

    def fixed(name: str, method: str, path: str, token: str | None, body: bytes = b"") -> None:
        environ = client.environ(method, path, token=token, body=body)
        requests[name] = lambda: client.call(environ)

    # The twin gets a bearer header too, which it never reads: both requests take the API's middleware path.
    fixed("list 20, no authentication (TrustEveryone)", "GET", f"/api/unsecured/{USER}/tasks", "never-checked")
    fixed("list 20, token seen before", "GET", listing, token)
    fixed("single task", "GET", f"{listing}/{task_id}", token)
    single = requests["single task"]
    requests["single task, revocation feed on"] = with_revocation_feed(single)
    fixed("401, no token", "GET", listing, None)

    def first_verification() -> bytes:
        return client.call(client.environ("GET", "/api/me", token=next(fresh_tokens)))

    requests["GET /api/me, a token not seen before"] = first_verification
    fixed("GET /api/me, token seen before", "GET", "/api/me", token)
    body = json.dumps({"title": "Benchmark task", "description": "created in-process"}).encode()
    fixed("create (POST)", "POST", listing, token, body)

    for name, call in requests.items():
        call()
        if client.status[:3] not in ("200", "201", "401"):
            raise RuntimeError(f"{name}: {client.status}")
    order = [n for n in requests if not n.startswith("create")] + ["create (POST)"]
    rounds: dict[str, list[float]] = {name: [] for name in requests}
    for _ in range(5):  # interleaved: the with/without-authentication pair meets the same noise
        for name in order:
            if name.startswith("create") and rounds[name]:
                continue  # one round of writes is enough, and keeps the table small
            rounds[name].append(per_call(requests[name], seconds=seconds / 5 / len(order), repeat=3))
    us = {name: min(values) * 1e6 for name, values in rounds.items()}
    secured, unsecured = us["list 20, token seen before"], us["list 20, no authentication (TrustEveryone)"]
    authenticate_us = authentication_us(token, seconds=seconds / 5)
    revocation_cost = us["single task, revocation feed on"] / us["single task"] - 1
    result: dict[str, object] = {
        "per_request_us": us,
        "authenticate_us": authenticate_us,
        # Measured directly: the difference of two whole requests is smaller than their noise.
        "auth_share_of_list": authenticate_us / secured,
        "auth_share_by_difference": (secured - unsecured) / secured,
        "list_tasks": LIST_TASKS,
        "revocation_check_cost_of_single_task": revocation_cost,
    }
    for name, value in us.items():
        log(f"  {name:<56} {value:9.1f} µs")
    log(f"  authentication step (header to user), token seen before {authenticate_us:9.1f} µs")
    log(f"  authentication share of a 20-task list = {result['auth_share_of_list']:.1%} (target ≤ 3%)")
    log(f"  revocation check's cost on a single-task read = {revocation_cost:+.1%} (target ≤ 2%)")
    if profile:
        seed(LIST_TASKS)  # the writes above added tasks: profile the 20-task list that was timed
        result["profile_top"] = profile_list(requests["list 20, token seen before"], profile)
    return result


def revocation_feed_holding(revoked: int = 10_000) -> object:
    """A revocation feed already read, holding ``revoked`` ended sessions, that never polls again.

    What the benchmarks measure is the check each request pays, not the polling thread.
    """
    from authn import RevocationFeed

    at = int(time.time())
    events = [
        {
            "id": i,
            "jti": f"j{i}",
            "type": "session.revoked",
            "sessionId": f"s{i}",
            "userId": f"u{i}",
            "at": at,
            "expiresAt": at + 900,
        }
        for i in range(1, revoked + 1)
    ]
    feed = RevocationFeed(
        "http://feed.invalid/api/auth/revocations",
        "x" * 32,
        page_verifier=_TrustingPages(),  # what is measured is the check, not page signatures
        poll_seconds=3600,
        max_stale_seconds=3600,
        timeout_seconds=1,
        fetch=lambda url, **kwargs: _page_for(url, events),
    )
    feed.start = lambda: None  # type: ignore[method-assign]
    if not feed.poll() or len(feed.revocations) != revoked:
        raise RuntimeError("the benchmark's revocation feed was not read")
    return feed


class _TrustingPages:
    """Hands back a page's claims unverified: the benchmark's feed is in-process, and its signature is not measured."""

    def verify(self, page: Any) -> dict[str, Any]:
        return page


def _page_for(url: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    query = parse_qs(urlsplit(url).query)
    after = int(query["after"][0])
    page = [e for e in events if e["id"] > after]  # one page, however long: the check is measured, not paging
    anchor = events[after - 1]["jti"] if after else None
    claims = {"nonce": query["nonce"][0], "after": after, "incarnation": "bench", "anchor": anchor, "events": page}
    return {"page": claims}


def with_revocation_feed(call: Callable[[], bytes]) -> Callable[[], bytes]:
    """``call`` with the revocation check on (``revocation_feed_holding``), off again after it."""
    from authn import get_verifier

    feed, verifier = revocation_feed_holding(), get_verifier()

    def call_with_feed() -> bytes:
        verifier.revocations = feed
        try:
            return call()
        finally:
            verifier.revocations = None

    return call_with_feed


def authentication_us(token: str, *, seconds: float) -> float:
    """µs for the whole authentication step of a request: header parsing, verification, the user."""
    from django.test import RequestFactory
    from rest_framework.request import Request

    from authn import BetterAuthJWTAuthentication

    request = Request(RequestFactory().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}"))

    def authenticate() -> object:
        return BetterAuthJWTAuthentication().authenticate(request)

    return per_call(authenticate, seconds=seconds) * 1e6


def profile_list(call: Callable[[], bytes], path: str) -> list[tuple[float, str]]:
    """pyinstrument over many list requests: the full tree to ``path``, the top self-time items returned."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(3000):
        call()
    profiler.stop()
    with open(path, "w") as f:
        f.write(profiler.output_text(show_all=True, time="percent_of_total"))
    top: dict[str, float] = {}
    session = profiler.last_session
    if session is None:
        return []
    total = session.duration

    def visit(frame: object) -> None:
        for child in frame.children:  # type: ignore[attr-defined]
            visit(child)
        function = getattr(frame, "function", "") or ""
        file = (getattr(frame, "file_path_short", "") or "").replace("\\", "/")
        key = f"{function} ({file.split('site-packages/')[-1]})"
        top[key] = top.get(key, 0.0) + frame.total_self_time  # type: ignore[attr-defined]

    visit(session.root_frame())
    return sorted(((seconds / total, name) for name, seconds in top.items()), reverse=True)[:15]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--profile", help="write a pyinstrument tree of the list request here")
    parser.add_argument("--out")
    args = parser.parse_args()
    write_json(args.out, run(args.seconds, args.profile))


if __name__ == "__main__":
    main()
