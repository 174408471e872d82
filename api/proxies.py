"""What only trusted reverse proxies may tell: the client's address (X-Forwarded-For) and scheme (X-Forwarded-Proto)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Set in the request's environ when X-Forwarded-Proto came from a peer not trusted to send it and was dropped.
DROPPED_FORWARDED_PROTO = "api.proxies.dropped_x_forwarded_proto"
# What a reverse proxy adds to a request it passes on (besides X-Forwarded-*): RFC 7239's Forwarded, RFC 9110's
# Via, and the client-address headers of nginx's and others' usual configurations.
_PROXY_HEADERS = frozenset(
    {
        "HTTP_FORWARDED",
        "HTTP_VIA",
        "HTTP_X_REAL_IP",
        "HTTP_X_CLIENT_IP",
        "HTTP_X_CLUSTER_CLIENT_IP",
        "HTTP_TRUE_CLIENT_IP",
        "HTTP_CF_CONNECTING_IP",
        DROPPED_FORWARDED_PROTO,
    }
)


def came_through_a_proxy(request: HttpRequest) -> bool:
    """Whether the request carries any header a proxy adds (any X-Forwarded-*, even empty, included)."""
    return any(
        name in _PROXY_HEADERS or name.startswith(("HTTP_X_FORWARDED", "HTTP_X_ORIGINAL_FORWARDED"))
        for name in request.META
    )


def in_networks(address: str, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    """Whether ``address`` (as a header or REMOTE_ADDR gives it) is an IP in one of ``networks``; garbage is not."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def resolve_forwarded_for(remote_addr: str, forwarded_for: str, networks: list) -> str:
    """The client's address: X-Forwarded-For walked from the right, skipping trusted proxies, to the first other hop.

    Only TrustedProxyMiddleware calls it; everything after it reads the result
    from REMOTE_ADDR (``authn.client_address``).
    """
    if not in_networks(remote_addr, networks):
        return remote_addr  # a direct client can write any X-Forwarded-For it likes
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not in_networks(hop, networks):
            return hop
    return hops[0] if hops else remote_addr


class TrustedProxyMiddleware:
    """Believes X-Forwarded-For and X-Forwarded-Proto only from a peer in TRUSTED_PROXIES.

    REMOTE_ADDR becomes the real client, for logs and limits alike. X-Forwarded-Proto
    is what SECURE_PROXY_SSL_HEADER reads, so from any other peer it is dropped: a
    client could otherwise claim HTTPS over plain HTTP.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.networks = [ipaddress.ip_network(n, strict=False) for n in settings.TRUSTED_PROXIES]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = request.META.get("REMOTE_ADDR", "")
        if not self.networks or not in_networks(peer, self.networks):
            if request.META.pop("HTTP_X_FORWARDED_PROTO", None) is not None:
                request.META[DROPPED_FORWARDED_PROTO] = True  # /metrics still knows a proxy may have sent it
            return self.get_response(request)
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            request.META["REMOTE_ADDR"] = resolve_forwarded_for(peer, forwarded, self.networks)
        return self.get_response(request)
