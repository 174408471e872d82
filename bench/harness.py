"""Drives the real WSGI application in-process: the whole Django stack, minus a server and a socket."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


def setup_django(*, urlconf: str | None = None, migrate: bool = True) -> WSGIApp:
    """Configure Django from the environment (see common.server_env) and return its WSGI app."""
    import django
    from django.conf import settings

    django.setup()
    if urlconf:
        # The benchmark's own routes (an unauthenticated twin of the list view) beside the real ones.
        settings.ROOT_URLCONF = urlconf
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    # The application gunicorn serves, as todo_project/wsgi.py builds it.
    from todo_project.wsgi import application

    return application


class Client:
    """Calls a WSGI app with prebuilt environs, so the client's own cost stays out of the timings."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.status = ""

    def environ(self, method: str, path: str, *, token: str | None = None, body: bytes = b"") -> dict[str, Any]:
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if token is not None:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if body:
            environ["CONTENT_TYPE"] = "application/json"
            environ["CONTENT_LENGTH"] = str(len(body))
        return environ

    def call(self, environ: dict[str, Any]) -> bytes:
        environ["wsgi.input"].seek(0)
        result = self.app(environ, self._start_response)
        try:
            return b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    def _start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        self.status = status
