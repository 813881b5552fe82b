"""Who is acting: device bearer tokens on /api/, the session login on pages, and roles.

Routes resolve the acting user here and pass an `Actor` to services explicitly; services
never read the request or the session. A page sign-in is a server-side web session
(otto.accounts.sessions) whose random token the signed session cookie carries: the cookie
counts only while that session is live.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, abort, current_app, g, request, session
from flask_login import current_user, login_required, login_user, logout_user

from otto.accounts.models import User
from otto.errors import Forbidden, Unauthorized
from otto.extensions import db, login_manager

# The key of the web session's token in the signed session cookie.
SESSION_TOKEN_KEY = "otto_session"  # nosec B105: a cookie key name, not a secret


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


def init_app(app: Flask) -> None:
    """Resolve the signed-in browser at the start of every page request."""
    login_manager.user_loader(_load_page_user)
    app.before_request(_load_signed_in_user)


def _load_signed_in_user() -> None:
    """Load the page user first thing, so the session's last-seen write commits before the
    view writes anything. A request's user is its own, never one an outer app context (the
    CLI, tests) kept from an earlier request."""
    g.pop("_login_user", None)
    g.pop("web_session_id", None)
    if not request.path.startswith("/api/") and request.endpoint != "static":
        current_user.is_authenticated  # noqa: B018  (loads the user)


def _load_page_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user of the cookie's live web session, or None."""
    from otto.accounts import sessions

    token = session.get(SESSION_TOKEN_KEY)
    if not token:
        return None
    web_session = sessions.live_session(
        token, idle_seconds=current_app.config["WEB_SESSION_IDLE_SECONDS"]
    )
    if web_session is None or str(web_session.user_id) != user_id:
        return None
    if sessions.mark_seen(web_session):
        db.session.commit()
    g.web_session_id = web_session.id
    return web_session.user


def signed_in_user() -> User:
    """The user of this browser's live web session, for the one API call that takes it
    (a tablet registered after signing in through an identity provider); raises
    Unauthorized without one."""
    if not current_user.is_authenticated:
        raise Unauthorized("Sign in through the login page first.", code="not_signed_in")
    return current_user._get_current_object()


def current_web_session_id() -> int | None:
    """The id of the signed-in browser's web session (for "end my other sessions")."""
    return g.get("web_session_id")


def sign_in(user: User) -> None:
    """Start a web session for `user` in this browser; the caller commits."""
    from otto.accounts import sessions

    web_session, token = sessions.start_session(
        user, address=request.remote_addr or "", user_agent=request.user_agent.string
    )
    session.clear()
    login_user(user)
    session[SESSION_TOKEN_KEY] = token
    g.web_session_id = web_session.id


def sign_out() -> None:
    """End this browser's web session (so no copy of its cookie works again) and forget
    it; the caller commits."""
    from otto.accounts import sessions

    token = session.get(SESSION_TOKEN_KEY)
    if token:
        user = current_user._get_current_object() if current_user.is_authenticated else None
        sessions.end_session(Actor(user) if user else None, token)
    logout_user()
    session.clear()
