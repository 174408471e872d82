"""The quick answer to common Accept headers is always the one DRF's own negotiation gives."""

from __future__ import annotations

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api.negotiation import ContentNegotiation
from api.renderers import ORJSONRenderer

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPTS = [None, "*/*", "", "application/json", "application/json; indent=4", "text/html", BROWSER, "application/xml"]


def answer(negotiation, accept, query, format_suffix, renderers):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/api/me{query}", **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers, format_suffix)
    except NotAcceptable:
        return "406"
    except Http404:  # ?format= names no renderer of this view
        return "404"
    return type(renderer), media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", ["", "?format=api", "?format=json", "?limit=5"])
@pytest.mark.parametrize("format_suffix", [None, "api"])
@pytest.mark.parametrize("renderer_classes", [(ORJSONRenderer, BrowsableAPIRenderer), (BrowsableAPIRenderer,)])
def test_same_renderer_and_media_type_as_drf(accept, query, format_suffix, renderer_classes):
    renderers = [cls() for cls in renderer_classes]
    ours = answer(ContentNegotiation(), accept, query, format_suffix, renderers)
    assert ours == answer(DefaultContentNegotiation(), accept, query, format_suffix, renderers)


def test_json_clients_get_json_and_browsers_the_browsable_api(client_for):
    client = client_for("alice")
    for accept in (None, "*/*", "application/json"):
        headers = {} if accept is None else {"HTTP_ACCEPT": accept}
        response = client.get("/api/me", **headers)
        assert response["Content-Type"] == "application/json"
        assert response.json()["id"] == "alice"
    assert client.get("/api/me", HTTP_ACCEPT=BROWSER)["Content-Type"].startswith("text/html")
