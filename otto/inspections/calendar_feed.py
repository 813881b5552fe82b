"""The iCalendar feed of planned visits: one secret, revocable URL per user.

The secret is the token of a device registered for the user under the name
`devices.CALENDAR_FEED` (no table of its own): revoking that device revokes the feed, and
making a new feed revokes the old one. Tokens are stored hashed, so the URL is shown once,
when it is made.

The feed holds the visits the user may open (`visible_visits`) from 30 days back to a year
ahead, and of each only what every participant may see: business, address, time, case
number, status and the participating agencies. Never findings, answers or the briefing
(a calendar is synced to servers outside the municipality).
"""

import datetime as dt
import uuid

from icalendar import Calendar, Event
from sqlalchemy import select

from otto.accounts import devices
from otto.accounts.agencies import agency_names
from otto.accounts.models import Device, User
from otto.errors import NotFound, Unauthorized
from otto.extensions import db
from otto.inspections.models import Visit, VisitStatus
from otto.inspections.visibility import visible_visits
from otto.timeutil import LOCAL_TZ, utcnow

PAST = dt.timedelta(days=30)
FUTURE = dt.timedelta(days=365)
MAX_EVENTS = 1000


def current_feed(user: User) -> Device | None:
    """The user's active calendar feed (its device), if any."""
    query = select(Device).where(
        Device.user_id == user.id,
        Device.name == devices.CALENDAR_FEED,
        Device.revoked_at.is_(None),
    )
    return db.session.scalars(query.order_by(Device.created_at.desc())).first()


def create_feed(actor) -> tuple[Device, str]:
    """Make a new feed for the acting user and return it with its token (shown once).

    An earlier feed is revoked, so there is at most one working URL per user. Audited
    (device registration and revocation).
    """
    old = current_feed(actor.user)
    if old is not None:
        devices.revoke_device(actor, old.id)
    return devices.register_device(actor.user, str(uuid.uuid4()), devices.CALENDAR_FEED)


def revoke_feed(actor) -> Device | None:
    """Revoke the acting user's feed; its URL answers 404 from now on. Audited."""
    feed = current_feed(actor.user)
    if feed is not None:
        devices.revoke_device(actor, feed.id)
    return feed


def feed_user(token: str) -> User:
    """The user a feed token belongs to, or NotFound: unknown, revoked, a tablet's token
    or a deactivated user all look the same from outside."""
    try:
        device = devices.authenticate_token(token)
    except Unauthorized:
        raise NotFound("No such calendar.") from None
    if device.name != devices.CALENDAR_FEED:
        raise NotFound("No such calendar.")
    return device.user


def build_feed(user: User, now: dt.datetime | None = None) -> bytes:
    """The user's calendar as iCalendar bytes."""
    now = now or utcnow()
    query = (
        select(Visit)
        .where(
            visible_visits(user),
            Visit.planned_end >= now - PAST,
            Visit.planned_start < now + FUTURE,
        )
        .order_by(Visit.planned_start)
        .limit(MAX_EVENTS)
    )
    calendar = Calendar()
    calendar.add("prodid", "-//OTTO tillsyn//Planerade besök//SV")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "OTTO-besök")
    calendar.add("x-wr-timezone", LOCAL_TZ.key)
    for visit in db.session.scalars(query):
        calendar.add_component(_event(visit, now))
    return calendar.to_ical()


def _event(visit: Visit, now: dt.datetime) -> Event:
    business = visit.business
    agencies = dict.fromkeys(a.agency_code for a in visit.assignments)
    names = agency_names()
    agencies_text = ", ".join(names.get(code, code) for code in agencies)
    place = ", ".join(
        p for p in (business.address, f"{business.postal_code} {business.city}") if p.strip()
    )
    lines = [f"Verksamhet: {business.name} ({business.org_number})"]
    if visit.case_number:
        lines.append(f"Diarienummer: {visit.case_number}")
    lines.append(f"Myndigheter: {agencies_text}")
    event = Event()
    event.add("uid", f"{visit.id}@otto")
    event.add("dtstamp", now)
    event.add("last-modified", visit.updated_at)
    event.add("sequence", visit.version)
    event.add("dtstart", visit.planned_start)
    event.add("dtend", visit.planned_end)
    prefix = "INSTÄLLT: " if visit.status == VisitStatus.CANCELLED else ""
    event.add("summary", f"{prefix}Tillsyn {business.name}")
    event.add("location", place)
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if visit.status == VisitStatus.CANCELLED else "CONFIRMED")
    return event
