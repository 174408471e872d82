"""The orjson renderer writes what DRF's own JSONRenderer writes for every shape this API answers."""

from __future__ import annotations

import datetime
import decimal
import json

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from api.renderers import ORJSONRenderer

UTC = datetime.UTC
SAMPLES = [
    ReturnList(
        [
            {
                "id": 1,
                "user_id": "alice",
                "title": 'Buy milk — 2 litres, «quoted» "text" \u00e9',
                "description": "",
                "completed": False,
                "created_at": datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
                "updated_at": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            }
        ],
        serializer=None,
    ),
    ReturnDict({"detail": ErrorDetail("Not found.", code="not_found"), "status_code": 404}, serializer=None),
    {"errors": {"title": [ErrorDetail("This field may not be blank.", code="blank")]}, "lazy": gettext_lazy("Yes")},
    {"date": datetime.date(2026, 1, 2), "amount": decimal.Decimal("1.50"), "nested": [[1, 2], {"a": None}]},
    [],
]


@pytest.mark.parametrize("data", SAMPLES)
def test_the_same_json_as_drfs_renderer(data):
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)


def test_nothing_renders_as_an_empty_body():
    assert ORJSONRenderer().render(None) == b""


def test_an_indent_asked_for_in_accept_is_honoured():
    rendered = ORJSONRenderer().render({"a": [1]}, "application/json; indent=4")
    assert rendered.startswith(b"{\n  ") and json.loads(rendered) == {"a": [1]}
