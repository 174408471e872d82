"""The cluster's HTTPS front: the repository's deploy/nginx.conf with a self-signed certificate, and a browser.

The site file is used as it is, with only its example values (host name,
certificate paths, ports, instance addresses) replaced; this module wraps it in
a foreground nginx whose pid, logs and temp files live in the run's directory.
The checks then do what a person does through it: sign in to the admin, paste a
token into the browsable API's Authorize box, and call the API.
"""

from __future__ import annotations

import getpass
import http.cookiejar
import os
import re
import ssl
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from reliability import stack

SITE = stack.ROOT / "deploy" / "nginx.conf"
HSTS = "max-age=31536000"
# One byte over API_MAX_BODY_BYTES, the limit deploy/nginx.conf also sets.
TOO_LARGE_BYTES = 65536 + 1
# RATE_LIMIT_ANONYMOUS of the run: refused credentials per client address and minute.
ANONYMOUS_BUDGET = 60
NOT_A_TOKEN = "made-up"  # noqa: S105 (a credential the API must refuse)
# nginx logs a body it refused as an error; the front check sends one on purpose.
EXPECTED_NGINX_ERRORS = ("client intended to send too large body",)


def make_certificate(workdir: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid for a day, made by openssl."""
    openssl = stack.which("openssl")
    if not openssl:
        raise stack.Unavailable("openssl is not installed: apt-get install -y openssl")
    cert, key = workdir / "tls.pem", workdir / "tls.key"
    cmd = [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    cmd += ["-days", "1", "-subj", f"/CN={stack.HOST}", "-addext", f"subjectAltName=IP:{stack.HOST}"]
    cmd += ["-keyout", str(key), "-out", str(cert)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)  # noqa: S603 (fixed argv)
    if done.returncode != 0:
        raise stack.Failed(f"openssl could not make a certificate:\n{done.stderr}")
    return cert, key


def trusting(cert: Path) -> ssl.SSLContext:
    """A client context that trusts the run's certificate, and nothing else."""
    return ssl.create_default_context(cafile=str(cert))


def render_site(http_port: int, https_port: int, upstreams: list[int], cert: Path, key: Path) -> str:
    """deploy/nginx.conf with its example values replaced by the run's; each must still be there."""
    text = SITE.read_text()
    values = {
        "listen 80;": f"listen {stack.HOST}:{http_port};",
        "listen 443 ssl;": f"listen {stack.HOST}:{https_port} ssl;",
        "server_name api.example.com;": f"server_name {stack.HOST};",
        "/etc/ssl/certs/api.example.com.pem": str(cert),
        "/etc/ssl/private/api.example.com.key": str(key),
        "server 127.0.0.1:8000 ": f"server {stack.HOST}:{upstreams[0]} ",
        "server 127.0.0.1:8001 ": f"server {stack.HOST}:{upstreams[1]} ",
    }
    for example, value in values.items():
        if example not in text:
            raise stack.Failed(f"{SITE} no longer contains {example!r}: update render_site with it")
        text = text.replace(example, value)
    return text


def start_nginx(nginx: str, workdir: Path, http_port: int, https_port: int, upstreams: list[int]) -> stack.Process:
    """nginx in the foreground serving the rendered site; everything it writes stays in ``workdir``."""
    cert, key = make_certificate(workdir)
    (workdir / "site.conf").write_text(render_site(http_port, https_port, upstreams, cert, key))
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / name).mkdir(exist_ok=True)
    # As root nginx would drop its workers to an account that cannot write this private directory.
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    conf = workdir / "nginx.conf"
    conf.write_text(f"""{user}
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/client_body;
  proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fastcgi;
  uwsgi_temp_path {workdir}/uwsgi;
  scgi_temp_path {workdir}/scgi;
  keepalive_requests 100000;
  # Which instance answered, so the run can show both took part; the site sets no header of its own,
  # so it inherits this one.
  add_header X-Upstream $upstream_addr always;
  include {workdir}/site.conf;
}}
""")
    base = [nginx, "-p", str(workdir), "-e", str(workdir / "nginx-error.log"), "-c", str(conf)]
    check = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    if check.returncode != 0:
        raise stack.Failed(f"nginx refused deploy/nginx.conf as rendered:\n{check.stderr}")
    return stack.Process("nginx", base, env=os.environ, log=workdir / "nginx.out")


@dataclass
class Page:
    status: int
    headers: Message
    text: str

    @property
    def upstream(self) -> str:
        return self.headers.get("X-Upstream", "?")

    def evidence(self) -> str:
        return f"{self.upstream}: {self.status} {self.text[:200]!r}"

    def form_token(self) -> str:
        """The CSRF token of the page's form, as a browser would post it back."""
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text)
        return found.group(1) if found else ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is an answer to check, not to follow


