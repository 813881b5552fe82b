"""The read log (/admin/lasloggen): who read which agency-only items, when and how, for
admins; filtered by person, visit and item, and downloadable as CSV with the same filters."""

from flask import Blueprint, render_template, request
from sqlalchemy import select

from otto.accounts import services as accounts
from otto.accounts.models import Role, User
from otto.analysis import exports
from otto.analysis.routes import download
from otto.auth import page_auth
from otto.extensions import db
from otto.inspections import read_log
from otto.labels import READ_HOWS
from otto.timeutil import LOCAL_TZ
from otto.web.forms import paginate

pages = Blueprint("read_log_pages", __name__, template_folder="templates")
ADMINS = (Role.ADMIN,)
CSV_HEADER = ("Tid", "Användarnamn", "Namn", "Hur", "Anrop", "Enhet", "Besök", "Antal", "Objekt")


def _filters() -> dict:
    """The page's filters from its Swedish query parameters (anything unusable: no filter)."""
    person = request.args.get("person", "").strip()
    return {
        "user_id": int(person) if person.isascii() and person.isdigit() else None,
        "visit_id": request.args.get("besok", "").strip()[:36] or None,
        "item": request.args.get("objekt", "").strip()[:100] or None,
    }


def _names(events) -> dict[int, User]:
    ids = {event.user_id for event in events}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


@pages.get("/admin/lasloggen")
@page_auth(ADMINS)
def index(actor):
    """Read events, newest first, one page; filters for person, visit and item."""
    filters = _filters()
    page = paginate(read_log.events(**filters))
    return render_template(
        "read_log.html",
        page=page,
        filters=filters,
        people=db.session.scalars(accounts.users_query()).all(),
        names=_names(page.items),
        how_labels=READ_HOWS,
    )


@pages.get("/admin/lasloggen.csv")
@page_auth(ADMINS)
def download_csv(actor):
    """Every read event the filters select, as CSV for Swedish Excel."""
    events = db.session.scalars(read_log.events(**_filters())).all()
    names = _names(events)
    rows = [
        [
            event.at.astimezone(LOCAL_TZ).replace(tzinfo=None, microsecond=0),
            names[event.user_id].username,
            names[event.user_id].name,
            READ_HOWS.get(event.how, event.how),
            event.route,
            event.device_id or "",
            event.visit_id or "",
            event.item_count,
            " ".join(event.item_keys),
        ]
        for event in events
    ]
    content = exports.to_csv(CSV_HEADER, rows)
    return download(exports.ExportFile("lasloggen.csv", exports.MEDIA_TYPES["csv"], content))
