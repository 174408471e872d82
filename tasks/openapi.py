"""The task endpoints' OpenAPI description, kept apart so the viewset stays thin."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view

from api.openapi import INPUT_ERRORS, OWNER_ERRORS, TASK_ERRORS, error

from .serializers import ORDERING_FIELDS, TaskCompleteSerializer, TaskSerializer
from .totals import SEARCH_COUNT_CAP

USER_ID = OpenApiParameter("user_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The token's `sub`")
# Ids the router accepts: 1 to 18 digits (anything else is a 404 without a query).
TASK_ID = OpenApiParameter(
    "id", {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}, OpenApiParameter.PATH, description="The task's id"
)
LIST_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=["all", "pending", "completed"], default="all"),
    OpenApiParameter("search", OpenApiTypes.STR, description="Case-insensitive text in title or description"),
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=[prefix + name for name in ORDERING_FIELDS for prefix in ("", "-")],
        default="-created_at",
    ),
    OpenApiParameter(
        "X-Total-Count",
        # Digits, or digits and "+": a search stops counting at SEARCH_COUNT_CAP (totals.py).
        {"type": "string", "pattern": r"^[0-9]+\+?$"},
        OpenApiParameter.HEADER,
        response=[200],
        description=f"Tasks matching the filters. Exact (`120`), except for a search that matches more than "
        f"{SEARCH_COUNT_CAP} tasks: then `{SEARCH_COUNT_CAP}+`, meaning more than {SEARCH_COUNT_CAP} "
        "(the count stops there). A list without a search is always exact.",
    ),
    OpenApiParameter(
        "Link",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200],
        description='RFC 8288: rel="next" and rel="prev" pages',
    ),
]
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description='The task\'s version: "<id>:<updated_at>"',
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Only write if the task still has this ETag (else 412); without it the last write wins",
)
STALE = {412: error("If-Match does not match the task's current ETag")}
CHUNKED = {411: error("A body sent in chunks, without Content-Length")}
LOCATION = OpenApiParameter(
    "Location", OpenApiTypes.URI, OpenApiParameter.HEADER, response=[201], description="The new task's URL"
)

task_viewset_schema = extend_schema_view(
    list=extend_schema(
        summary="List the user's tasks",
        description="One page of the user's tasks as a JSON array, filtered and ordered by the query; "
        "the total is in X-Total-Count and the next and previous pages in Link.",
        parameters=[USER_ID, *LIST_PARAMETERS],
        responses={200: TaskSerializer(many=True), **INPUT_ERRORS, **OWNER_ERRORS},
    ),
    create=extend_schema(
        summary="Create a task",
        parameters=[USER_ID, LOCATION, ETAG],
        responses={201: TaskSerializer, **INPUT_ERRORS, **CHUNKED, **OWNER_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a task", parameters=[USER_ID, TASK_ID, ETAG], responses={200: TaskSerializer, **TASK_ERRORS}
    ),
    update=extend_schema(
        summary="Replace a task",
        parameters=[USER_ID, TASK_ID, IF_MATCH, ETAG],
        responses={200: TaskSerializer, **INPUT_ERRORS, **CHUNKED, **TASK_ERRORS, **STALE},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a task",
        parameters=[USER_ID, TASK_ID, IF_MATCH, ETAG],
        responses={200: TaskSerializer, **INPUT_ERRORS, **CHUNKED, **TASK_ERRORS, **STALE},
    ),
    destroy=extend_schema(
        summary="Delete a task",
        parameters=[USER_ID, TASK_ID, IF_MATCH, ETAG],
        responses={204: OpenApiResponse(description="Deleted"), **TASK_ERRORS, **STALE},
    ),
    complete=extend_schema(
        summary="Set or toggle completion",
        description='`{"completed": true|false}` sets it; an empty body toggles it.',
        parameters=[USER_ID, TASK_ID, IF_MATCH, ETAG],
        request=TaskCompleteSerializer,
        responses={200: TaskSerializer, **INPUT_ERRORS, **CHUNKED, **TASK_ERRORS, **STALE},
    ),
)
