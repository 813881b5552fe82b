"""Who is acting: device bearer tokens on /api/, the session login on pages, and roles.

Routes resolve the acting user here and pass an `Actor` to services explicitly; services
never read the request or the session.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from flask import abort, g, request
from flask_login import current_user, login_required

from otto.accounts.models import User
from otto.errors import Forbidden, Unauthorized


@dataclass(frozen=True)
class Actor:
    """The user performing an action and, for field-app calls, the device they use."""

    user: User
    device_id: str | None = None

    @property
    def is_coordinator(self) -> bool:
        return self.user.is_coordinator


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "A device token is required: send 'Authorization: Bearer <token>'.",
            code="token_required",
        )
    return token.strip()


def _check_role(user: User, roles: Iterable[str] | None) -> None:
    if roles and user.role not in roles:
        raise Forbidden("Your role does not allow this action.", {"role": user.role})


def api_auth(roles: Iterable[str] | None = None):
    """Decorate an API view: authenticate the device token and inject `actor`."""
    from otto.accounts import devices  # the device registry owns tokens

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            device = devices.authenticate_token(_bearer_token())
            if device.name == devices.CALENDAR_FEED:
                # A calendar URL is handed to outside calendar services: its token must
                # never open the API.
                raise Unauthorized("The device token is not valid.", code="invalid_token")
            _check_role(device.user, roles)
            g.actor = Actor(user=device.user, device_id=device.id)
            return view(*args, actor=g.actor, **kwargs)

        return wrapper

    return decorator


def page_auth(roles: Iterable[str] | None = None):
    """Decorate a page view: require a logged-in user (and role) and inject `actor`."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, actor=Actor(user=current_user._get_current_object()), **kwargs)

        return wrapper

    return decorator
