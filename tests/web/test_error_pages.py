"""Every error a page can meet is explained in Swedish; the API keeps its JSON errors."""

import pytest

from otto.errors import _handle_unexpected
from tests.test_errors import assert_error

ENGLISH = ("Not Found", "Forbidden", "Method Not Allowed", "Bad Request", "Internal", "request")


def assert_swedish_page(response, status, title):
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page
    for word in ENGLISH:
        assert word not in page.split("<main", 1)[-1], word


def test_400_page_is_swedish(client, login, coordinator):
    login(coordinator)
    assert_swedish_page(client.get("/besok?q=a%00b"), 400, "Felaktig begäran")


def test_403_page_is_swedish(client, login, make_user):
    login(make_user(agency="polis"))
    assert_swedish_page(client.get("/personer/ny"), 403, "Åtkomst nekad")


def test_404_page_is_swedish(client, login, coordinator):
    login(coordinator)
    assert_swedish_page(client.get("/finns-inte"), 404, "Sidan finns inte")
    assert_swedish_page(
        client.get("/besok/00000000-0000-0000-0000-000000000000"), 404, "Sidan finns inte"
    )


def test_405_page_is_swedish(client, login, coordinator):
    login(coordinator)
    response = client.delete("/besok")
    assert_swedish_page(response, 405, "Metoden stöds inte")
    assert "GET" in response.headers["Allow"]


def test_500_page_is_swedish_and_names_the_request_id(app):
    with app.test_request_context("/besok", headers={"X-Request-Id": "abc123"}):
        app.preprocess_request()
        page, status = _handle_unexpected(RuntimeError("boom"))
    assert status == 500
    assert "<h1>Ett oväntat fel inträffade</h1>" in page and "abc123" in page
    assert "boom" not in page and "Internal" not in page


@pytest.mark.parametrize("path", ["/api/no-such-thing"])
def test_the_api_keeps_its_json_errors(client, path):
    assert_error(client.get(path), 404, "not_found")
