"""OPTIONS on every page: DRF's metadata from the API's JSON views, the contract's JSON 405 from every other.

DRF answers OPTIONS with a description of the view, rendered by the view's own
renderer: JSON on the API's resources, but YAML on the schema and an HTML
template on the Swagger UI and ReDoc pages (the Swagger UI's template needs what
a GET gives it: a 500). Django's views answer OPTIONS as they answer GET (the
admin's pages, /readyz running its checks) or with an empty HTML 200. OPTIONS
has no use on those pages (a browser's CORS preflight is answered by
corsheaders before any view runs), so they answer 405 in the JSON error shape
without running, with ``Allow`` listing the methods they take.

A view that answers OPTIONS itself, because it must not be told apart from a
page that does not exist (``/metrics``), is marked with ``answers_options``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from rest_framework.views import APIView

from .exceptions import json_error

METHOD_NOT_ALLOWED_DETAIL = "Method not allowed - this page does not answer OPTIONS"
# A Django page that declares nothing: the admin's, shown by GET and posted back by its form.
PAGE_METHODS = ("GET", "HEAD", "POST")
_ANSWERS_OPTIONS = "answers_options"
_ALLOWED_METHODS = "allowed_methods"

View = TypeVar("View", bound=Callable[..., Any])


def answers_options(view: View) -> View:
    """Mark a view that answers OPTIONS itself, in the contract's JSON."""
    setattr(view, _ANSWERS_OPTIONS, True)
    return view


def allow(*methods: str) -> Callable[[View], View]:
    """Declare the methods a function view takes, for the ``Allow`` header of its 405."""

    def mark(view: View) -> View:
        setattr(view, _ALLOWED_METHODS, tuple(methods))
        return view

    return mark


def _view_class(view: Callable[..., Any]) -> type | None:
    # Django's as_view() sets view_class; DRF's viewsets set cls.
    return getattr(view, "view_class", None) or getattr(view, "cls", None)


def describes_itself_in_json(view: Callable[..., Any]) -> bool:
    """A DRF view whose OPTIONS answer, DRF's metadata, is rendered as JSON (its first renderer's)."""
    view_class = _view_class(view)
    if view_class is None or not issubclass(view_class, APIView) or view_class.metadata_class is None:
        return False
    renderers = view_class.renderer_classes
    return bool(renderers) and renderers[0].media_type == "application/json"


def allowed_methods(view: Callable[..., Any]) -> tuple[str, ...]:
    """The methods ``view`` takes, OPTIONS aside: from its class's handlers, a declaration, or Django's decorators."""
    view_class = _view_class(view)
    if view_class is not None:
        actions = getattr(view, "actions", None)  # a DRF viewset's route: {"get": "list", ...}
        names: Collection[str] = actions or [m for m in view_class.http_method_names if hasattr(view_class, m)]
        methods = {name.upper() for name in names} - {"OPTIONS"}
        if "GET" in methods:
            methods.add("HEAD")  # Django's View.setup() answers HEAD with get()
        return tuple(sorted(methods))
    return getattr(view, _ALLOWED_METHODS, None) or _required_methods(view) or PAGE_METHODS


def _required_methods(view: Callable[..., Any]) -> tuple[str, ...] | None:
    """The list Django's ``require_http_methods`` (``require_POST``, ``require_safe``) keeps, under other decorators."""
    wrapper: Any = view
    while wrapper is not None:
        try:
            required = inspect.getclosurevars(wrapper).nonlocals.get("request_method_list")
        except TypeError:  # not a Python function: nothing to read
            required = None
        if isinstance(required, list | tuple) and all(isinstance(m, str) for m in required):
            return tuple(required)
        wrapper = getattr(wrapper, "__wrapped__", None)
    return None


class OptionsMiddleware:
    """Answers OPTIONS with a JSON 405 before any view runs, except on the API's own JSON views.

    Any other method costs one comparison: the URL is resolved here for OPTIONS only.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "OPTIONS":
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @staticmethod
    def _refusal(request: HttpRequest) -> HttpResponse | None:
        try:
            view = resolve(request.path_info, urlconf=getattr(request, "urlconf", None)).func
        except Resolver404:
            return None  # the usual 404
        if getattr(view, _ANSWERS_OPTIONS, False) or describes_itself_in_json(view):
            return None
        return json_error(405, METHOD_NOT_ALLOWED_DETAIL, {"Allow": ", ".join(allowed_methods(view))})
