"""``/metrics``: the instance's numbers for a scraper on an allowed network; a 404 like any other for everyone else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
OUTSIDER = "203.0.113.9"


@pytest.fixture
def metrics_on(settings, authn_settings):
    settings.METRICS_ENABLED = True
    settings.AUTHN = {**authn_settings, "METRICS": True}
    settings.PROMETHEUS_MULTIPROC_DIR = ""


def samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def assert_unknown_path(response, client: Client) -> None:
    """The very answer a path that does not exist gets: nothing tells the metrics are there."""
    unknown = client.get("/no-such-path", REMOTE_ADDR=response.wsgi_request.META["REMOTE_ADDR"])
    assert response.status_code == 404
    assert response["Content-Type"] == unknown["Content-Type"] == "application/json"
    assert response.json() == unknown.json()
    assert b"authn_" not in response.content


def test_off_it_is_not_found_even_from_loopback():
    client = Client()
    assert_unknown_path(client.get("/metrics"), client)


@pytest.mark.usefixtures("metrics_on")
def test_a_loopback_scraper_reads_the_counters(client_for):
    assert client_for("alice").get("/api/me").status_code == 200
    response = Client().get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    found = samples(response.content)
    assert found[("authn_tokens_verified_total", ())] >= 1
    assert ("authn_revocation_lag_seconds_count", ()) in found


@pytest.mark.usefixtures("metrics_on")
@pytest.mark.parametrize(
    ("remote_addr", "headers"),
    [
        (OUTSIDER, {}),  # a direct client elsewhere
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": OUTSIDER}),  # through a proxy on this host, TRUSTED_PROXIES unset
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "127.0.0.1"}),  # through a proxy, whatever it says
        ("not an address", {}),
    ],
)
def test_anyone_else_gets_the_404_of_an_unknown_path(remote_addr, headers):
    client = Client()
    assert_unknown_path(client.get("/metrics", REMOTE_ADDR=remote_addr, **headers), client)


@pytest.mark.usefixtures("metrics_on")
def test_a_client_behind_a_trusted_proxy_is_not_let_in(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client()
    assert_unknown_path(client.get("/metrics", HTTP_X_FORWARDED_FOR=OUTSIDER), client)


# Whatever a proxy on this host adds to say it is one: any of these, even empty, means the request came through one.
FORWARDING_HEADERS = [
    ("Forwarded", f"for={OUTSIDER}"),  # RFC 7239
    ("Forwarded", "for=127.0.0.1;proto=https"),  # naming loopback changes nothing
    ("X-Forwarded-For", OUTSIDER),
    ("X-Forwarded-Host", "api.example.com"),
    ("X-Forwarded-Proto", "https"),  # dropped by the proxy middleware from an untrusted peer, still refused
    ("X-Forwarded-Port", "443"),
    ("X-Forwarded-Server", "proxy"),
    ("X-Forwarded-Prefix", "/"),
    ("X-Forwarded-Ssl", "on"),
    ("X-Forwarded", f"for={OUTSIDER}"),
    ("X-Real-IP", OUTSIDER),
    ("X-Real-IP", ""),  # present, though empty
    ("Via", "1.1 proxy"),  # RFC 9110 §7.6.3: what every proxy adds
]


@pytest.mark.usefixtures("metrics_on")
@pytest.mark.parametrize("trusted_proxies", [[], ["127.0.0.1"]], ids=["no trusted proxies", "loopback trusted"])
@pytest.mark.parametrize(("header", "value"), FORWARDING_HEADERS, ids=[f"{h}: {v}" for h, v in FORWARDING_HEADERS])
def test_a_request_carrying_any_forwarding_header_is_refused(header, value, trusted_proxies, settings):
    settings.TRUSTED_PROXIES = trusted_proxies
    client = Client()
    assert client.get("/metrics").status_code == 200  # the same request without the header is let in
    response = client.get("/metrics", **{"HTTP_" + header.upper().replace("-", "_"): value})
    assert_unknown_path(response, client)


@pytest.mark.usefixtures("metrics_on")
def test_the_allowed_networks_are_a_setting(settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    client = Client()
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert_unknown_path(client.get("/metrics"), client)  # loopback is no longer on the list


@pytest.mark.usefixtures("metrics_on")
def test_with_a_multiprocess_directory_the_answer_sums_every_worker(settings, tmp_path):
    """Two processes count into one directory, as two gunicorn workers would; the scrape sees both."""
    worker = (
        "from authn.prometheus import PrometheusObserver\n"
        "o = PrometheusObserver()\n"
        "o.token_verified(); o.cache_hit(); o.token_refused('expired'); o.rate_limited('reads')\n"
        "o.stop()\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], env=env, check=True, timeout=60)
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    found = samples(Client().get("/metrics").content)
    assert found[("authn_tokens_verified_total", ())] == 2
    assert found[("authn_token_cache_lookups_total", (("result", "hit"),))] == 2
    assert found[("authn_tokens_refused_total", (("reason", "expired"),))] == 2
    assert found[("authn_rate_limited_total", (("limit", "reads"),))] == 2


def test_a_network_that_is_not_one_stops_the_start(tmp_path):
    from todo_project.tests.test_settings import last_line, start

    result = start({"SECRET_KEY": "x", "METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,localhost"}, tmp_path)
    assert result.returncode != 0
    assert "METRICS_ALLOWED_NETWORKS has an entry that is not an address or network: 'localhost'" in last_line(result)


def test_a_multiprocess_directory_that_does_not_exist_stops_the_start(tmp_path):
    from todo_project.tests.test_settings import last_line, start

    missing = tmp_path / "missing"
    result = start({"SECRET_KEY": "x", "METRICS_ENABLED": "true", "PROMETHEUS_MULTIPROC_DIR": str(missing)}, tmp_path)
    assert result.returncode != 0
    assert f"PROMETHEUS_MULTIPROC_DIR is not a directory: {missing}." in last_line(result)
