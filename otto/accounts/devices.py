"""The device registry: registering tablets, their bearer tokens, and revocation. A user's
calendar feed is a device too (`CALENDAR_FEED`): its token is the secret of the feed's URL,
managed by otto.inspections.calendar_feed, and it never opens the API (otto.auth).

Only a SHA-256 hash of each token is stored; tokens are long random strings, so a plain
hash is enough to make a stolen database useless for calling the API.
"""

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select

from otto import audit
from otto.accounts.models import Device, Role, User
from otto.auth import Actor
from otto.errors import Conflict, Forbidden, NotFound, Unauthorized
from otto.extensions import db
from otto.timeutil import utcnow

# The name of the "device" whose token is the secret of a user's calendar feed URL
# (otto.inspections.calendar_feed). Its token opens that feed and nothing else.
CALENDAR_FEED = "Kalenderprenumeration"
# last_seen is written at most this often, so reads do not each cost a write.
LAST_SEEN_RESOLUTION = dt.timedelta(seconds=60)


def hash_token(token: str) -> str:
    """The stored form of a device token."""
    return hashlib.sha256(token.encode()).hexdigest()


def device_snapshot(device: Device) -> dict:
    """The audited fields of a device."""
    return {
        "name": device.name,
        "user_id": device.user_id,
        "revoked_at": device.revoked_at.isoformat() if device.revoked_at else None,
    }


def register_device(user: User, device_id: str, name: str) -> tuple[Device, str]:
    """Register (or re-register) a device for `user` and return it with a new token.

    Re-registering the same device id by the same user rotates its token. A device id that
    belongs to another user, or that was revoked, is refused with Conflict.
    """
    token = "otto_" + secrets.token_urlsafe(32)
    device = db.session.get(Device, device_id)
    if device is not None:
        if device.user_id != user.id:
            raise Conflict("This device id is registered to another user.", code="device_taken")
        if device.revoked_at is not None:
            raise Conflict(
                "This device has been revoked; reset the app to register again.",
                code="device_revoked",
            )
        device.token_hash = hash_token(token)
        device.name = name
        action = "rotate_token"
    else:
        device = Device(id=device_id, user_id=user.id, name=name, token_hash=hash_token(token))
        db.session.add(device)
        action = "register"
    device.last_seen_at = utcnow()
    db.session.flush()
    audit.record(Actor(user, device.id), action, "device", device.id, after=device_snapshot(device))
    return device, token


def authenticate_token(token: str, now: dt.datetime | None = None) -> Device:
    """Return the active device for a bearer token, updating its last_seen time.

    Raises Unauthorized with code `invalid_token`, `device_revoked` or `user_inactive`.
    """
    now = now or utcnow()
    device = db.session.scalar(select(Device).where(Device.token_hash == hash_token(token)))
    if device is None:
        raise Unauthorized("The device token is not valid.", code="invalid_token")
    if device.revoked_at is not None:
        raise Unauthorized(
            "This device has been revoked; its local data must be removed.",
            code="device_revoked",
        )
    if not device.user.active:
        raise Unauthorized("The user account is deactivated.", code="user_inactive")
    if device.last_seen_at is None or now - device.last_seen_at >= LAST_SEEN_RESOLUTION:
        device.last_seen_at = now
        db.session.flush()
    return device


def list_devices(actor) -> list[Device]:
    """Devices the actor may see: all for coordinators and admins, otherwise their own."""
    return list(db.session.scalars(devices_query(actor)))


def devices_query(actor, *, user_id: int | None = None, active: bool | None = None, text: str = ""):
    """A query for the devices the actor may see (as `list_devices`), newest first, by
    owner, active or revoked, and name text."""
    query = select(Device).order_by(Device.created_at.desc(), Device.id)
    if not actor.is_coordinator:
        query = query.where(Device.user_id == actor.user.id)
    if user_id is not None:
        query = query.where(Device.user_id == user_id)
    if active is not None:
        query = query.where(
            Device.revoked_at.is_(None) if active else Device.revoked_at.isnot(None)
        )
    if text:
        query = query.where(Device.name.ilike(f"%{text.strip()}%"))
    return query


def may_revoke(actor, device: Device) -> bool:
    """Who may revoke a device: an admin any device (they manage users and devices), every
    user their own (a lost tablet). The one rule of the API, the pages and their buttons."""
    return actor.user.role == Role.ADMIN or device.user_id == actor.user.id


def revoke_device(actor, device_id: str) -> Device:
    """Revoke a device so every later sync call gets 401 device_revoked; audited.

    Allowed as `may_revoke` says. Data the device already pushed stays on the server.
    Revoking twice is a no-op.
    """
    device = db.session.get(Device, device_id)
    if device is None:
        raise NotFound(f"No device with id {device_id}.")
    if not may_revoke(actor, device):
        raise Forbidden("Only administrators revoke other users' devices.")
    if device.revoked_at is None:
        before = device_snapshot(device)
        device.revoked_at = utcnow()
        db.session.flush()
        audit.record(
            actor, "revoke", "device", device.id, before=before, after=device_snapshot(device)
        )
    return device


def revoke_user_devices(actor, user_id: int) -> int:
    """Revoke every device (and calendar feed) of a user that still works, as
    `revoke_device` does; returns how many."""
    query = select(Device.id).where(Device.user_id == user_id, Device.revoked_at.is_(None))
    device_ids = list(db.session.scalars(query.order_by(Device.id)))
    for device_id in device_ids:
        revoke_device(actor, device_id)
    return len(device_ids)
