"""Slowing down password guessing without letting strangers lock anyone out.

Failed logins are counted per (user name, client address) and per client address alone.
The last of a number of free failures locks that pair (or that address) for
`backoff_seconds`, and each further failure for twice as long, up to `max_lock_seconds`.
The lock holds only at the address that earned it: anonymous requests from one address
never lock the real user out at another, and guessing spread over many user names from one
address is slowed by the address's own count. A quiet spell (`forget_seconds` without
failures) forgets a count. Each lock is audited (action "lock" on "login", by the system)
and shown to admins.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import delete, or_, select

from otto import audit
from otto.accounts.models import LoginThrottle
from otto.errors import TooManyRequests
from otto.extensions import db, insert_or_ignore, lock_row

log = logging.getLogger(__name__)

# The `username` of an address's own count (no user name can be "*").
ADDRESS_WIDE = "*"


@dataclass(frozen=True)
class Policy:
    """How many failures are free, and how long the locks after them last."""

    free_failures: int = 5  # per user name and address (the last one locks)
    address_free_failures: int = 20  # per address, over all user names
    backoff_seconds: int = 30  # the first lock; each further failure doubles it
    max_lock_seconds: int = 900
    forget_seconds: int = 3600

    @classmethod
    def from_config(cls, config) -> "Policy":
        return cls(
            free_failures=config["LOGIN_MAX_FAILURES"],
            address_free_failures=config["LOGIN_ADDRESS_MAX_FAILURES"],
            backoff_seconds=config["LOGIN_BACKOFF_SECONDS"],
            max_lock_seconds=config["LOGIN_LOCK_SECONDS"],
            forget_seconds=config["LOGIN_FORGET_SECONDS"],
        )

    def lock_seconds(self, failures: int, free_failures: int) -> int:
        """The lock earned by the `failures`-th failure: none before the last free one, which
        earns `backoff_seconds`, and double for each failure after it, up to the cap."""
        over = failures - free_failures
        if over < 0:
            return 0
        return min(self.backoff_seconds * 2 ** min(over, 32), self.max_lock_seconds)


def _keys(username: str, address: str) -> list[tuple[str, str]]:
    address = (address or "unknown")[:45]
    return [(username[:80], address), (ADDRESS_WIDE, address)]


def refuse_if_locked(username: str, address: str, now: dt.datetime) -> None:
    """Raise TooManyRequests (with `retry_after` seconds) while this user name at this
    address, or this address, is locked. A locked attempt is not checked or counted."""
    rows = [db.session.get(LoginThrottle, key) for key in _keys(username, address)]
    until = max((r.locked_until for r in rows if r and r.locked_until), default=None)
    if until is not None and until > now:
        raise TooManyRequests(
            "Too many failed logins; try again later.",
            {"retry_after": max(int((until - now).total_seconds()), 1)},
            code="login_locked",
        )


def count_failure(username: str, address: str, policy: Policy, now: dt.datetime) -> None:
    """Count a failed login for the user name at the address and for the address; lock
    either that has used up its free failures, and audit the lock."""
    free = (policy.free_failures, policy.address_free_failures)
    for (name, addr), free_failures in zip(_keys(username, address), free, strict=True):
        key = {"username": name, "address": addr}
        insert_or_ignore(
            LoginThrottle, key | {"failures": 0, "last_failure_at": now}, ["username", "address"]
        )
        row = lock_row(
            select(LoginThrottle).where(
                LoginThrottle.username == name, LoginThrottle.address == addr
            )
        )
        if now - row.last_failure_at > dt.timedelta(seconds=policy.forget_seconds):
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        seconds = policy.lock_seconds(row.failures, free_failures)
        if seconds:
            row.locked_until = now + dt.timedelta(seconds=seconds)
            _record_lock(row, seconds)
    db.session.flush()


def _record_lock(row: LoginThrottle, seconds: int) -> None:
    username = None if row.username == ADDRESS_WIDE else row.username
    log.warning(
        "login locked for %s s: user name %r at %s after %s failures",
        seconds,
        username or "(any)",
        row.address,
        row.failures,
    )
    audit.record(
        None,
        "lock",
        "login",
        row.address,
        after={
            "username": username,
            "address": row.address,
            "failures": row.failures,
            "seconds": seconds,
        },
    )


def forget_failures(username: str, address: str) -> None:
    """A successful login clears the count of this user name at this address (not the
    address's own count, which a guesser with one valid account could otherwise reset)."""
    row = db.session.get(LoginThrottle, _keys(username, address)[0])
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def lockouts_query():
    """The audited login locks, newest first (for admins)."""
    return (
        select(audit.AuditEvent)
        .where(audit.AuditEvent.action == "lock", audit.AuditEvent.entity == "login")
        .order_by(audit.AuditEvent.at.desc(), audit.AuditEvent.id.desc())
    )


def prune(now: dt.datetime, policy: Policy) -> int:
    """Delete counts that would be forgotten anyway (no failure within `forget_seconds`) and
    whose lock has passed; returns how many."""
    quiet = LoginThrottle.last_failure_at < now - dt.timedelta(seconds=policy.forget_seconds)
    unlocked = or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now)
    return db.session.execute(delete(LoginThrottle).where(quiet, unlocked)).rowcount
