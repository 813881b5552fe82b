"""The coordinator's start page."""

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from otto.auth import page_auth
from otto.extensions import db
from otto.inspections import visits

pages = Blueprint("web", __name__, template_folder="templates")
LOCAL_TZ = ZoneInfo("Europe/Stockholm")


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
    return render_template("home.html", visits=upcoming, tz=LOCAL_TZ)
