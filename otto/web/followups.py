"""The coordinator's follow-up pages: open, due this week and overdue follow-ups, by agency;
recording what came in; and planning a re-visit from a follow-up."""

from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for

from otto.accounts.models import COORDINATORS
from otto.auth import page_auth
from otto.errors import DomainError, TooLong
from otto.extensions import db
from otto.inspections import deadlines, followups, read_log
from otto.inspections.models import FollowUpKind, FollowUpStatus
from otto.timeutil import utcnow
from otto.web.forms import arg_choice, form_text, paginate, refused
from otto.web.labels import AGENCY_NAMES, FOLLOW_UP_STATUS_LABELS

pages = Blueprint("followups", __name__, template_folder="templates")
VIEW_TITLES = {
    "open": "Öppna",
    "week": "Förfaller denna vecka",
    "overdue": "Försenade",
    "all": "Alla",
}
# The visit-planning form (otto/web/planning.py), pre-filled for a re-visit: the agreed
# contract with the planning pages; the new visit links back through follows_up_visit_id.
REVISIT_FORM = "/planering/ny"


def revisit_url(follow_up) -> str:
    """Where "Planera återbesök" leads: the planning form for the same business, marked as a
    follow-up of the follow-up's visit."""
    query = {
        "business_id": follow_up.visit.business_id,
        "follows_up_visit_id": follow_up.visit_id,
        "reason": "follow_up",
    }
    return f"{REVISIT_FORM}?{urlencode(query)}"


@pages.get("/uppfoljning")
@page_auth(COORDINATORS)
def index(actor):
    """A list of follow-ups (open, this week, overdue, all), optionally for one agency."""
    view = arg_choice("vy", followups.VIEWS) or "open"
    agency = arg_choice("myndighet", AGENCY_NAMES)
    now = utcnow()
    query = followups.list_follow_ups(actor.user, view=view, agency_code=agency, now=now)
    pagination = paginate(query)
    read_log.saw(actor.user, pagination.items)
    return render_template(
        "followups/index.html",
        view=view,
        agency=agency,
        view_titles=VIEW_TITLES,
        counts=followups.follow_up_counts(actor.user, now=now, agency_code=agency),
        pagination=pagination,
        outcomes={s: FOLLOW_UP_STATUS_LABELS[s] for s in FollowUpStatus},
        revisit=FollowUpKind.REVISIT,
        revisit_url=revisit_url,
        is_late=lambda follow_up: deadlines.is_late(follow_up, now),
    )


@pages.post("/uppfoljning/<int:follow_up_id>/status")
@page_auth(COORDINATORS)
def record_outcome(follow_up_id, actor):
    """Mark a follow-up received, approved or closed (or open again), with a note."""
    status = request.form.get("status", "")
    try:
        followups.record_outcome(actor, follow_up_id, status, form_text("note"), utcnow())
    except TooLong:
        raise  # the error page names the field and its limit
    except DomainError as error:
        refused(error, "Uppföljningen kunde inte ändras.")
    else:
        db.session.commit()
        flash(f"Uppföljningen är nu {FOLLOW_UP_STATUS_LABELS[status].lower()}.", "success")
    return redirect(_local_path(request.form.get("next")) or url_for("followups.index"))


def _local_path(target: str | None) -> str | None:
    """A return address from a form, only if it stays on this site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None
