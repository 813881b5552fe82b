"""Health endpoints, forwarded headers behind proxies, and the request id in the logs."""

import logging
from pathlib import Path

import pytest

from otto import create_app
from otto.config import load_config
from otto.logs import _Stdout


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_reports_every_check_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "photo_storage": "ok"},
    }
    assert "no-store" in response.headers["Cache-Control"]


def test_readyz_is_unavailable_when_photo_storage_is_not_writable(app, client, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    app.config["PHOTO_DIR"], saved = str(blocked), app.config["PHOTO_DIR"]
    try:
        response = client.get("/readyz")
    finally:
        app.config["PHOTO_DIR"] = saved
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["photo_storage"] != "ok"


@pytest.mark.no_rollback
def test_readyz_is_unavailable_on_an_unmigrated_database(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
            "PHOTO_DIR": str(tmp_path / "photos"),
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"].startswith("schema at nothing")


@pytest.mark.no_rollback
def test_readyz_accepts_a_schema_migrated_by_a_newer_version(app, tmp_path):
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'newer.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('9999')"))
    engine.dispose()
    newer = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "PHOTO_DIR": str(tmp_path / "p")}
    )
    response = newer.test_client().get("/readyz")
    assert response.json["checks"]["migrations"] == "ok"


def test_readyz_refuses_a_schema_behind_the_code(app, client, monkeypatch):
    from otto import health

    heads, known = health._migrations(str(Path(app.root_path) / "migrations"))
    monkeypatch.setattr(health, "_migrations", lambda _directory: ({"9999"}, known | {"9999"}))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"].endswith("code expects ['9999']")


def _forwarded_app(tmp_path, proxies: int):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'proxy.sqlite3'}",
            "PROXY_COUNT": proxies,
        }
    )


FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "otto.kommun.example",
    "X-Forwarded-For": "198.51.100.7",
}


@pytest.mark.no_rollback
def test_forwarded_headers_are_trusted_behind_the_configured_proxy(tmp_path):
    app = _forwarded_app(tmp_path, proxies=1)
    seen = {}

    @app.get("/probe")
    def probe():
        from flask import request

        seen.update(url=request.url, remote=request.remote_addr)
        return ""

    app.test_client().get("/probe", headers=FORWARDED)
    assert seen == {"url": "https://otto.kommun.example/probe", "remote": "198.51.100.7"}


@pytest.mark.no_rollback
def test_forwarded_headers_are_ignored_without_a_proxy(tmp_path):
    app = _forwarded_app(tmp_path, proxies=0)
    seen = {}

    @app.get("/probe")
    def probe():
        from flask import request

        seen.update(url=request.url, remote=request.remote_addr)
        return ""

    app.test_client().get("/probe", headers=FORWARDED)
    assert seen == {"url": "http://localhost/probe", "remote": "127.0.0.1"}


def test_proxy_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("OTTO_PROXY_COUNT", "2")
    assert load_config()["PROXY_COUNT"] == 2


def test_request_id_is_echoed_and_logged(app, client, caplog, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    app.config["PHOTO_DIR"], saved = str(blocked), app.config["PHOTO_DIR"]
    try:
        with caplog.at_level(logging.WARNING, logger="otto.health"):
            response = client.get("/readyz", headers={"X-Request-Id": "abc123"})
    finally:
        app.config["PHOTO_DIR"] = saved
    assert response.headers["X-Request-Id"] == "abc123"
    lines = [_Stdout().format(record) for record in caplog.records]
    assert any("WARNING [otto.health] [abc123] Readiness check" in line for line in lines)
