"""The server alone: a WSGI app that does no work, served as the API is (gunicorn, 2 sync workers).

Its figures are the ceiling any Django app can reach under this server on the
machine that runs the benchmark. It answers what each scenario expects: 401
without a token, 201 to a POST, 200 otherwise.
"""

from collections.abc import Callable, Iterable
from typing import Any


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    environ["wsgi.input"].read()
    if "HTTP_AUTHORIZATION" not in environ:
        status, body = "401 Unauthorized", b'{"detail": "no token"}'
    elif environ["REQUEST_METHOD"] == "POST":
        status, body = "201 Created", b"{}"
    else:
        status, body = "200 OK", b"[]"
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
