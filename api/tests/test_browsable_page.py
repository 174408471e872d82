"""The browsable API's pages carry this API's title and brand, not REST framework's."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_browsable_page_is_titled_and_branded_as_the_tasks_api(client_for):
    page = client_for("alice").get("/api/me", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Tasks API</title>" in html
    assert '<a class="navbar-brand" rel="nofollow" href="/api/docs/">Tasks API</a>' in html
    assert "Django REST framework" not in html  # the brand REST framework shows otherwise
