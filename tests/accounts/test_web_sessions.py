"""Web sessions live on the server: logout, a password change and an admin's reset end them,
so a copied session cookie stops working; a reset revokes the user's devices when the
password may be known by someone else."""

from sqlalchemy import select

from otto.accounts.models import Device, WebSession
from otto.audit import AuditEvent
from otto.extensions import db
from tests.conftest import PASSWORD
from tests.web.conftest import text

NEW_PASSWORD = "ett-helt-nytt-lösen"


def signed_in_browser(app, user, password=PASSWORD):
    """A fresh browser (test client) signed in as `user`."""
    browser = app.test_client()
    response = browser.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302
    return browser


def replay(app, browser):
    """A new browser carrying a copy of `browser`'s session cookie: is it signed in?"""
    copy = app.test_client()
    copy.set_cookie("session", browser.get_cookie("session").value)
    return signed_in(copy)


def signed_in(browser) -> bool:
    response = browser.get("/oversikt")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_copy_of_the_cookie_is_refused_after_logout(app, make_user):
    user = make_user(role="coordinator")
    browser = signed_in_browser(app, user)
    stolen = browser.get_cookie("session").value
    assert replay(app, browser)
    browser.post("/logout")
    copy = app.test_client()
    copy.set_cookie("session", stolen)
    response = copy.get("/oversikt")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    ended = db.session.scalar(select(WebSession).where(WebSession.user_id == user.id))
    assert ended.end_reason == "logout"


def test_changing_ones_password_signs_out_the_other_browsers(app, make_user):
    user = make_user(role="coordinator")
    office, laptop = signed_in_browser(app, user), signed_in_browser(app, user)
    response = office.post(
        "/konto/losenord",
        data={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert signed_in(office), "the browser that changed the password stays signed in"
    assert not signed_in(laptop)
    assert not replay(app, laptop)


def reset(browser, user, reason, devices=""):
    return browser.post(
        f"/personer/{user.id}/losenord",
        data={"password": NEW_PASSWORD, "reason": reason, "devices": devices},
        follow_redirects=True,
    )


def test_a_reset_for_a_suspected_known_password_ends_sessions_and_devices(
    app, make_user, token_for
):
    inspector = make_user(agency="polis")
    browser = signed_in_browser(app, inspector)
    headers = token_for(inspector)
    admin = signed_in_browser(app, make_user(role="admin"))
    response = reset(admin, inspector, "compromised")
    assert "är utloggad överallt" in text(response)
    assert not signed_in(browser) and not replay(app, browser)
    refused = app.test_client().get("/api/me", headers=headers)
    assert (refused.status_code, refused.json["code"]) == (401, "device_revoked")
    assert signed_in_browser(app, inspector, NEW_PASSWORD)
    reset_event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "credentials_reset", AuditEvent.entity_id == str(inspector.id)
        )
    ).one()
    assert reset_event.after == {"reason": "compromised", "sessions_ended": 1, "devices_revoked": 1}


def test_a_reset_for_a_forgotten_password_keeps_devices_unless_asked(app, make_user, token_for):
    inspector = make_user(agency="miljo")
    browser = signed_in_browser(app, inspector)
    headers = token_for(inspector)
    admin = signed_in_browser(app, make_user(role="admin"))
    reset(admin, inspector, "forgotten")
    assert not signed_in(browser)
    assert app.test_client().get("/api/me", headers=headers).status_code == 200
    reset(admin, inspector, "forgotten", devices="ja")
    assert app.test_client().get("/api/me", headers=headers).status_code == 401


def test_a_reset_for_a_suspected_known_password_may_keep_the_devices(app, make_user, token_for):
    inspector = make_user(agency="miljo")
    headers = token_for(inspector)
    admin = signed_in_browser(app, make_user(role="admin"))
    reset(admin, inspector, "compromised", devices="nej")
    assert app.test_client().get("/api/me", headers=headers).status_code == 200


def test_a_reset_needs_a_reason(app, make_user):
    inspector = make_user(agency="miljo")
    browser = signed_in_browser(app, inspector)
    admin = signed_in_browser(app, make_user(role="admin"))
    response = reset(admin, inspector, "")
    assert response.status_code == 400
    assert 'id="reason-error">Välj ett av alternativen' in text(response)
    assert signed_in(browser)


def test_the_admin_sees_a_users_browsers_and_devices(app, make_user, token_for):
    inspector = make_user(agency="brand", name="Björn Åkesson")
    signed_in_browser(app, inspector)
    token_for(inspector)
    admin = signed_in_browser(app, make_user(role="admin"))
    page = text(admin.get(f"/personer/{inspector.id}"))
    assert "Inloggad i webbläsare" in page and "127.0.0.1" in page
    assert "Surfplatta" in page
    device = db.session.scalar(select(Device).where(Device.user_id == inspector.id))
    assert device.revoked_at is None


def test_sign_in_and_out_are_audited_without_the_token(app, make_user):
    user = make_user(role="coordinator")
    browser = signed_in_browser(app, user)
    browser.post("/logout")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "web_session").order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.user_id) for e in events] == [("start", user.id), ("end", user.id)]
    token_hash = db.session.scalar(select(WebSession.token_hash))
    assert all(token_hash not in str(e.after) for e in events)
