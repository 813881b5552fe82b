"""One rule for revoking a device, the same through the API and the devices page: an admin
may revoke any device, every user their own, nobody else (not even a coordinator)."""

import uuid

import pytest
from sqlalchemy import select

from otto.accounts.models import Device
from otto.extensions import db
from tests.conftest import PASSWORD
from tests.web.conftest import text


def register(client, user):
    device_id = str(uuid.uuid4())
    response = client.post(
        "/api/auth/device",
        json={
            "username": user.username,
            "password": PASSWORD,
            "device_id": device_id,
            "device_name": f"Platta {user.name}",
        },
    )
    return device_id, {"Authorization": f"Bearer {response.json['token']}"}


def revoke_by_api(client, device_id, headers):
    return client.post(f"/api/devices/{device_id}/revoke", headers=headers).status_code


def revoke_by_page(app, device_id, user):
    browser = app.test_client()
    browser.post("/login", data={"username": user.username, "password": PASSWORD})
    return browser.post(f"/enheter/{device_id}/sparra").status_code


def revoked(device_id) -> bool:
    db.session.expire_all()
    return db.session.get(Device, device_id).revoked_at is not None


@pytest.mark.parametrize("path", ["api", "page"])
@pytest.mark.parametrize(
    ("who", "whose", "allowed"),
    [
        ("admin", "inspector", True),
        ("coordinator", "inspector", False),
        ("inspector", "other inspector", False),
        ("inspector", "own", True),
        ("coordinator", "own", True),
    ],
)
def test_who_may_revoke_a_device(app, client, make_user, path, who, whose, allowed):
    actor = make_user(role=who)
    owner = actor if whose == "own" else make_user()
    device_id, owner_headers = register(client, owner)
    if path == "api":
        actor_headers = owner_headers if owner is actor else register(client, actor)[1]
        status = revoke_by_api(client, device_id, actor_headers)
        assert status == (200 if allowed else 403)
    else:
        status = revoke_by_page(app, device_id, actor)
        assert status == (302 if allowed else 403)
    assert revoked(device_id) is allowed


def test_the_devices_page_offers_revoking_only_where_the_rule_allows(app, client, make_user):
    coordinator = make_user(role="coordinator", name="Sara Samordnare")
    inspector = make_user(name="Ivar Inspektör")
    own_id, _ = register(client, coordinator)
    other_id, _ = register(client, inspector)
    browser = app.test_client()
    browser.post("/login", data={"username": coordinator.username, "password": PASSWORD})
    page = text(browser.get("/enheter"))
    assert f"/enheter/{own_id}/sparra" in page
    assert f"/enheter/{other_id}/sparra" not in page and "Platta Ivar Inspektör" in page
    assert db.session.scalar(select(Device.revoked_at).where(Device.id == other_id)) is None
