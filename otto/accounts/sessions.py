"""Web sessions: one row per signed-in browser, so a sign-in can be ended on the server.

The signed session cookie holds a random token (otto.auth keeps it there); the database
holds only its SHA-256. A request counts as signed in only while that row is live: not
ended (logout, a password change or reset, an admin) and used within the idle limit. A
copy of the cookie is therefore worth nothing once its session has ended.
"""

import datetime as dt
import secrets

from sqlalchemy import delete, or_, select

from otto import audit
from otto.accounts.devices import hash_token
from otto.accounts.models import User, WebSession
from otto.auth import Actor
from otto.extensions import db
from otto.timeutil import utcnow

# last_seen is written at most this often, so page views do not each cost a write.
LAST_SEEN_RESOLUTION = dt.timedelta(seconds=60)


def session_snapshot(web_session: WebSession) -> dict:
    """The audited fields of a web session (never its token)."""
    return {
        "user_id": web_session.user_id,
        "address": web_session.address,
        "user_agent": web_session.user_agent,
        "ended_at": web_session.ended_at.isoformat() if web_session.ended_at else None,
        "end_reason": web_session.end_reason,
    }


def start_session(user: User, *, address: str, user_agent: str) -> tuple[WebSession, str]:
    """Record a sign-in of `user` from a browser and return it with the cookie's token;
    audited."""
    token = secrets.token_urlsafe(32)
    web_session = WebSession(
        user_id=user.id,
        token_hash=hash_token(token),
        address=(address or "")[:45],
        user_agent=(user_agent or "")[:200],
    )
    db.session.add(web_session)
    db.session.flush()
    audit.record(
        Actor(user), "start", "web_session", web_session.id, after=session_snapshot(web_session)
    )
    return web_session, token


def _live(idle_seconds: int, now: dt.datetime):
    """The condition of a live session: not ended, and used within the idle limit."""
    return WebSession.ended_at.is_(None) & (
        WebSession.last_seen_at > now - dt.timedelta(seconds=idle_seconds)
    )


def live_session(token: str, *, idle_seconds: int, now: dt.datetime | None = None):
    """The live session of a cookie token whose user is active, or None."""
    web_session = db.session.scalar(
        select(WebSession).where(
            WebSession.token_hash == hash_token(token), _live(idle_seconds, now or utcnow())
        )
    )
    if web_session is None or not web_session.user.active:
        return None
    return web_session


def mark_seen(web_session: WebSession, now: dt.datetime | None = None) -> bool:
    """Note that the session was used now (at most once a minute); True when written."""
    now = now or utcnow()
    if now - web_session.last_seen_at < LAST_SEEN_RESOLUTION:
        return False
    web_session.last_seen_at = now
    db.session.flush()
    return True


def end_session(actor, token: str, reason: str = "logout") -> WebSession | None:
    """End the session of a cookie token (a logout); audited. Ending it twice is a no-op."""
    web_session = db.session.scalar(
        select(WebSession).where(
            WebSession.token_hash == hash_token(token), WebSession.ended_at.is_(None)
        )
    )
    if web_session is not None:
        _end(actor, web_session, reason)
    return web_session


def end_user_sessions(actor, user_id: int, reason: str, *, keep_id: int | None = None) -> int:
    """End every open session of a user except `keep_id` (the browser that asked, when a
    user changes their own password); audited per session. Returns how many ended."""
    query = select(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
    if keep_id is not None:
        query = query.where(WebSession.id != keep_id)
    open_sessions = list(db.session.scalars(query.with_for_update()))
    for web_session in open_sessions:
        _end(actor, web_session, reason)
    return len(open_sessions)


def _end(actor, web_session: WebSession, reason: str) -> None:
    before = session_snapshot(web_session)
    web_session.ended_at, web_session.end_reason = utcnow(), reason
    db.session.flush()
    audit.record(
        actor,
        "end",
        "web_session",
        web_session.id,
        before=before,
        after=session_snapshot(web_session),
    )


def active_sessions(user_id: int, *, idle_seconds: int, now: dt.datetime | None = None):
    """A user's live sessions, most recently used first (for the people page)."""
    query = select(WebSession).where(
        WebSession.user_id == user_id, _live(idle_seconds, now or utcnow())
    )
    return list(db.session.scalars(query.order_by(WebSession.last_seen_at.desc())))


def prune(before: dt.datetime) -> int:
    """Delete sessions that ended, or were last used, before `before` (the audit trail keeps
    each sign-in and sign-out); returns how many."""
    stale = or_(WebSession.ended_at < before, WebSession.last_seen_at < before)
    return db.session.execute(delete(WebSession).where(stale)).rowcount
