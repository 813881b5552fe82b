"""The week calendar of visits, and each user's iCalendar feed (/kalender).

The week view is a server-rendered grid of seven days with prev/next links, headed with the
ISO week and its ISO year (week 1 of 2026 starts on Monday 29 December 2025); each visit
shows its agencies and inspectors; an inspector booked on an overlapping visit is marked.
The feed lives at /kalender/<token>.ics, where the token is the secret of the user's feed (see
otto.inspections.calendar_feed); the page /kalender/prenumeration makes and revokes it.
"""

import datetime as dt

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from otto.auth import page_auth
from otto.extensions import db
from otto.inspections import calendar_feed, visits
from otto.timeutil import LOCAL_TZ
from otto.web.forms import arg_choice, local, local_datetime
from otto.web.labels import AGENCY_NAMES

pages = Blueprint("calendar", __name__, url_prefix="/kalender", template_folder="templates")
MAX_WEEK_VISITS = 500
DAY_NAMES = ("Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag", "Lördag", "Söndag")


def _monday(week: str | None) -> dt.date:
    """The Monday of an ISO week like 2026-W23; this week when missing or invalid."""
    try:
        year, number = (week or "").split("-W")
        if not 1 < int(year) < dt.MAXYEAR:  # the page links the weeks before and after
            raise ValueError(f"Year {year} is out of range.")
        return dt.date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        today = dt.datetime.now(LOCAL_TZ).date()
        return today - dt.timedelta(days=today.weekday())


def _iso_week(day: dt.date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def _inspectors(visit) -> list:
    """A visit's inspectors, once each (an assignment per pinned checklist), by agency."""
    people = {a.user_id: a for a in visit.assignments}.values()
    return sorted(people, key=lambda a: (a.agency_code, a.user.name))


@pages.get("/")
@page_auth()
def week(actor):
    """The visits the user may see in one week, by day; filter by agency."""
    monday = _monday(request.args.get("vecka"))
    start = local_datetime(monday.isoformat(), "00:00")
    end = local_datetime((monday + dt.timedelta(days=7)).isoformat(), "00:00")
    agency = arg_choice("myndighet", AGENCY_NAMES)
    query = visits.list_visits(actor.user, start=start, end=end, agency_code=agency)
    days = [(monday + dt.timedelta(days=n), []) for n in range(7)]
    week_visits = list(db.session.scalars(query.limit(MAX_WEEK_VISITS)))
    for visit in week_visits:
        first_day = max((local(visit.planned_start).date() - monday).days, 0)
        days[min(first_day, 6)][1].append(visit)
    year, number, _ = monday.isocalendar()
    return render_template(
        "calendar/week.html",
        days=days,
        day_names=DAY_NAMES,
        week=_iso_week(monday),
        week_year=year,
        week_number=number,
        double_booked=visits.double_bookings(actor.user, [v.id for v in week_visits]),
        inspectors=_inspectors,
        prev_week=_iso_week(monday - dt.timedelta(days=7)),
        next_week=_iso_week(monday + dt.timedelta(days=7)),
        today=dt.datetime.now(LOCAL_TZ).date(),
        agency=agency,
    )


@pages.get("/prenumeration")
@page_auth()
def subscription(actor):
    """The user's calendar feed: whether it exists, when it was last fetched."""
    feed = calendar_feed.current_feed(actor.user)
    return render_template("calendar/subscription.html", feed=feed, url=None)


@pages.post("/prenumeration")
@page_auth()
def create_subscription(actor):
    """Make a new feed URL (revoking any earlier one) and show it, this once."""
    feed, token = calendar_feed.create_feed(actor)
    db.session.commit()
    url = current_app.config["BASE_URL"] + url_for("calendar.feed", token=token)
    response = Response(render_template("calendar/subscription.html", feed=feed, url=url))
    response.headers["Cache-Control"] = "no-store"  # the page holds a secret
    return response


@pages.post("/prenumeration/aterkalla")
@page_auth()
def revoke_subscription(actor):
    """Revoke the user's feed; calendar apps get 404 from then on."""
    if calendar_feed.revoke_feed(actor) is not None:
        db.session.commit()
        flash("Kalenderprenumerationen är återkallad. Den gamla adressen fungerar inte längre.")
    return redirect(url_for("calendar.subscription"))


@pages.get("/<token>.ics")
def feed(token):
    """The iCalendar feed behind a secret URL (no login: calendar apps cannot sign in)."""
    user = calendar_feed.feed_user(token)
    body = calendar_feed.build_feed(user)
    db.session.commit()  # the feed device's last_seen
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Content-Disposition"] = 'inline; filename="otto.ics"'
    return response
