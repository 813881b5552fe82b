"""Accounts API: registering a device for the field app, and who am I."""

from flask import current_app, request

from otto.accounts import devices, services, sso, throttle
from otto.accounts.models import Role
from otto.accounts.schemas import (
    DeviceRegistrationSchema,
    DeviceTokenSchema,
    ProviderSchema,
    SignedInDeviceSchema,
    UserSchema,
)
from otto.api import Blueprint
from otto.auth import sign_out, signed_in_user
from otto.changes.feed import current_epoch
from otto.errors import Forbidden
from otto.extensions import db

api_blp = Blueprint("auth", __name__, url_prefix="/api", description="Accounts and devices")


def authenticate_committed(username: str, password: str):
    """Check credentials (for this API and the login page) from the client's address,
    committing the failure count even when the check fails. Local passwords may be switched
    off (LOCAL_LOGIN "off"), or kept for admins only ("admin": break-glass)."""
    local_login = current_app.config.get("LOCAL_LOGIN", "on")
    if local_login == "off":
        raise Forbidden("Local passwords are switched off.", code="local_login_off")
    try:
        user = services.authenticate(
            username,
            password,
            address=request.remote_addr or "",
            policy=throttle.Policy.from_config(current_app.config),
        )
    finally:
        db.session.commit()
    if local_login == "admin" and user.role != Role.ADMIN:
        raise Forbidden("Local passwords are for admins only.", code="local_login_off")
    return user


@api_blp.post("/auth/device")
@api_blp.arguments(DeviceRegistrationSchema)
@api_blp.response(201, DeviceTokenSchema)
def register_device(data):
    """Register this tablet: exchange username and password for a device token."""
    user = authenticate_committed(data["username"], data["password"])
    return _registered(user, data)


@api_blp.post("/auth/device/session")
@api_blp.arguments(SignedInDeviceSchema)
@api_blp.response(201, DeviceTokenSchema)
def register_signed_in_device(data):
    """Register this tablet for the user its browser has just signed in as (through an
    identity provider: the field app sends the browser there and back). The browser's web
    session ends: from now on the tablet holds only its device token."""
    user = signed_in_user()
    sign_out()
    return _registered(user, data)


def _registered(user, data):
    device, token = devices.register_device(user, data["device_id"], data["device_name"])
    db.session.commit()
    return {
        "token": token,
        "device_id": device.id,
        "epoch": current_epoch(),
        "acked_seq": device.last_seq,
        "user": user,
    }


@api_blp.get("/auth/providers")
@api_blp.response(200, ProviderSchema(many=True))
def identity_providers():
    """The identity providers the field app offers for signing in (none: passwords only)."""
    return list(sso.providers(current_app.config.get("OIDC_PROVIDERS", [])).values())


@api_blp.get("/me")
@api_blp.auth()
@api_blp.response(200, UserSchema)
def me(actor):
    """The user the device token belongs to."""
    db.session.commit()  # last_seen
    return actor.user
