"""The JWKS cache: one fetch shared by all, bounded refetches, stale-if-error, safe fetching."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from authn.errors import InvalidToken, KeySourceUnavailable
from authn.keys import KeyFetchError, KeySet, RemoteKeySource, fetch_jwks

from .fakes import Clock

URL = "https://auth.test/api/auth/jwks"


class FakeKeyServer:
    """Stands in for the JWKS endpoint: serves a document, or fails, and counts calls."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.down = False
        self.calls = 0

    def __call__(self, url: str) -> KeySet:
        self.calls += 1
        if self.down:
            raise KeyFetchError("connection refused")
        return KeySet(self.document)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(jwks) -> FakeKeyServer:
    return FakeKeyServer({"keys": [k for k in jwks["keys"] if k["kid"] in ("ed-key-1", "es256-key-1")]})


@pytest.fixture
def source(server, clock) -> RemoteKeySource:
    return RemoteKeySource(
        URL,
        cache_seconds=300,
        max_stale_seconds=900,
        cooldown_seconds=10,
        timeout_seconds=1,
        fetch=server,
        clock=clock,
    )


def test_the_key_set_is_fetched_once_and_reused(source, server):
    assert source.find("ed-key-1", "EdDSA") is not None
    assert source.find("es256-key-1", "ES256") is not None
    assert source.find("ed-key-1", "EdDSA") is not None
    assert server.calls == 1


def test_the_key_set_is_fetched_again_when_it_expires(source, server, clock):
    source.find("ed-key-1", "EdDSA")
    clock.now += 301
    source.find("ed-key-1", "EdDSA")
    assert server.calls == 2


def test_an_unknown_kid_refetches_once_per_cooldown(source, server, clock):
    source.find("ed-key-1", "EdDSA")
    clock.now += 11
    assert source.find("random-0", "EdDSA") is None  # refetched for it: a fresh set lacks it (401)
    for n in range(1, 50):
        clock.now += 0.1
        # Cooling down: not asked again, and the set fetched moments ago lacks it: unknown (401), not an outage.
        assert source.find(f"random-{n}", "EdDSA") is None
    assert server.calls == 2  # the first fetch, then one refetch for the whole flood
    clock.now += 6
    assert source.find("random-again", "EdDSA") is None
    assert server.calls == 3


def test_made_up_kids_inside_the_cooldown_never_look_like_an_outage(source, server, clock):
    """Ten made-up kids 0.4 s apart: each is unknown (401), none is "retry later" (503)."""
    source.find("ed-key-1", "EdDSA")
    for n in range(10):
        clock.now += 0.4
        assert source.find(f"forged-{n}", "EdDSA") is None
    assert server.calls == 1  # the cooldown still keeps them from reaching the key server


def test_an_unknown_kid_on_the_first_fetch_is_refused(source, server):
    assert source.find("never-published", "EdDSA") is None
    assert server.calls == 1


def test_a_rotated_key_is_picked_up_on_first_sight(source, server, clock, jwks):
    source.find("ed-key-1", "EdDSA")
    clock.now += 11
    server.document = {"keys": [k for k in jwks["keys"] if k["kid"] == "rs-key-1"]}
    assert source.find("rs-key-1", "RS256") is not None


def test_a_key_rotated_within_the_cooldown_is_unknown_until_the_cooldown_ends(source, server, clock, jwks):
    source.find("ed-key-1", "EdDSA")
    server.document = {"keys": [k for k in jwks["keys"] if k["kid"] == "rs-key-1"]}
    clock.now += 2
    assert source.find("rs-key-1", "RS256") is None  # 401: the web app renews and resends once
    clock.now += 8
    assert source.find("rs-key-1", "RS256") is not None


def test_a_removed_key_stops_working_after_the_next_refresh(source, server, clock, jwks):
    assert source.find("ed-key-1", "EdDSA") is not None
    server.document = {"keys": [k for k in jwks["keys"] if k["kid"] == "rs-key-1"]}
    clock.now += 301
    assert source.find("ed-key-1", "EdDSA") is None


def test_known_keys_keep_working_while_the_key_server_is_down(source, server, clock):
    source.find("ed-key-1", "EdDSA")
    server.down = True
    clock.now += 301 + 800  # expired, but within the stale bound
    assert source.find("ed-key-1", "EdDSA") is not None


def test_known_keys_stop_working_past_the_stale_bound(source, server, clock):
    source.find("ed-key-1", "EdDSA")
    server.down = True
    clock.now += 300 + 900 + 1
    with pytest.raises(KeySourceUnavailable):
        source.find("ed-key-1", "EdDSA")


def test_an_unknown_kid_during_an_outage_is_unavailable_not_invalid(source, server, clock):
    source.find("ed-key-1", "EdDSA")
    server.down = True
    clock.now += 11
    with pytest.raises(KeySourceUnavailable) as unavailable:
        source.find("new-key", "EdDSA")
    assert 1 <= unavailable.value.retry_after <= 10


def test_a_key_server_down_from_the_start_is_unavailable(source, server):
    server.down = True
    with pytest.raises(KeySourceUnavailable):
        source.find("ed-key-1", "EdDSA")


