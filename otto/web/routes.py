"""The start page, and the labels and filters every coordinator page shares."""

import datetime as dt

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from otto.auth import page_auth
from otto.extensions import db
from otto.inspections import followups, visits
from otto.timeutil import LOCAL_TZ, utcnow
from otto.web import labels
from otto.web.forms import local

pages = Blueprint("web", __name__, template_folder="templates")


@pages.app_context_processor
def _labels():
    return labels.template_globals()


@pages.app_template_filter("localtime")
def _localtime(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as Swedish local time, formatted; empty for none."""
    return local(value).strftime(fmt) if value else ""


@pages.app_template_filter("swedish")
def _swedish(message: str) -> str:
    return labels.swedish(message)


@pages.app_template_filter("photo_shas")
def _photo_shas(value) -> list[str]:
    return labels.photo_shas(value)


@pages.app_template_filter("answer_value")
def _answer_value(value, question=None) -> str:
    return labels.answer_value(value, question)


@pages.app_template_filter("agencies")
def _agencies(visit) -> str:
    """The names of the agencies taking part in a visit, in order, once each."""
    codes = dict.fromkeys(a.agency_code for a in visit.assignments)
    return ", ".join(labels.AGENCY_NAMES.get(code, code) for code in codes)


@pages.get("/")
def index():
    """Send visitors to their start page or to the login."""
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    return redirect(url_for("accounts.login"))


@pages.get("/oversikt")
@page_auth()
def home(actor):
    """Today's and the coming week's visits that the user may see."""
    today = dt.datetime.now(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    query = visits.list_visits(actor.user, start=today, end=today + dt.timedelta(days=7))
    upcoming = list(db.session.scalars(query.limit(50)))
    counts = followups.follow_up_counts(actor.user, now=utcnow()) if actor.is_coordinator else None
    return render_template("home.html", visits=upcoming, tz=LOCAL_TZ, follow_up_counts=counts)
