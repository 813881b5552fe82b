"""People and devices: admins create and deactivate users and revoke devices; coordinators
may look but not act."""

from sqlalchemy import select

from otto.accounts.models import Device, User
from otto.audit import AuditEvent
from otto.extensions import db
from tests.conftest import PASSWORD
from tests.web.conftest import text


def audit_events(entity, entity_id):
    query = select(AuditEvent).where(
        AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id)
    )
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def test_an_admin_creates_an_inspector(client, login, make_user):
    login(make_user(role="admin"))
    response = client.post(
        "/personer/ny",
        data={
            "name": "Leila Haddad",
            "username": "leila.haddad",
            "email": "leila@kommun.example",
            "role": "inspector",
            "agency": "livsmedel",
            "password": "ett-långt-lösenord",
        },
        follow_redirects=True,
    )
    assert "Leila Haddad (leila.haddad) är skapad" in text(response)
    user = db.session.scalar(select(User).where(User.username == "leila.haddad"))
    assert (user.role, user.agency_code, user.active) == ("inspector", "livsmedel", True)


def test_user_errors_are_shown_at_the_field(client, login, make_user):
    login(make_user(role="admin"))
    response = client.post(
        "/personer/ny",
        data={"name": "X", "username": "Ä ä", "role": "inspector", "password": "kort"},
    )
    body = text(response)
    assert response.status_code == 400
    assert 'id="username-error">Använd 2–80 tecken' in body
    assert 'id="agency-error">En inspektör måste höra till en myndighet.' in body
    assert 'id="password-error">Lösenordet är för kort' in body


def test_users_are_filtered_and_paged(client, login, make_user):
    admin = make_user(role="admin")
    for n in range(26):
        make_user(agency="skatt", name=f"Skattare {n:02d}")
    make_user(agency="brand", name="Brandman Ett")
    login(admin)
    page = text(client.get("/personer?myndighet=skatt"))
    assert "Skattare 00" in page and "Brandman Ett" not in page and "Sida 1 av 2" in page
    assert "Brandman Ett" in text(client.get("/personer?q=brandman"))


def test_an_admin_deactivates_a_user_who_can_no_longer_sync(client, login, make_user, token_for):
    inspector = make_user(agency="miljo")
    headers = token_for(inspector)
    login(make_user(role="admin"))
    client.post(f"/personer/{inspector.id}/aktiv", data={"active": "0"})
    assert db.session.get(User, inspector.id).active is False
    assert client.get("/api/me", headers=headers).status_code == 401


def test_devices_are_listed_with_last_seen_and_revoked_by_an_admin(
    client, login, make_user, token_for
):
    inspector = make_user(agency="brand", name="Björn Åkesson")
    headers = token_for(inspector)
    device = db.session.scalar(select(Device).where(Device.user_id == inspector.id))
    login(make_user(role="admin"))
    page = text(client.get(f"/enheter?person={inspector.id}"))
    assert "Surfplatta" in page and "Björn Åkesson" in page and "Aktiv" in page
    response = client.post(f"/enheter/{device.id}/sparra", follow_redirects=True)
    assert "Enheten Surfplatta är spärrad" in text(response)
    assert client.get("/api/me", headers=headers).json["code"] == "device_revoked"
    assert "Surfplatta" not in text(client.get("/enheter?aktiv=ja"))


def test_coordinators_may_view_but_not_change_people_or_devices(
    client, login, coordinator, make_user, token_for
):
    inspector = make_user(agency="miljo")
    token_for(inspector)
    device = db.session.scalar(select(Device).where(Device.user_id == inspector.id))
    login(coordinator)
    assert client.get("/personer").status_code == 200
    assert "Surfplatta" in text(client.get("/enheter"))
    assert client.get("/personer/ny").status_code == 403
    assert client.post(f"/personer/{inspector.id}/aktiv", data={"active": "0"}).status_code == 403
    assert client.post(f"/enheter/{device.id}/sparra").status_code == 403


def test_inspectors_cannot_see_people(client, login, make_user):
    login(make_user(agency="polis"))
    assert client.get("/personer").status_code == 403
    assert client.get("/enheter").status_code == 403


def test_an_admin_corrects_a_user_and_sets_a_new_password(client, login, make_user):
    inspector = make_user(agency="miljo", name="Jon Felstavad")
    login(make_user(role="admin"))
    assert 'value="Jon Felstavad"' in text(client.get(f"/personer/{inspector.id}"))
    response = client.post(
        f"/personer/{inspector.id}",
        data={
            "name": "Jon Rättstavad",
            "email": "jon@kommun.example",
            "role": "inspector",
            "agency": "brand",
        },
        follow_redirects=True,
    )
    assert "Uppgifterna för Jon Rättstavad är sparade" in text(response)
    assert db.session.get(User, inspector.id).agency_code == "brand"

    client.post(
        f"/personer/{inspector.id}/losenord",
        data={"password": "nytt-lösenord-1", "reason": "forgotten"},
    )
    client.post("/logout")
    signed_in = client.post(
        "/login", data={"username": inspector.username, "password": "nytt-lösenord-1"}
    )
    assert signed_in.status_code == 302
    actions = [e.action for e in audit_events("user", inspector.id)]
    assert actions[-2:] == ["update", "credentials_reset"]
    assert all("hash" not in str(e.after) for e in audit_events("user", inspector.id))


def test_an_inspectors_agency_stays_once_they_have_been_on_a_visit(
    client, login, make_user, make_visit
):
    inspector = make_user(agency="polis")
    make_visit(inspectors=[inspector])
    login(make_user(role="admin"))
    response = client.post(
        f"/personer/{inspector.id}",
        data={"name": inspector.name, "email": "", "role": "inspector", "agency": "miljo"},
    )
    assert response.status_code == 409
    assert "Myndigheten kan inte ändras" in text(response)
    assert db.session.get(User, inspector.id).agency_code == "polis"


def test_a_user_changes_their_own_password_with_the_current_one(client, login, make_user):
    user = make_user(role="coordinator")
    login(user)
    wrong = client.post(
        "/konto/losenord",
        data={"current_password": "fel", "password": "mitt-nya-lösen", "password_repeat": "x"},
    )
    body = text(wrong)
    assert wrong.status_code == 400
    assert 'id="current_password-error">Fel lösenord.' in body
    assert 'id="password_repeat-error">Lösenorden är inte lika.' in body
    response = client.post(
        "/konto/losenord",
        data={
            "current_password": PASSWORD,
            "password": "mitt-nya-lösen",
            "password_repeat": "mitt-nya-lösen",
        },
        follow_redirects=True,
    )
    assert "Ditt lösenord är bytt" in text(response)
    client.post("/logout")
    assert (
        client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code
        == 401
    )
