"""Run the real Better Auth server from ``interop/`` for interoperability tests.

Hand-made tokens only prove that we agree with ourselves; tokens minted by the
real Better Auth ``jwt()`` plugin prove that the API accepts what production
clients will actually send. Stdlib only, so it loads before Django settings.
"""

from __future__ import annotations

import http.cookiejar
import json
import shutil
import subprocess
import threading
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from types import TracebackType

REPO_ROOT = Path(__file__).resolve().parents[1]
INTEROP_DIR = REPO_ROOT / "interop"
ALGORITHMS = ("EdDSA", "ES256", "ES512", "RS256", "PS256")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
HTTP_TIMEOUT = 10.0


def node_available() -> bool:
    """Tell whether the server can start, so tests can skip instead of fail."""
    return shutil.which("node") is not None and (INTEROP_DIR / "node_modules").is_dir()


class BetterAuthServer:
    """A Better Auth server on a free loopback port, alive inside a ``with`` block.

    Each instance has its own in-memory users and signing key, so tests that
    use separate servers cannot see each other's users or keys.
    """

    def __init__(
        self,
        alg: str = "EdDSA",
        expires_in: int | None = None,
        *,
        revocation_feed_secret: str | None = None,
        admin_email: str | None = None,
    ) -> None:
        if alg not in ALGORITHMS:
            msg = f"alg must be one of {ALGORITHMS}, not {alg!r}"
            raise ValueError(msg)
        self.alg = alg
        self.expires_in = expires_in
        self.revocation_feed_secret = revocation_feed_secret
        self.admin_email = admin_email
        self.url = ""
        self.jwks_url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Self:
        command = ["node", "server.mjs", "--port", "0", "--alg", self.alg]
        if self.expires_in is not None:
            # The "=" form keeps a negative value from reading as a flag.
            command.append(f"--expires-in={self.expires_in}")
        if self.revocation_feed_secret:
            command += ["--revocation-feed-secret", self.revocation_feed_secret]
        if self.admin_email:
            command += ["--admin-email", self.admin_email]
        self._process = subprocess.Popen(
            command,
            cwd=INTEROP_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            ready = self._read_ready_line()
        except BaseException:
            self._stop()
            raise
        self.url = ready["url"]
        self.jwks_url = ready["jwks_url"]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def sign_up(self, email: str, password: str, name: str) -> str:
        """Create a user and return a JWT that Better Auth issued for them."""
        return self._session_token(
            "/api/auth/sign-up/email",
            {"email": email, "password": password, "name": name},
        )

    def token_for(self, email: str, password: str) -> str:
        """Sign in an existing user and return a freshly issued JWT."""
        return self._session_token("/api/auth/sign-in/email", {"email": email, "password": password})

    def signed_in(self, email: str, password: str, name: str | None = None) -> BrowserSession:
        """A browser signed in (signed up first when ``name`` is given): its cookie, and JWTs on request."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        session = BrowserSession(self.url, opener)
        if name is None:
            session.post("/api/auth/sign-in/email", {"email": email, "password": password})
        else:
            session.post("/api/auth/sign-up/email", {"email": email, "password": password, "name": name})
        return session

    def rotate(self) -> str:
        """Replace the signing key; return the new kid.

        Afterwards new tokens carry the new kid and the JWKS lists only the
        new key, so tokens signed before the rotation no longer verify.
        """
        request = urllib.request.Request(f"{self.url}/__test__/rotate", method="POST")
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return json.load(response)["kid"]

    def jwks(self) -> dict[str, Any]:
        """Fetch the JWKS as the API would see it."""
        with urllib.request.urlopen(self.jwks_url, timeout=HTTP_TIMEOUT) as response:
            return json.load(response)

    def _session_token(self, path: str, body: dict[str, str]) -> str:
        # The session cookie from sign-up/sign-in is exchanged for a JWT.
        # Better Auth rejects cookie-bearing POSTs whose Origin is not
        # trusted; the server's own URL is trusted by default.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Origin": self.url},
            method="POST",
        )
        with opener.open(request, timeout=HTTP_TIMEOUT):
            pass
        token_url = f"{self.url}/api/auth/token"
        with opener.open(token_url, timeout=HTTP_TIMEOUT) as response:
            return json.load(response)["token"]

    def _read_ready_line(self) -> dict[str, str]:
        # readline() blocks, so it runs in a thread to honour the timeout.
        process = self._process
        if process is None or process.stdout is None:
            msg = "server process was not started"
            raise RuntimeError(msg)
        stdout = process.stdout
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        if not lines:
            msg = f"Better Auth server not ready after {START_TIMEOUT:.0f}s"
            raise RuntimeError(msg)
        if not lines[0]:
            msg = f"Better Auth server exited with code {process.wait()}"
            raise RuntimeError(msg)
        return json.loads(lines[0])

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


class BrowserSession:
    """One signed-in browser of the Better Auth server: sign out, revoke, ban, delete as a person would."""

    def __init__(self, url: str, opener: urllib.request.OpenerDirector) -> None:
        self.url = url
        self._opener = opener

    def token(self) -> str:
        """A JWT for this session, as the web app gets one."""
        with self._opener.open(f"{self.url}/api/auth/token", timeout=HTTP_TIMEOUT) as response:
            return json.load(response)["token"]

    def get(self, path: str) -> Any:
        with self._opener.open(f"{self.url}{path}", timeout=HTTP_TIMEOUT) as response:
            return json.load(response)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body or {}).encode(),
            headers={"Content-Type": "application/json", "Origin": self.url},
            method="POST",
        )
        with self._opener.open(request, timeout=HTTP_TIMEOUT) as response:
            text = response.read()
        return json.loads(text) if text else None
