"""Limit/offset paging that keeps the body a JSON array: totals and links go in headers.

``?after=<cursor>`` pages by keyset instead: the page starts right after the
task the cursor names, so its cost does not grow with depth as an offset's does
(the database reads and discards every row an offset skips). ``?after=`` empty
starts at the top; each page's ``Link: rel="next"`` carries the next cursor.
"""

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from .cursors import decode_cursor, encode_cursor
from .listing import TaskListQuerySet
from .pages import keyset_page, list_page, list_total
from .serializers import PageQuerySerializer, validated
from .totals import Total
from .usual_page import TaskPage


class HeaderLimitOffsetPagination(LimitOffsetPagination):
    """``X-Total-Count`` plus an RFC 8288 ``Link`` header with next/prev (next only for keyset pages).

    ``X-Total-Count`` is exact, except for a search matching more than ``totals.SEARCH_COUNT_CAP``
    tasks: then ``1000+``, more than the cap. The page and the total come from the selectors
    (``pages.py``, ``usual_page.py``), which read the usual page with its total in one precompiled query.
    """

    default_limit = 50
    max_limit = 200
    after_query_param = "after"

    def paginate_queryset(self, queryset: TaskListQuerySet, request: Request, view: APIView | None = None) -> list[Any]:
        """A page of the list ``listing.task_listing`` gave the view, read by ``pages.list_page`` or ``keyset_page``."""
        params = validated(PageQuerySerializer, request.query_params)
        self.request, self.view, self.rows = request, view, queryset
        self.limit, self.offset, self.after = params["limit"], params["offset"], params.get("after")
        if self.after is not None:
            return self._keyset_page()
        page = list_page(queryset, offset=self.offset, limit=self.limit)
        seen = self.offset + len(page.rows)
        # A searched page read one row past its end to tell whether it is the last; otherwise a page
        # that is not full is the last, and one past the end (no rows) does not say where the end is.
        last = not page.more if page.more is not None else len(page.rows) < self.limit
        known = seen if last and (page.rows or self.offset == 0) else None
        # Rows on the page prove that the tasks before them exist, and one past it that one more does.
        self.total = self._total(page, known, at_least=(seen + (not last)) if page.rows else 0)
        self.has_next = page.more if page.more is not None else self.offset + self.limit < self.total.count
        return page.rows

    def _keyset_page(self) -> list[Any]:
        if self.offset:
            raise ValidationError({"offset": ["Page with offset or with after, not both."]})
        self.ordering = self.rows.listing.ordering
        after = decode_cursor(self.after, self.ordering) if self.after else None
        page = keyset_page(self.rows, after=after, limit=self.limit + 1)  # one more row tells if there is a next
        self.has_next = len(page.rows) > self.limit
        rows = page.rows[: self.limit]
        self.next_cursor = encode_cursor(self.ordering, rows[-1]) if self.has_next else None
        known = len(rows) if not self.after and not self.has_next else None
        self.total = self._total(page, known, at_least=len(rows) + self.has_next)
        return rows

    def _total(self, page: TaskPage, known: int | None, *, at_least: int) -> Total:
        """The list's total: read with the page's rows, else known from where the page ends, else counted.

        A search's count stops at its cap (``totals.task_total``): ``at_least`` is how many tasks
        the page has shown to exist, which may tell that the cap is passed without counting.
        """
        if page.total is not None:
            return Total(page.total)
        if known is not None:
            return Total(known)
        return list_total(self.rows, at_least=at_least)

    def get_next_link(self) -> str | None:
        # From the rows read, not from the total, which past a search's cap is only a lower bound.
        if not self.has_next:
            return None
        if self.after is None:
            url = replace_query_param(self.request.build_absolute_uri(), self.limit_query_param, self.limit)
            return replace_query_param(url, self.offset_query_param, self.offset + self.limit)
        url = remove_query_param(self.request.build_absolute_uri(), self.offset_query_param)
        return replace_query_param(url, self.after_query_param, self.next_cursor)

    def get_previous_link(self) -> str | None:
        return super().get_previous_link() if self.after is None else None

    def get_paginated_response(self, data: Any) -> Response:
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (("next", self.get_next_link()), ("prev", self.get_previous_link()))
            if url
        ]
        headers = {"X-Total-Count": str(self.total)}  # "1000+" when a search's count stopped at its cap
        if links:
            headers["Link"] = ", ".join(links)
        return Response(data, headers=headers)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": self.max_limit, "default": self.default_limit},
            self.offset_query_param: {"minimum": 0, "maximum": 2**62, "default": 0},
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return [
            *parameters,
            {
                "name": self.after_query_param,
                "required": False,
                "in": "query",
                "description": "Keyset paging: empty for the first page, then the cursor from Link rel=next. "
                "Cost does not grow with depth, unlike offset.",
                "schema": {"type": "string"},
            },
        ]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return schema  # the body stays the plain array; paging is in the headers
