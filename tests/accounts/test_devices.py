"""Device tokens: registration, authentication, throttling and revocation."""

import uuid

from sqlalchemy import select

from otto.accounts.models import Device
from otto.extensions import db
from tests.conftest import PASSWORD
from tests.test_errors import assert_error


def register(client, user, password=PASSWORD, device_id=None):
    return client.post(
        "/api/auth/device",
        json={
            "username": user.username,
            "password": password,
            "device_id": device_id or str(uuid.uuid4()),
            "device_name": "Surfplatta 7",
        },
    )


def bearer(response):
    return {"Authorization": f"Bearer {response.json['token']}"}


def test_registration_returns_a_token_and_stores_only_its_hash(client, make_user):
    user = make_user(agency="brand")
    device_id = str(uuid.uuid4())
    response = register(client, user, device_id=device_id)
    assert response.status_code == 201
    token = response.json["token"]
    assert response.json["user"]["agency"] == "brand"
    device = db.session.get(Device, device_id)
    assert device.user_id == user.id
    assert token not in (device.token_hash, device.name, device.id)
    assert len(device.token_hash) == 64


def test_token_identifies_the_user(client, make_user):
    user = make_user()
    response = client.get("/api/me", headers=bearer(register(client, user)))
    assert response.status_code == 200
    assert response.json["username"] == user.username


def test_wrong_password_is_401_json(client, make_user):
    user = make_user()
    assert_error(register(client, user, password="fel-losenord"), 401, "invalid_credentials")
    assert db.session.scalar(select(Device).where(Device.user_id == user.id)) is None


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, make_user):
    ghost = type("Ghost", (), {"username": "finns-inte"})()
    assert_error(register(client, ghost), 401, "invalid_credentials")


def test_repeated_failures_lock_the_login_even_for_the_right_password(client, app, make_user):
    user = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert register(client, user, password="gissning").status_code == 401
    body = assert_error(register(client, user), 429, "login_locked")
    assert body["details"]["retry_after"] > 0


def test_missing_and_bogus_tokens_are_refused(client):
    assert_error(client.get("/api/me"), 401, "token_required")
    assert_error(
        client.get("/api/me", headers={"Authorization": "Bearer otto_bogus"}), 401, "invalid_token"
    )


def test_revoked_device_gets_device_revoked(client, make_user):
    inspector, admin = make_user(), make_user(role="admin")
    device_id = str(uuid.uuid4())
    headers = bearer(register(client, inspector, device_id=device_id))
    admin_headers = bearer(register(client, admin))
    response = client.post(f"/api/devices/{device_id}/revoke", headers=admin_headers)
    assert response.status_code == 200
    assert response.json["revoked_at"]
    assert_error(client.get("/api/me", headers=headers), 401, "device_revoked")
    assert_error(client.get("/api/visits", headers=headers), 401, "device_revoked")


def test_revoked_device_id_cannot_be_registered_again(client, make_user):
    user = make_user()
    device_id = str(uuid.uuid4())
    headers = bearer(register(client, user, device_id=device_id))
    assert client.post(f"/api/devices/{device_id}/revoke", headers=headers).status_code == 200
    assert_error(register(client, user, device_id=device_id), 409, "device_revoked")


def test_inspector_cannot_revoke_someone_elses_device(client, make_user):
    owner, other = make_user(), make_user()
    device_id = str(uuid.uuid4())
    register(client, owner, device_id=device_id)
    response = client.post(
        f"/api/devices/{device_id}/revoke", headers=bearer(register(client, other))
    )
    assert_error(response, 403, "forbidden")
    assert db.session.get(Device, device_id).revoked_at is None


def test_reregistering_rotates_the_token(client, make_user):
    user = make_user()
    device_id = str(uuid.uuid4())
    old = bearer(register(client, user, device_id=device_id))
    new = bearer(register(client, user, device_id=device_id))
    assert_error(client.get("/api/me", headers=old), 401, "invalid_token")
    assert client.get("/api/me", headers=new).status_code == 200


def test_deactivated_user_loses_api_access(client, make_user):
    from otto.accounts.services import set_user_active

    user = make_user()
    headers = bearer(register(client, user))
    set_user_active(None, user.id, False)
    db.session.commit()
    assert_error(client.get("/api/me", headers=headers), 401, "user_inactive")


def test_device_list_shows_last_seen(client, make_user):
    coordinator = make_user(role="coordinator")
    response = client.get("/api/devices", headers=bearer(register(client, coordinator)))
    assert response.status_code == 200
    assert response.json[0]["last_seen_at"] is not None


def test_a_tablet_cannot_take_the_calendar_feeds_name(client, make_user):
    from otto.accounts.devices import CALENDAR_FEED

    user = make_user()
    response = client.post(
        "/api/auth/device",
        json={
            "username": user.username,
            "password": PASSWORD,
            "device_id": str(uuid.uuid4()),
            "device_name": CALENDAR_FEED,
        },
    )
    assert_error(response, 400, "validation_error")
