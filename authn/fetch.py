"""One bounded HTTP GET of a JSON document: the key set and the revocation feed are both read this way."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit


class FetchError(Exception):
    """The document could not be fetched, or was not JSON."""


def get_json(url: str, *, timeout: float, max_bytes: int, headers: Mapping[str, str] | None = None) -> Any:
    """GET ``url`` and parse its JSON body, bounded in size and in time, never following a redirect.

    ``timeout`` bounds the whole fetch (connecting, the headers, the body), not
    each read: a server that drips a byte at a time cannot hold the fetch, nor
    a lock other threads wait on, past it.
    """
    parts = urlsplit(url)
    # Never file:, ftp: or data:; only http(s) to a named host.
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url!r} is not an http(s) URL")
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    try:
        connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    except ValueError as e:  # a port that is not a number
        raise FetchError(f"{url!r} is not an http(s) URL") from e
    deadline = _Deadline(connection, timeout)
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", target, headers={"Accept": "application/json", **(headers or {})})
        response = connection.getresponse()
        if response.status != 200:  # a redirect too: it could point anywhere
            raise FetchError(f"GET {url} answered {response.status}")
        body = response.read(max_bytes + 1)
    except (OSError, http.client.HTTPException, ValueError) as e:  # timeouts and refusals are OSErrors
        if deadline.passed:
            raise FetchError(f"GET {url} took longer than {timeout} s") from e
        raise FetchError(f"GET {url} failed: {e}") from e
    finally:
        deadline.cancel()
        connection.close()
    if deadline.passed:
        raise FetchError(f"GET {url} took longer than {timeout} s")
    if len(body) > max_bytes:
        raise FetchError(f"GET {url} returned more than {max_bytes} bytes")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors; nesting
        raise FetchError(f"GET {url} did not return JSON: {e}") from e


class _Deadline:
    """Shuts a connection's socket down when its time is up, ending whatever read is blocked on it.

    A socket timeout bounds each read alone, so it cannot bound a whole response.
    """

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self._connection = connection
        self._passed = threading.Event()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def passed(self) -> bool:
        return self._passed.is_set()

    def cancel(self) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        self._passed.set()
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                # The plain socket's shutdown: an SSLSocket's own would drop its TLS state under the reader.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
