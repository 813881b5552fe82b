"""Agencies, users, their devices (tablets and calendar feeds, each with a bearer token), their
web sessions, and the failed-login counts used to slow down password guessing."""

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otto import limits
from otto.dbtypes import UUID, UTCDateTime
from otto.extensions import db
from otto.timeutil import utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    INSPECTOR = "inspector"


# The roles that see every agency's items and plan, follow and report on visits (the OTTO
# desk): the access rule of every coordinator page and route.
COORDINATORS = (Role.COORDINATOR, Role.ADMIN)


DEFAULT_COLOUR = "#5b6770"


class Agency(db.Model):
    __tablename__ = "agency"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(limits.PERSON_NAME))
    # Visibility given to this agency's answers and findings unless the inspector chooses;
    # agencies under strict secrecy (police, tax) default to "agency".
    default_visibility: Mapped[str] = mapped_column(String(10), default="joint")
    # The sender of the agency's reports (letterhead and footer), edited by an admin.
    organisation: Mapped[str] = mapped_column(String(limits.NAME), default="")
    unit: Mapped[str] = mapped_column(String(limits.NAME), default="")
    postal_address: Mapped[str] = mapped_column(String(limits.POSTAL_ADDRESS), default="")
    phone: Mapped[str] = mapped_column(String(limits.PHONE), default="")
    email: Mapped[str] = mapped_column(String(limits.EMAIL), default="")
    web: Mapped[str] = mapped_column(String(limits.WEB), default="")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # PNG
    # A switched-off agency keeps its history (names, reports, statistics) but is offered
    # nowhere new: no new users, templates or visits.
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where the agency stands in lists and tables (then by code); a new one goes last.
    position: Mapped[int] = mapped_column(Integer, default=100)
    colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_COLOUR)  # "#rrggbb"
    # The agency's own report texts; empty: the built-in text for its code (otto.reports.wording).
    purpose: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    right_to_comment: Mapped[str] = mapped_column(Text, default="")
    appeal: Mapped[str] = mapped_column(Text, default="")
    fee_notice: Mapped[str] = mapped_column(Text, default="")


class User(db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(limits.USERNAME), unique=True)
    name: Mapped[str] = mapped_column(String(limits.PERSON_NAME))
    email: Mapped[str] = mapped_column(String(limits.EMAIL))
    role: Mapped[str] = mapped_column(String(20))
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("agency.code"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Signed in through an identity provider for the first time, with no role given by its
    # groups: inactive until an admin gives a role and activates the user (otto.accounts.sso).
    awaiting_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency | None] = relationship()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_coordinator(self) -> bool:
        """Coordinators and admins see every agency's items."""
        return self.role in COORDINATORS


class UserIdentity(db.Model):
    """A user's identity at an OpenID Connect provider: the provider's stable subject (`sub`,
    or Entra ID's `oid`), by which each sign-in through it finds the user."""

    __tablename__ = "user_identity"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))  # its name in OIDC_PROVIDERS
    subject: Mapped[str] = mapped_column(String(255))  # sso.SUBJECT_MAX
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Failed logins counted per user name and client address, and per address alone
    (`username` = ADDRESS_WIDE), with the lock they earned (otto.accounts.throttle)."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    address: Mapped[str] = mapped_column(String(45), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class WebSession(db.Model):
    """A signed-in browser (otto.accounts.sessions). The session cookie carries a random
    token; only its SHA-256 is stored, and the cookie counts only while its row is live, so
    ending the row signs that browser out even if someone kept a copy of the cookie."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The client's address and browser at sign-in, shown to admins beside the session.
    address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # logout | password_changed | password_reset | ended_by_admin
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship()


class Device(db.Model):
    """A tablet registered by a user (or a calendar feed, see otto.accounts.devices); its id
    is a UUID made by the client."""

    __tablename__ = "device"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(limits.PERSON_NAME))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Highest device_seq applied from this device (the sync protocol's acked_seq).
    last_seq: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship()