def test_an_outage_is_not_hammered(source, server, clock):
    server.down = True
    for _ in range(20):
        with pytest.raises(KeySourceUnavailable):
            source.find("ed-key-1", "EdDSA")
    assert server.calls == 1
    clock.now += 11
    server.down = False
    assert source.find("ed-key-1", "EdDSA") is not None


def test_threads_share_one_fetch(jwks):
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow_fetch(url: str) -> KeySet:
        calls.append(url)
        started.set()
        release.wait(5)
        return KeySet(jwks)

    source = RemoteKeySource(
        URL, cache_seconds=300, max_stale_seconds=900, cooldown_seconds=10, timeout_seconds=5, fetch=slow_fetch
    )
    found = []
    threads = [threading.Thread(target=lambda: found.append(source.find("ed-key-1", "EdDSA"))) for _ in range(16)]
    for thread in threads:
        thread.start()
    started.wait(5)
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(calls) == 1
    assert len(found) == 16 and all(key is not None for key in found)


def test_a_key_is_bound_to_the_algorithm_it_declares(source):
    with pytest.raises(InvalidToken, match="does not match"):
        source.find("ed-key-1", "ES256")


def test_symmetric_keys_in_a_key_set_are_ignored():
    keys = KeySet({"keys": [{"kty": "oct", "kid": "shared", "k": "c2VjcmV0"}]})
    assert keys.find("shared", "HS256") is None


@pytest.mark.parametrize("document", [[], {"no": "keys"}, {"keys": "nope"}, "text"])
def test_a_key_set_must_be_a_jwks_document(document):
    with pytest.raises(ValueError):
        KeySet(document)


# fetch_jwks against a real HTTP server on loopback


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes, float]] = {}

    def do_GET(self) -> None:
        if self.path.startswith("/drip"):
            self._drip()
            return
        status, headers, body, delay = self.routes[self.path]
        time.sleep(delay)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _drip(self) -> None:
        """A byte every 0.2 s, each well within a per-read timeout: in the status line, or in the body."""
        document = json.dumps({"keys": []}).encode()
        head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(document)
        slow, fast = (head, document) if self.path == "/drip-headers" else (document, head)
        try:
            if self.path != "/drip-headers":
                self.wfile.write(fast)
            for byte in slow:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass  # the client gave up, as it should

    def log_message(self, *args: Any) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client giving up mid-answer is what the timeout tests provoke


@pytest.fixture(scope="module")
def http_server(jwks_document: bytes) -> Iterator[str]:
    _Handler.routes = {
        "/jwks": (200, {"Content-Type": "application/json"}, jwks_document, 0),
        "/big": (200, {}, b'{"keys": [' + b" " * 300_000 + b"]}", 0),
        "/garbage": (200, {}, b"<html>not json</html>", 0),
        "/error": (500, {}, b"{}", 0),
        "/redirect": (302, {"Location": "/jwks"}, b"", 0),
        "/slow": (200, {}, jwks_document, 3),
        "/deep": (200, {"Content-Type": "application/json"}, b"[" * 100_000, 0),
    }
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def jwks_document(jwks) -> bytes:
    return json.dumps(jwks).encode()


def test_fetch_reads_a_jwks_document(http_server):
    assert "ed-key-1" in fetch_jwks(f"{http_server}/jwks", timeout=2).kids


@pytest.mark.parametrize("path", ["/big", "/garbage", "/error", "/redirect"])
def test_fetch_refuses_what_is_not_a_small_jwks_document(http_server, path):
    with pytest.raises(KeyFetchError):
        fetch_jwks(f"{http_server}{path}", timeout=2)


def test_fetch_gives_up_after_its_timeout(http_server):
    started = time.monotonic()
    with pytest.raises(KeyFetchError):
        fetch_jwks(f"{http_server}/slow", timeout=0.5)
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("path", ["/drip-headers", "/drip-body"])
def test_the_timeout_bounds_the_whole_fetch_not_each_read(http_server, path):
    started = time.monotonic()
    with pytest.raises(KeyFetchError, match=r"took longer than 0\.6 s"):
        fetch_jwks(f"{http_server}{path}", timeout=0.6)
    assert time.monotonic() - started < 1.5  # each byte comes within the timeout; the whole would take over 5 s


def test_fetch_from_a_closed_port_fails_as_unreachable():
    with pytest.raises(KeyFetchError):
        fetch_jwks("http://127.0.0.1:9/jwks", timeout=1)


def test_deeply_nested_json_is_a_failed_fetch_not_a_crash(http_server):
    # 100 kB of "[" makes json.loads raise RecursionError, which is no ValueError: it escapes
    # get_json, kills the revocation polling thread (a traceback, no "feed unreachable" line,
    # no reads until something restarts it) and is a 500 instead of a 503 on the key set path.
    from authn.fetch import FetchError, get_json

    with pytest.raises(FetchError):
        get_json(f"{http_server}/deep", timeout=2, max_bytes=1024 * 1024)
    with pytest.raises(KeyFetchError):
        fetch_jwks(f"{http_server}/deep", timeout=2)
