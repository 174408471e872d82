"""Limit/offset paging that keeps the body a JSON array: totals and links go in headers."""

from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .serializers import PageQuerySerializer


class HeaderLimitOffsetPagination(LimitOffsetPagination):
    """``X-Total-Count`` plus an RFC 8288 ``Link`` header with next/prev."""

    default_limit = 50
    max_limit = 200

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: APIView | None = None) -> list[Any]:
        params = PageQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        self.request = request
        self.limit = params.validated_data["limit"]
        self.offset = params.validated_data["offset"]
        self.count = self.get_count(queryset)
        if self.offset >= self.count:
            return []  # nothing to fetch: spare the second query
        return list(queryset[self.offset : self.offset + self.limit])

    def get_paginated_response(self, data: Any) -> Response:
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (("next", self.get_next_link()), ("prev", self.get_previous_link()))
            if url
        ]
        headers = {"X-Total-Count": str(self.count)}
        if links:
            headers["Link"] = ", ".join(links)
        return Response(data, headers=headers)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return schema  # the body stays the plain array; paging is in the headers