class Browser:
    """Cookies as a browser keeps them (Secure only over HTTPS, Path honoured); posts carry Origin and Referer."""

    def __init__(self, base_url: str, tls: ssl.SSLContext) -> None:
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=tls), urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects
        )

    def cookie(self, name: str) -> http.cookiejar.Cookie | None:
        return next((c for c in self.cookies if c.name == name), None)

    def get(self, path: str, *, accept: str = "text/html") -> Page:
        return self._open(path, None, {"Accept": accept})

    def post(self, path: str, form: Mapping[str, str], *, page: str, accept: str = "text/html") -> Page:
        """A form on ``page`` (a path on this site) submitted to ``path``."""
        headers = {"Accept": accept, "Origin": self.base_url, "Referer": self.base_url + page}
        return self._open(path, urllib.parse.urlencode(form).encode(), headers)

    def _open(self, path: str, body: bytes | None, headers: dict[str, str]) -> Page:
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers)  # noqa: S310 (https only)
        try:
            with self.opener.open(request, timeout=10) as response:
                return Page(response.status, response.headers, response.read().decode(errors="replace"))
        except urllib.error.HTTPError as e:  # 3xx (not followed), 4xx and 5xx are answers too
            with e:
                return Page(e.code, e.headers, e.read().decode(errors="replace"))


def _secure_cookie(browser: Browser, name: str, *, httponly: bool = True) -> str | None:
    """Why the cookie a page set is not one a TLS deployment should send, or None when it is."""
    cookie = browser.cookie(name)
    if cookie is None:
        return f"no {name} cookie"
    if not cookie.secure:
        return f"{name} cookie without Secure"
    if httponly and not cookie.has_nonstandard_attr("HttpOnly"):
        return f"{name} cookie without HttpOnly"
    return None


# --- The checks ----------------------------------------------------------------

Problems = list[tuple[str, str]]
ROUNDS = 4  # round robin with nobody else sending: the second round's post reaches the other instance


def check_front(proxy: str, plain: str, instance: str, tls: ssl.SSLContext, token: str) -> Problems:
    """Plain HTTP is redirected; HTTPS answers carry HSTS from both instances; nginx's 413 is the instance's own."""
    problems = []
    status, headers, _ = stack.request(plain, "GET", "/api/me")
    location = headers.get("location", "")
    if status != 301 or location != f"https://{stack.HOST}/api/me":
        problems.append(("front: plain HTTP not redirected to HTTPS", f"{status}, Location {location!r}"))
    hsts: dict[str, str | None] = {}
    for _ in range(ROUNDS):
        _, headers, _ = stack.request(proxy, "GET", "/healthz", tls=tls)
        hsts[headers.get("x-upstream", "?")] = headers.get("strict-transport-security")
    for upstream, value in hsts.items():
        if value != HSTS:
            problems.append(("front: HTTPS answer without HSTS", f"{upstream}: {value!r}"))
    if len(hsts) < 2:
        problems.append(("front: HSTS not seen from both instances", str(sorted(hsts))))
    body, path = "x" * TOO_LARGE_BYTES, "/api/cluster-big/tasks"
    at_proxy = stack.request(proxy, "POST", path, token=token, body=body, tls=tls)
    at_instance = stack.request(instance, "POST", path, token=token, body=body)
    if (at_proxy[0], at_proxy[2]) != (413, at_instance[2]) or at_proxy[1].get("x-upstream"):
        evidence = f"nginx {at_proxy[0]} {str(at_proxy[2])[:150]}; instance {at_instance[0]} {at_instance[2]}"
        problems.append(("front: an oversized body not refused by nginx with the API's own 413", evidence))
    return problems


def check_admin_login(proxy: str, tls: ssl.SSLContext, username: str, password: str) -> Problems:
    """A person signs in to the admin over HTTPS, until both instances have accepted a login."""
    problems: Problems = []
    accepted: set[str] = set()
    login = "/admin/login/?next=/admin/"
    for _ in range(ROUNDS):
        browser = Browser(proxy, tls)
        page = browser.get(login)
        if page.status != 200 or not page.form_token():
            return [("admin: no login form", page.evidence())]
        form = {"username": username, "password": password, "next": "/admin/", "csrfmiddlewaretoken": page.form_token()}
        done = browser.post(login, form, page=login)
        if done.status != 302 or done.headers.get("Location") != "/admin/":
            return [("admin: login refused through the proxy", done.evidence())]
        accepted.add(done.upstream)
        for name, httponly in (("csrftoken", False), ("sessionid", True)):
            if (why := _secure_cookie(browser, name, httponly=httponly)) is not None:
                problems.append(("admin: cookie not fit for HTTPS", why))
        home = browser.get("/admin/")
        if home.status != 200 or "Site administration" not in home.text:
            problems.append(("admin: signed in, but the admin is not shown", home.evidence()))
        if len(accepted) == 2:
            break
    if len(accepted) < 2:
        problems.append(("admin: login not accepted by both instances", str(sorted(accepted))))
    return problems


