"""Serving the built field app under /app/: the shell, deep links, cache and CSP headers."""

import pytest


@pytest.fixture
def built_app(app, tmp_path, monkeypatch):
    """A stand-in for pwa/dist with the files a build produces."""
    (tmp_path / "index.html").write_text("<!doctype html><title>OTTO Fält</title>")
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (tmp_path / "app-ABCD1234.js").write_text("console.log(1);")
    (tmp_path / "icon-192.png").write_bytes(b"\x89PNG")
    monkeypatch.setitem(app.config, "FIELD_APP_DIR", str(tmp_path))
    return tmp_path


def get(client, path: str):
    """GET a file and close the response (send_file keeps it open until then)."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


def test_the_shell_is_served_for_the_app_root_and_any_deep_link(client, built_app):
    for path in ("/app/", "/app/besok/123", "/app/no-such-file.js"):
        response = get(client, path)
        assert response.status_code == 200, path
        assert b"OTTO F" in response.data
        assert "no-cache" in response.headers["Cache-Control"]


def test_the_service_worker_may_control_the_app_scope_and_is_always_revalidated(client, built_app):
    response = get(client, "/app/sw.js")
    assert response.headers["Service-Worker-Allowed"] == "/app/"
    assert "no-cache" in response.headers["Cache-Control"]
    assert response.mimetype in ("text/javascript", "application/javascript")


def test_content_hashed_bundles_are_cached_for_a_year(client, built_app):
    response = get(client, "/app/app-ABCD1234.js")
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" not in get(client, "/app/icon-192.png").headers["Cache-Control"]


def test_every_response_carries_a_strict_content_security_policy(client, built_app):
    policy = get(client, "/app/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "img-src 'self' blob: data:" in policy


def test_an_unbuilt_app_is_a_404_that_says_so(client, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FIELD_APP_DIR", str(tmp_path / "missing"))
    response = get(client, "/app/")
    assert response.status_code == 404
