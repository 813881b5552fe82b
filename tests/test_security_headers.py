"""Security headers and session safety: what the browser is told on pages, API answers and
photos; cookie flags in production; CSRF on every page form; no inline script or style in
any template a browser renders; no redirect to another site after login."""

import io
import re
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import update

from otto import config
from otto.accounts import devices
from otto.checklists.xlsform import read_xlsform
from otto.errors import Invalid
from otto.extensions import db
from otto.inspections.models import Photo
from tests.checklists.test_xlsform import SURVEY, workbook
from tests.conftest import PASSWORD
from tests.inspections.test_photos import photo_bytes, put_photo, sha

OTTO = Path(__file__).resolve().parent.parent / "otto"


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    directives = response.headers["Content-Security-Policy"].split(";")
    return {d.split()[0]: " ".join(d.split()[1:]) for d in directives if d.strip()}


def assert_common_headers(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert policy(response)["frame-ancestors"] == "'none'"


def bearer(user) -> dict:
    _, token = devices.register_device(user, str(uuid.uuid4()), "Surfplatta")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def sign_in(client, user):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


# --- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/", "/no-such-page"])
def test_pages_forbid_inline_code_framing_plugins_and_foreign_forms(client, path):
    response = client.get(path)
    assert_common_headers(response)
    csp = policy(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'" and csp["form-action"] == "'self'"
    assert csp["img-src"] == "'self' blob: data:"  # photo and signature previews in the app


def test_signed_in_pages_carry_the_same_policy(client, make_user):
    sign_in(client, make_user(role="coordinator"))
    response = client.get("/oversikt")
    assert response.status_code == 200
    assert_common_headers(response)
    assert policy(response)["script-src"] == "'self'"


def test_api_answers_are_data_that_can_never_run_as_a_page(client, make_user):
    headers = bearer(make_user(agency="miljo"))
    for response in (client.get("/api/me", headers=headers), client.get("/api/me")):
        assert response.mimetype == "application/json"
        assert_common_headers(response)
        csp = policy(response)
        assert csp["default-src"] == "'none'" and "sandbox" in csp


def test_a_photo_is_served_as_an_image_with_its_name_and_sandboxed(client, make_user):
    user = make_user(agency="miljo")
    headers = bearer(user)
    data = photo_bytes(format="PNG")
    assert put_photo(client, headers, data, content_type="image/png").status_code == 201
    for size, media_type, extension in (
        ("original", "image/png", "png"),
        ("thumb", "image/jpeg", "jpg"),
    ):
        response = client.get(
            f"/api/photos/{sha(data)}?size={size}", headers=headers, buffered=True
        )
        assert response.status_code == 200
        assert response.mimetype == media_type
        assert (
            response.headers["Content-Disposition"] == f'inline; filename="{sha(data)}.{extension}"'
        )
        assert_common_headers(response)
        assert "sandbox" in policy(response) and policy(response)["default-src"] == "'none'"


def test_the_dossier_photo_page_route_is_hardened_too(client, make_user, make_visit):
    coordinator = make_user(role="coordinator")
    inspector = make_user(agency="miljo")
    make_visit(coordinator=coordinator, inspectors=[inspector])
    data = photo_bytes()
    assert put_photo(client, bearer(inspector), data).status_code == 201
    sign_in(client, coordinator)
    response = client.get(f"/foto/{sha(data)}?storlek=thumb", buffered=True)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"] == f'inline; filename="{sha(data)}.jpg"'
    assert "sandbox" in policy(response)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_photo_recorded_with_an_executable_type_is_only_ever_a_download(client, make_user):
    headers = bearer(make_user(agency="miljo"))
    data = photo_bytes(format="PNG")
    put_photo(client, headers, data, content_type="image/png")
    db.session.execute(
        update(Photo).where(Photo.sha256 == sha(data)).values(media_type="text/html")
    )
    db.session.commit()
    response = client.get(f"/api/photos/{sha(data)}?size=original", headers=headers, buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in policy(response)


# --- cookies -------------------------------------------------------------------------------


def cookie_header(client, user) -> str:
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


@pytest.mark.parametrize(
    "environment",
    [{"OTTO_SECURE_COOKIES": "1"}, {"OTTO_BASE_URL": "https://otto.botkyrka.example"}],
)
def test_production_cookies_are_secure_http_only_and_same_site(
    app, client, make_user, monkeypatch, environment
):
    monkeypatch.delenv("OTTO_SECURE_COOKIES", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    production = config.load_config()
    for key in ("SESSION", "REMEMBER"):
        for flag in ("SECURE", "HTTPONLY", "SAMESITE"):
            monkeypatch.setitem(
                app.config, f"{key}_COOKIE_{flag}", production[f"{key}_COOKIE_{flag}"]
            )
    assert production["REMEMBER_COOKIE_SECURE"] and production["REMEMBER_COOKIE_HTTPONLY"]
    assert production["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    header = cookie_header(client, make_user(role="coordinator"))
    assert "; Secure" in header and "; HttpOnly" in header and "; SameSite=Lax" in header
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_development_cookies_work_over_plain_http_but_stay_http_only(
    client, make_user, monkeypatch
):
    for name in ("OTTO_SECURE_COOKIES", "OTTO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert config.load_config()["SESSION_COOKIE_SECURE"] is False
    header = cookie_header(client, make_user(role="coordinator"))
    assert "; Secure" not in header
    assert "; HttpOnly" in header and "; SameSite=Lax" in header
    assert "Strict-Transport-Security" not in client.get("/login").headers


# --- CSRF ----------------------------------------------------------------------------------


def page_form_routes(app) -> list[tuple[str, str]]:
    """Every state-changing (method, URL) outside /api/, parameters filled with 1."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            values = {name: 1 for name in rule.arguments}
            routes.append((method, app.url_map.bind("localhost").build(rule.endpoint, values)))
    return routes


def test_every_page_form_refuses_a_post_without_a_csrf_token(app, client, make_user, monkeypatch):
    sign_in(client, make_user(role="admin"))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    routes = page_form_routes(app)
    assert ("POST", "/login") in routes and ("POST", "/logout") in routes
    accepted = []
    for method, path in routes:
        response = client.open(path, method=method, data={"note": "x"})
        if response.status_code != 400 or "CSRF" not in response.get_data(as_text=True):
            accepted.append(f"{method} {path}: {response.status_code}")
    assert not accepted, "Page forms that did not refuse a missing CSRF token:\n" + "\n".join(
        accepted
    )


def test_a_form_with_its_csrf_token_is_accepted(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = make_user(role="coordinator")
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/oversikt"


# --- after login ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    ["//evil.example/", "/\\evil.example/", "/\t/evil.example/", "https://evil.example/"],
)
def test_login_never_redirects_to_another_site(client, make_user, next_url):
    user = make_user(role="coordinator")
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"username": user.username, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/oversikt"


def test_login_returns_to_the_page_asked_for(client, make_user):
    user = make_user(role="coordinator")
    response = client.post(
        "/login",
        query_string={"next": "/besok?vecka=1"},
        data={"username": user.username, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/besok?vecka=1"


# --- templates -----------------------------------------------------------------------------

# A script element with a src, or holding JSON data (which no browser runs, and the
# Content-Security-Policy does not govern), is not inline code.
INLINE = re.compile(
    r"<script(?![^>]*\s(?:src=|type=\"application/json\"))[^>]*>"
    r"|<style[\s>]|\sstyle\s*=|\son[a-z]+\s*=",
    re.IGNORECASE,
)


def browser_templates() -> list[Path]:
    """Every HTML template a browser renders (e-mail and PDF templates are not pages)."""
    pages = [
        path
        for path in sorted(OTTO.rglob("*.html"))
        if "mail" not in path.parent.parts and "reports" not in path.relative_to(OTTO).parts
    ]
    return pages + [OTTO.parent / "pwa" / "src" / "index.html"]  # the field app's shell


def test_no_template_a_browser_renders_has_inline_script_style_or_handlers():
    found = [
        f"{path.relative_to(OTTO.parent)}:{text[: m.start()].count(chr(10)) + 1}: {m.group(0)}"
        for path in browser_templates()
        for text in [path.read_text()]
        for m in INLINE.finditer(text)
    ]
    assert len(browser_templates()) > 20
    assert not found, "Inline code the Content-Security-Policy blocks:\n" + "\n".join(found)


# --- uploaded workbooks --------------------------------------------------------------------


def with_entity(stream: io.BytesIO, title: str) -> io.BytesIO:
    """The workbook with an XML entity declared in the sheet holding `title` and used in
    place of it (how a billion-laughs or external-entity attack starts)."""
    source, target = zipfile.ZipFile(stream), io.BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if title.encode() in data:
                root = data.decode().split("<", 2)[1].split()[0]  # the document element
                declared = f'<!DOCTYPE {root} [<!ENTITY e "Utökad">]>'
                data = (declared + data.decode().replace(title, "&e;")).encode()
            out.writestr(item, data)
    target.seek(0)
    return target


def test_an_xlsform_with_xml_entities_is_refused_unread():
    stream = with_entity(workbook(SURVEY), "Livsmedelskontroll – kyl")
    with pytest.raises(Invalid) as raised:
        read_xlsform(stream, "livsmedel")
    assert raised.value.code == "invalid_xlsform"