def check_browsable_authorize(proxy: str, tls: ssl.SSLContext, keys: stack.Secrets) -> Problems:
    """Authorize with a pasted token over HTTPS, see the page, post its form, forget the token: on both instances.

    A round is five requests, so under round robin the next round's posts reach the other instance.
    """
    problems: Problems = []
    answered: dict[str, set[str]] = {"Authorize": set(), "form post": set()}
    for n in range(ROUNDS):
        user = f"cluster-browser-{n}"
        tasks = f"/api/{user}/tasks"
        browser = Browser(proxy, tls)
        page = browser.get(tasks)
        if page.status != 401 or not page.form_token():
            return [("browsable: no Authorize form", page.evidence())]
        form = {"token": keys.token(user), "next": tasks, "csrfmiddlewaretoken": page.form_token()}
        done = browser.post("/api-auth/token", form, page=tasks)
        if done.status != 302 or done.headers.get("Location") != tasks:
            return [("browsable: Authorize refused through the proxy", done.evidence())]
        answered["Authorize"].add(done.upstream)
        if (why := _secure_cookie(browser, "api_token")) is not None:
            problems.append(("browsable: cookie not fit for HTTPS", why))
        listing = browser.get(tasks)
        if listing.status != 200 or f"{user}@example.com" not in listing.text:
            return [*problems, ("browsable: authorized page not shown", listing.evidence())]
        form = {"title": "from the form", "csrfmiddlewaretoken": listing.form_token()}
        created = browser.post(tasks, form, page=tasks)
        if created.status != 201:
            problems.append(("browsable: form post refused", created.evidence()))
        answered["form post"].add(created.upstream)
        forget = browser.post(
            "/api-auth/token", {"clear": "1", "csrfmiddlewaretoken": listing.form_token()}, page=tasks
        )
        if forget.status != 302 or browser.cookie("api_token") is not None:
            problems.append(("browsable: Forget token did not clear the cookie", forget.evidence()))
        if all(len(upstreams) == 2 for upstreams in answered.values()):
            break
    for step, upstreams in answered.items():
        if len(upstreams) < 2:
            problems.append((f"browsable: {step} not accepted by both instances", str(sorted(upstreams))))
    return problems


def check_edge(proxy: str, plain: str, tls: ssl.SSLContext) -> Problems:
    """What nginx answers itself: a redirect to its own name, refusals in the API's JSON, X-Forwarded-For its own.

    Run last: it spends the failed-authentication budget of the address the checks come from.
    """
    problems = []
    status, headers, _ = stack.request(plain, "GET", "/api/me", headers={"Host": "evil.example"})
    if headers.get("location") != f"https://{stack.HOST}/api/me":
        problems.append(("edge: the redirect follows the client's Host", f"{status}, {headers.get('location')!r}"))
    for method, path, expected in (
        ("TRACE", "/api/me", 405),
        ("GET", "/api/%00/tasks", 400),
        ("GET", "/api/" + "a" * 5000, 414),
    ):
        status, headers, body = stack.request(proxy, method, path, tls=tls)
        if status != expected or not isinstance(body, dict) or body.get("status_code") != expected:
            problems.append(
                (
                    f"edge: nginx's own {expected} is not the API's JSON",
                    f"{method} {path[:30]}: {status} {str(body)[:120]}",
                )
            )
    # Each refused credential with another made-up X-Forwarded-For: one address all the same, so one budget.
    statuses = [
        stack.request(
            proxy,
            "GET",
            "/api/me",
            token=NOT_A_TOKEN,
            headers={"X-Forwarded-For": f"10.9.{n // 250}.{n % 250}"},
            tls=tls,
        )[0]
        for n in range(ANONYMOUS_BUDGET + 1)
    ]
    if statuses[-1] != 429 or set(statuses[:-1]) != {401}:
        problems.append(
            (
                "edge: a made-up X-Forwarded-For gave a fresh failure budget",
                f"statuses {sorted(set(statuses))}, last {statuses[-1]}",
            )
        )
    return problems
