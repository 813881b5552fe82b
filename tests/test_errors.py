"""Every API error has the one JSON shape; pages get a Swedish error page."""

import pytest


def assert_error(response, status, code):
    assert response.status_code == status
    assert response.is_json, response.data[:200]
    body = response.json
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert body["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def test_unknown_api_route_is_json_404(client):
    assert_error(client.get("/api/no-such-thing"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow_header(client):
    response = client.delete("/api/auth/device")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_malformed_json_body_is_400_with_code(client):
    response = client.post(
        "/api/auth/device", data='{"username": "x",', content_type="application/json"
    )
    assert_error(response, 400, "malformed_json")


def test_missing_fields_are_named_in_validation_error(client):
    response = client.post("/api/auth/device", json={"username": "x"})
    body = assert_error(response, 400, "validation_error")
    assert {"password", "device_id", "device_name"} <= set(body["details"]["json"])


def test_invalid_uuid_is_named(client):
    response = client.post(
        "/api/auth/device",
        json={"username": "x", "password": "y", "device_id": "nope", "device_name": "T"},
    )
    body = assert_error(response, 400, "validation_error")
    assert "device_id" in body["details"]["json"]


def test_oversized_body_is_json_413(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = client.post("/api/auth/device", data="x" * 5000, content_type="application/json")
    assert_error(response, 413, "request_entity_too_large")


@pytest.mark.parametrize("path", ["/finns-inte", "/oversikt/x"])
def test_page_errors_are_swedish_html(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Sidan finns inte" in response.get_data(as_text=True)


def test_body_that_is_not_json_is_refused_by_name(client):
    response = client.post("/api/auth/device", data="username=x", content_type="text/plain")
    assert_error(response, 400, "json_required")
