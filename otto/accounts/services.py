"""Users, passwords and logging in (throttled by otto.accounts.throttle)."""

import re

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from otto import audit, labels
from otto.accounts import agencies, devices, sessions, throttle
from otto.accounts.models import Agency, Role, User
from otto.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from otto.extensions import db
from otto.timeutil import utcnow

MIN_PASSWORD_LENGTH = 10
USERNAME_RE = re.compile(r"^[a-z0-9._-]{2,80}$")
# Compared against when the username is unknown, so timing does not reveal which users exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")

# The seed agencies, code → (name, default visibility): see otto.accounts.agencies.
AGENCIES = agencies.SEED_AGENCIES
ensure_agencies = agencies.ensure_agencies


def user_snapshot(user: User) -> dict:
    """The audited fields of a user (never the password hash)."""
    return {
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "agency": user.agency_code,
        "active": user.active,
    }


def create_user(
    actor,
    *,
    username: str,
    name: str,
    email: str,
    role: str,
    password: str,
    agency: str | None = None,
) -> User:
    """Create a user with a hashed password; audited. Raises Invalid or Conflict."""
    errors = _role_errors(role, agency, new=True)
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        errors["username"] = ["Use 2–80 characters: a–z, 0–9, '.', '_' or '-'."]
    errors.update(_password_errors(password))
    if errors:
        raise Invalid("The user could not be created.", errors)
    if db.session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"The username '{username}' is taken.", {"username": ["Taken."]})
    user = User(
        username=username,
        name=name.strip(),
        email=email.strip(),
        role=role,
        agency_code=agency,
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create", "user", user.id, after=user_snapshot(user))
    return user


def _role_errors(role: str, agency: str | None, *, new: bool) -> dict:
    """Role and agency errors; a user `new` to an agency needs it switched on."""
    errors = {}
    if role not in set(Role):
        errors["role"] = [f"Must be one of {', '.join(Role)}."]
    if role == Role.INSPECTOR and not agency:
        errors["agency"] = ["An inspector must belong to an agency."]
    found = db.session.get(Agency, agency) if agency else None
    if agency and (found is None or (new and not found.enabled)):
        errors["agency"] = [f"Unknown agency '{agency}'."]
    return errors


def _password_errors(password: str, field: str = "password") -> dict:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {field: [f"At least {MIN_PASSWORD_LENGTH} characters."]}
    return {}


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return user


def update_user(
    actor, user_id: int, *, name: str, email: str, role: str, agency: str | None
) -> User:
    """Change a user's name, e-mail, role and agency (admins); audited.

    An inspector's agency stays once they have been on a visit: their answers and findings
    belong to that agency, and moving them would move the user's view of its secrets.
    """
    user = get_user(user_id)
    errors = _role_errors(role, agency, new=agency != user.agency_code)
    if not name.strip():
        errors["name"] = ["Must not be empty."]
    if errors:
        raise Invalid("The user could not be changed.", errors)
    if agency != user.agency_code and _has_assignments(user):
        raise Conflict(
            "The user has been on visits for their agency; create a new user instead.",
            {"agency": ["Cannot change after visits."]},
            code="user_has_visits",
        )
    before = user_snapshot(user)
    user.name, user.email, user.role, user.agency_code = name.strip(), email.strip(), role, agency
    db.session.flush()
    audit.record(actor, "update", "user", user.id, before=before, after=user_snapshot(user))
    return user


def _has_assignments(user: User) -> bool:
    # `User.assignments` is mapped by otto.inspections (a backref of Assignment.user).
    return db.session.scalar(select(User.assignments.any()).where(User.id == user.id))


# Why an admin gives a user a new password; when it may be known by someone else, the
# user's devices are revoked too unless the admin chooses otherwise.
RESET_REASONS = tuple(labels.PASSWORD_RESET_REASONS)


def set_password(
    actor,
    user_id: int,
    password: str,
    *,
    current_password: str | None = None,
    password_repeat: str | None = None,
    keep_session_id: int | None = None,
    reason: str | None = None,
    revoke_devices: bool | None = None,
):
    """Set a user's password: admins for anyone (a reset), a user for themselves with their
    current password (and the new one typed twice, when a form asks for it). Audited
    without any password or hash.

    The old password stops opening anything: a user's own change ends their other web
    sessions (all but `keep_session_id`, the browser that asked); a reset ends all of them
    and, when `revoke_devices` is true (by default when the `reason` is "compromised"),
    revokes the user's devices and calendar feed too.
    """
    user = get_user(user_id)
    own = actor.user.id == user.id
    if not own and actor.user.role != Role.ADMIN:
        raise Forbidden("Only administrators set other users' passwords.")
    errors = _password_errors(password)
    if own and not check_password_hash(user.password_hash, current_password or ""):
        errors["current_password"] = ["Wrong password."]
    if password_repeat is not None and password_repeat != password:
        errors["password_repeat"] = ["Not the same password."]
    if not own and reason not in RESET_REASONS:
        errors["reason"] = [f"Must be one of {', '.join(RESET_REASONS)}."]
    if errors:
        raise Invalid("The password was not changed.", errors)
    user.password_hash = generate_password_hash(password)
    db.session.flush()
    if own:
        ended = sessions.end_user_sessions(
            actor, user.id, "password_changed", keep_id=keep_session_id
        )
        audit.record(actor, "credentials_changed", "user", user.id, after={"sessions_ended": ended})
        return user
    ended = sessions.end_user_sessions(actor, user.id, "password_reset")
    if revoke_devices is None:
        revoke_devices = reason == "compromised"
    revoked = devices.revoke_user_devices(actor, user.id) if revoke_devices else 0
    audit.record(
        actor,
        "credentials_reset",
        "user",
        user.id,
        after={"reason": reason, "sessions_ended": ended, "devices_revoked": revoked},
    )
    return user


def set_user_active(actor, user_id: int, active: bool) -> User:
    """Activate or deactivate a user; audited. Activating approves a user who signed in
    through an identity provider for the first time (otto.accounts.sso)."""
    user = get_user(user_id)
    before = user_snapshot(user)
    user.active = active
    if active:
        user.awaiting_approval = False
    db.session.flush()
    audit.record(actor, "update", "user", user.id, before=before, after=user_snapshot(user))
    return user


def authenticate(
    username: str, password: str, *, address: str, policy: throttle.Policy, now=None
) -> User:
    """Return the active user with these credentials, or raise.

    Failures are counted per user name and client `address` and per address; while either
    is locked (otto.accounts.throttle) attempts from that address are refused with
    TooManyRequests, even with the right password, and are neither checked nor counted.
    The caller must commit even when this raises, so failures are counted.
    """
    now = now or utcnow()
    username = (username or "").strip().lower()
    throttle.refuse_if_locked(username, address, now)
    user = db.session.scalar(select(User).where(User.username == username))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user and valid and user.active:
        throttle.forget_failures(username, address)
        return user
    throttle.count_failure(username, address, policy, now)
    raise Unauthorized("Wrong username or password.", code="invalid_credentials")


def users_query(
    *,
    text: str = "",
    role: str | None = None,
    agency: str | None = None,
    active: bool | None = None,
):
    """A query for users matching name/username/email text, role, agency and active flag,
    ordered by agency and name."""
    query = select(User).order_by(User.agency_code, User.name, User.id)
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            func.lower(User.name).like(pattern)
            | func.lower(User.username).like(pattern)
            | func.lower(User.email).like(pattern)
        )
    if role:
        query = query.where(User.role == role)
    if agency:
        query = query.where(User.agency_code == agency)
    if active is not None:
        query = query.where(User.active.is_(active))
    return query
