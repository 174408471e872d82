"""A sign-out made through Better Auth is refused by every API instance within 2 s, measured per instance."""

from __future__ import annotations

import secrets
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from reliability import stack

PROMISE_SECONDS = 2.0
ROUNDS = 20
POLL_INTERVAL_SECONDS = 0.01
# Each instance runs 2 workers, each with its own list: an instance counts as refusing once it has
# refused this many requests in a row (a worker that has not caught up yet would break the run).
CONFIRMATIONS = 4
# Polling continues a little past the promise, so a late instance is measured, not only failed.
GIVE_UP_SECONDS = PROMISE_SECONDS + 3.0
ENDED = 'error_description="The session has ended"'
PASSWORD = secrets.token_urlsafe(18)  # fresh per run, never printed


@dataclass
class Propagation:
    """Seconds from sign-out until each instance refused the token, by instance name."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    violations: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, float]]:
        """Median, worst and count per instance and over all of them."""
        groups = {**self.seconds, "all": [s for values in self.seconds.values() for s in values]}
        return {
            name: {"n": len(values), "median_s": round(statistics.median(values), 3), "worst_s": round(max(values), 3)}
            for name, values in groups.items()
            if values
        }

    def line(self) -> str:
        parts = [
            f"{name} median {s['median_s']:.3f}s worst {s['worst_s']:.3f}s (n={s['n']})"
            for name, s in self.summary().items()
        ]
        return f"sign-out to refusal (promise {PROMISE_SECONDS:.0f}s): " + "; ".join(parts or ["nothing measured"])


def client_headers(round_number: int) -> dict[str, str]:
    """Each round is another person's browser (TEST-NET-1): its refusals spend a failure budget of its own.

    The instances trust 127.0.0.1 as their proxy, so the address is taken from X-Forwarded-For, as nginx sends it.
    """
    return {"X-Forwarded-For": f"192.0.2.{round_number % 250 + 1}"}


def measure(better_auth: object, instances: Mapping[str, str], rounds: int = ROUNDS) -> Propagation:
    """Sign in, check every instance accepts the token, sign out, and time each instance's first lasting refusal."""
    result = Propagation(seconds={name: [] for name in instances})
    for n in range(rounds):
        headers = client_headers(n)
        browser = better_auth.signed_in(f"signout-{n}@example.com", PASSWORD, f"Person {n}")  # type: ignore[attr-defined]
        token = browser.token()
        refused_before = [
            f"{name}: {status}"
            for name, url in instances.items()
            if (status := stack.request(url, "GET", "/api/me", token=token, headers=headers)[0]) != 200
        ]
        if refused_before:
            result.violations.append(("sign-out: token refused before signing out", ", ".join(refused_before)))
            continue
        signed_out_at = time.monotonic()
        browser.post("/api/auth/sign-out")
        for name, seconds in _poll_until_refused(instances, token, headers, signed_out_at, result.violations).items():
            if seconds is None:
                result.violations.append(
                    ("sign-out: not refused in time", f"{name} gave no lasting refusal in {GIVE_UP_SECONDS:.0f}s")
                )
                continue
            result.seconds[name].append(seconds)
            if seconds > PROMISE_SECONDS:
                result.violations.append(("sign-out: refused later than the promise", f"{name} after {seconds:.3f}s"))
    return result


def _poll_until_refused(
    instances: Mapping[str, str],
    token: str,
    headers: Mapping[str, str],
    since: float,
    violations: list[tuple[str, str]],
) -> dict[str, float | None]:
    """Ask each instance in turn; one is done after CONFIRMATIONS refusals in a row."""
    streak_started: dict[str, float | None] = dict.fromkeys(instances)
    streak = dict.fromkeys(instances, 0)
    done: dict[str, float | None] = {}
    while len(done) < len(instances) and time.monotonic() - since < GIVE_UP_SECONDS:
        for name, url in instances.items():
            if name in done:
                continue
            status, received, _ = stack.request(url, "GET", "/api/me", token=token, headers=headers)
            now = time.monotonic()
            if status == 401 and ENDED in received.get("www-authenticate", ""):
                if streak[name] == 0:
                    streak_started[name] = now - since
                streak[name] += 1
                if streak[name] >= CONFIRMATIONS:
                    done[name] = streak_started[name]
            elif status == 200:
                streak[name], streak_started[name] = 0, None
            else:
                why = received.get("www-authenticate", "")
                violations.append(("sign-out: an answer neither 200 nor the session's end", f"{name}: {status} {why}"))
                streak[name], streak_started[name] = 0, None
        time.sleep(POLL_INTERVAL_SECONDS)
    return {name: done.get(name) for name in instances}
