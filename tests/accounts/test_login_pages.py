"""The web login for coordinators: session, throttling, CSRF and safe redirects."""

from tests.conftest import PASSWORD


def login(client, username, password=PASSWORD, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password})


def test_coordinator_logs_in_and_sees_the_overview(client, make_user, make_visit):
    coordinator = make_user(role="coordinator", name="Sara Lindqvist")
    make_visit(coordinator=coordinator)
    response = login(client, coordinator.username)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Översikt" in text and "Sara Lindqvist" in text and "Pizzeria Testa" in text


def test_wrong_password_shows_a_swedish_message(client, make_user):
    user = make_user(role="coordinator")
    response = login(client, user.username, password="fel-fel-fel")
    assert response.status_code == 401
    assert "Fel användarnamn eller lösenord" in response.get_data(as_text=True)


def test_pages_require_login(client):
    response = client.get("/oversikt")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_never_redirects_to_another_site(client, make_user):
    user = make_user(role="coordinator")
    response = login(client, user.username, next_url="//evil.example/")
    assert response.headers["Location"] == "/oversikt"


def test_repeated_failures_lock_the_web_login(client, app, make_user):
    user = make_user(role="coordinator")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, user.username, password="gissning")
    response = login(client, user.username)
    assert response.status_code == 429
    assert "För många misslyckade försök" in response.get_data(as_text=True)


def test_forms_need_a_csrf_token_but_the_token_api_does_not(client, app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = make_user(role="coordinator")
    response = login(client, user.username)
    assert response.status_code == 400
    assert "/oversikt" not in response.headers.get("Location", "")
    api = client.post(
        "/api/auth/device",
        json={
            "username": user.username,
            "password": PASSWORD,
            "device_id": "0b1c7b7e-8f0e-4f55-a0a5-2f1f3c9d7a10",
            "device_name": "Surfplatta",
        },
    )
    assert api.status_code == 201


def test_logout_ends_the_session(client, make_user):
    user = make_user(role="coordinator")
    login(client, user.username)
    client.post("/logout")
    assert client.get("/oversikt").status_code == 302
