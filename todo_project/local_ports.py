"""`make run` / `make dev`: does the local .env name the web app's port the run asks for?

The API fetches its keys from BETTER_AUTH_URL and admits browsers from CORS_ORIGINS. A .env written
for another WEB_PORT would make the API fetch keys from whatever runs there and refuse the web app,
so the run stops first and says which lines to change. Only loopback addresses are checked: any
other value was set on purpose and is left alone. Standard library only: it runs before Django.

Usage: python -m todo_project.local_ports WEB_PORT [ENV_FILE]
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines, as django-environ reads the ones `make` writes (no quoting, no export)."""
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, sep, value = line.strip().partition("=")
            if sep and not name.startswith("#"):
                values[name.strip()] = value.strip().strip("'\"")
    return values


def _loopback_port(url: str) -> int | None:
    parts = urlsplit(url.strip())
    if parts.hostname not in LOOPBACK:
        return None
    return parts.port or (443 if parts.scheme == "https" else 80)


def mismatches(web_port: int, settings: dict[str, str]) -> list[str]:
    """One line per setting that points at a loopback web app on another port than web_port."""
    found = []
    url = settings.get("BETTER_AUTH_URL", "")
    port = _loopback_port(url) if url else None
    if port is not None and port != web_port:
        found.append(f"  BETTER_AUTH_URL={url}  (this run needs BETTER_AUTH_URL=http://localhost:{web_port})")
    origins = [origin for origin in settings.get("CORS_ORIGINS", "").split(",") if origin.strip()]
    loopback = [origin for origin in origins if _loopback_port(origin) is not None]
    if loopback and all(_loopback_port(origin) != web_port for origin in loopback):
        found.append(
            f"  CORS_ORIGINS={settings['CORS_ORIGINS']}  "
            f"(this run needs http://localhost:{web_port},http://127.0.0.1:{web_port} in it)"
        )
    return found


def main(argv: list[str]) -> int:
    web_port = int(argv[0])
    env_file = Path(argv[1] if len(argv) > 1 else os.environ.get("ENV_FILE", ".env"))
    # As in settings: the environment wins over the file.
    given = {name: os.environ[name] for name in ("BETTER_AUTH_URL", "CORS_ORIGINS") if name in os.environ}
    settings = {**read_env_file(env_file), **given}
    found = mismatches(web_port, settings)
    if found:
        print(f"{env_file} (or the environment) names another web app port than WEB_PORT={web_port}:", file=sys.stderr)
        print("\n".join(found), file=sys.stderr)
        print(
            f"Change those lines in {env_file}, or run on the port they name (make run WEB_PORT=...).",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
