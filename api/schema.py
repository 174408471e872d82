"""The OpenAPI document, built once per process: it is public, so anyone could make every request rebuild it."""

from __future__ import annotations

import threading

from django.http import HttpResponse
from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.settings import api_settings

from .process_state import forget_on_setting_changed

# (view class, API version, renderer class) -> (body, Content-Type). The keys are bounded: versions are limited
# to REST framework's ALLOWED_VERSIONS below, and each view has a handful of renderers.
_documents: dict[tuple[type, str | None, type[BaseRenderer]], tuple[bytes, str]] = {}
_building = threading.Lock()
# Any setting may change the document (tests change them): the next request builds it anew.
forget_on_setting_changed(_documents.clear)


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view, each version and format generated and rendered once per process.

    The document does not depend on who asks (it is public, and generated with no
    request, as ``manage.py spectacular`` generates the one ``make check``
    validates), so it is kept as the rendered bytes. Configure it by subclassing:
    ``as_view()`` arguments would share the class's cache.
    """

    def _get_schema_response(self, request: Request) -> HttpResponse:
        version = self.api_version or request.version or self._get_version_parameter(request)
        renderer = request.accepted_renderer
        key = (type(self), version, type(renderer))
        document = _documents.get(key)
        if document is None:
            with _building:  # concurrent first requests wait for one build instead of each building
                document = _documents.get(key) or self._render(version, renderer)
                _documents[key] = document
        body, content_type = document
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'inline; filename="{self._get_filename(request, version)}"'
        return response

    def _render(self, version: str | None, renderer: BaseRenderer) -> tuple[bytes, str]:
        generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
        document = generator.get_schema(request=None, public=self.serve_public)
        # The renderer's own media type: parameters a client adds (e.g. "; indent=1") would multiply the cache.
        charset = f"; charset={renderer.charset}" if renderer.charset else ""
        return renderer.render(document, renderer.media_type, {}), renderer.media_type + charset

    def _get_version_parameter(self, request: Request) -> str | None:
        # drf-spectacular takes any ?version= when ALLOWED_VERSIONS is empty; each would be a document to keep.
        version = request.query_params.get("version")
        return version if version in (api_settings.ALLOWED_VERSIONS or ()) else None
