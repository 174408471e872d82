"""``/metrics``: the instance's Prometheus metrics, for scrapers on allowed networks only.

Off unless ``METRICS_ENABLED``; then answered only to a direct peer in
``METRICS_ALLOWED_NETWORKS`` (default loopback). Everyone else gets the JSON
404 of any unknown path, so the endpoint cannot even be found from outside.
A request that came through a reverse proxy (it carries any forwarding header:
``Forwarded``, ``Via``, ``X-Real-IP``, any ``X-Forwarded-*``, even empty) is
refused too: behind a proxy on the same host, every client would otherwise look
like loopback whenever ``TRUSTED_PROXIES`` is not set, and a proxy configured to
send only one of those headers must not be enough to open the metrics.

With ``PROMETHEUS_MULTIPROC_DIR`` set (one empty directory per instance,
shared by its gunicorn workers) the answer sums every worker's files; without
it, it is the answering process's own counts.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from authn import client_address, get_observer

from .exceptions import json_error
from .options import answers_options
from .process_state import forget_on_setting_changed
from .proxies import came_through_a_proxy, in_networks


@lru_cache(maxsize=1)
def _allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in settings.METRICS_ALLOWED_NETWORKS)


forget_on_setting_changed(_allowed_networks.cache_clear)


def is_allowed(request: HttpRequest) -> bool:
    """A direct peer (no proxy in between) on an allowed network."""
    if came_through_a_proxy(request):
        return False
    return in_networks(client_address(request), _allowed_networks())  # with no proxy, the client is the peer


@answers_options  # OPTIONS too is the 404 of an unknown path for everyone who may not see the metrics
def metrics(request: HttpRequest) -> HttpResponse:
    """The text exposition format, or the JSON 404 when metrics are off or the client may not see them."""
    if not settings.METRICS_ENABLED or not is_allowed(request):
        raise Http404
    if request.method == "OPTIONS":
        return json_error(405, "Method not allowed", {"Allow": "GET, HEAD"})
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    flush = getattr(get_observer(), "flush", None)
    if flush is not None:
        flush()  # this process's latest per-request counts; the others' are at most a second old
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
