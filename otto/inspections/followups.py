"""Follow-ups: what must happen after a finding, and by when.

A finding that needs action gets its follow-up automatically (`follow_finding`, called by the
finding services on every create and edit); its kind and due date come from the deadline
rules in otto.inspections.deadlines and follow the finding while the follow-up is open.
Coordinators and the finding's agency may also plan follow-ups by hand.
"""

import datetime as dt

from flask import current_app
from sqlalchemy import func, select, true

from otto import audit
from otto.errors import Invalid, NotFound
from otto.extensions import db
from otto.inspections import deadlines
from otto.inspections.models import Finding, FollowUp, FollowUpKind, FollowUpStatus
from otto.inspections.visibility import get_visible, require_own_agency, visible_follow_ups
from otto.timeutil import utcnow

# The lists of the coordinator's follow-up pages.
VIEWS = ("open", "week", "overdue", "all")


def follow_up_snapshot(follow_up: FollowUp) -> dict:
    """The audited fields of a follow-up."""
    return {
        "kind": follow_up.kind,
        "due_date": follow_up.due_date,
        "status": follow_up.status,
        "note": follow_up.note,
    }


def _visible_finding(user, finding_id: str) -> Finding:
    finding = get_visible(user, Finding, finding_id)
    if finding is None:
        raise NotFound(f"No finding with id {finding_id}.")
    return finding


def _add(actor, finding: Finding, *, kind: str, due_date: dt.date, note: str, automatic: bool):
    follow_up = FollowUp(
        visit_id=finding.visit_id,
        finding_id=finding.id,
        agency_code=finding.agency_code,
        kind=kind,
        due_date=due_date,
        note=note,
        automatic=automatic,
    )
    db.session.add(follow_up)
    db.session.flush()
    after = follow_up_snapshot(follow_up) | ({"automatic": True} if automatic else {})
    audit.record(actor, "create", "follow_up", follow_up.id, after=after, visit_id=finding.visit_id)
    return follow_up


def create_follow_up(
    actor, *, finding_id: str, kind: str, due_date: dt.date, note: str = ""
) -> FollowUp:
    """Create a follow-up for a finding (coordinator or the finding's agency). Audited."""
    finding = _visible_finding(actor.user, finding_id)
    require_own_agency(actor, finding, "plan its follow-up")
    if kind not in set(FollowUpKind):
        raise Invalid("Unknown follow-up kind.", {"kind": [f"One of {', '.join(FollowUpKind)}."]})
    return _add(actor, finding, kind=kind, due_date=due_date, note=note, automatic=False)


def _apply(actor, follow_up: FollowUp, fields: dict) -> FollowUp:
    """Set fields of a follow-up and audit the change; a moved due date clears the overdue
    mark (the mark-overdue job sets it again if the new deadline has passed too)."""
    before = follow_up_snapshot(follow_up)
    for key, value in fields.items():
        setattr(follow_up, key, value)
    if follow_up.due_date != before["due_date"]:
        follow_up.overdue_since = None
    after = follow_up_snapshot(follow_up)
    if after == before:
        return follow_up
    follow_up.updated_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "update",
        "follow_up",
        follow_up.id,
        before=before,
        after=after,
        visit_id=follow_up.visit_id,
    )
    return follow_up


def get_follow_up(user, follow_up_id: int) -> FollowUp:
    """Return a follow-up whose finding the user may see, or raise NotFound."""
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None or (
        follow_up.finding_id and get_visible(user, Finding, follow_up.finding_id) is None
    ):
        raise NotFound(f"No follow-up with id {follow_up_id}.")
    return follow_up


def update_follow_up(actor, follow_up_id: int, **fields) -> FollowUp:
    """Change a follow-up's status, note or due date. Audited."""
    follow_up = get_follow_up(actor.user, follow_up_id)
    require_own_agency(actor, follow_up)
    if "status" in fields and fields["status"] not in set(FollowUpStatus):
        raise Invalid("Unknown status.", {"status": [f"One of {', '.join(FollowUpStatus)}."]})
    return _apply(
        actor, follow_up, {k: fields[k] for k in ("status", "note", "due_date") if k in fields}
    )


def record_outcome(actor, follow_up_id: int, status: str, note: str, now: dt.datetime):
    """Mark a follow-up received, approved or closed (or open again), adding a dated note
    line to its history. Audited."""
    note = note.strip()
    if note:
        follow_up = get_follow_up(actor.user, follow_up_id)
        line = f"{deadlines.local_date(now).isoformat()} {actor.user.name}: {note}"
        note = f"{follow_up.note}\n{line}".strip()
        return update_follow_up(actor, follow_up_id, status=status, note=note)
    return update_follow_up(actor, follow_up_id, status=status)


def follow_finding(actor, finding: Finding) -> FollowUp | None:
    """Keep a finding's automatic follow-up in line with the deadline rules. Audited.

    Called after every create and edit of a finding (also through sync). A finding that
    needs action and has no automatic follow-up gets one; while that follow-up is open its
    kind and due date follow the finding's severity and explicit deadline, and it is closed
    when the finding no longer needs one (deleted, or made `info` without a deadline). A
    follow-up that is received, approved or closed is in the coordinator's hands and is left
    alone.
    """
    terms = deadlines.terms_for(finding, current_app.config["FOLLOW_UP_RULES"])
    query = select(FollowUp).where(FollowUp.finding_id == finding.id, FollowUp.automatic)
    tracked = db.session.scalar(query.order_by(FollowUp.id.desc()).limit(1))
    if tracked is None:
        if terms is None:
            return None
        return _add(
            actor, finding, kind=terms.kind, due_date=terms.due_date, note="", automatic=True
        )
    if tracked.status != FollowUpStatus.OPEN:
        return tracked
    if terms is None:
        note = f"{tracked.note}\nStängd automatiskt: avvikelsen kräver inte längre uppföljning."
        return _apply(actor, tracked, {"status": FollowUpStatus.CLOSED, "note": note.strip()})
    return _apply(actor, tracked, {"kind": terms.kind, "due_date": terms.due_date})


# --- the coordinator's lists -------------------------------------------------------------


_visible = visible_follow_ups  # follow-ups whose finding the user may see


def _view_clause(view: str, now: dt.datetime):
    today = deadlines.local_date(now)
    pending = FollowUp.status == deadlines.PENDING
    if view == "open":
        return pending
    if view == "week":
        return pending & FollowUp.due_date.between(today, deadlines.week_end(now))
    if view == "overdue":
        return deadlines.late_clause(now)
    return true()


def list_follow_ups(user, *, view: str = "open", agency_code: str | None = None, now: dt.datetime):
    """A query for the follow-ups of a list, earliest deadline first.

    `open`: status open; `week`: open and due from today to Sunday; `overdue`: open after
    its deadline at `now` (from the due date, whether or not the job has run); `all`: every
    status.
    """
    if view not in VIEWS:
        raise Invalid("Unknown list.", {"view": [f"One of {', '.join(VIEWS)}."]})
    query = select(FollowUp).where(_visible(user), _view_clause(view, now))
    if agency_code:
        query = query.where(FollowUp.agency_code == agency_code)
    return query.order_by(FollowUp.due_date, FollowUp.id)


def follow_up_counts(user, *, now: dt.datetime, agency_code: str | None = None) -> dict:
    """How many follow-ups each list has (`open`, `week`, `overdue`): the dashboard's counts,
    from the same queries as the lists."""
    counts = {}
    for view in ("open", "week", "overdue"):
        query = list_follow_ups(user, view=view, agency_code=agency_code, now=now)
        counts[view] = db.session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())
        )
    return counts


def mark_overdue(now: dt.datetime) -> list[FollowUp]:
    """Record when the open follow-ups whose deadline has passed at `now` were noticed late
    (once each), audited as the system. The mark is a record, not the rule: lists and counts
    use `deadlines.late_clause`."""
    query = select(FollowUp).where(deadlines.late_clause(now), FollowUp.overdue_since.is_(None))
    marked = list(db.session.scalars(query.order_by(FollowUp.id).with_for_update()))
    for follow_up in marked:
        follow_up.overdue_since = now
        audit.record(
            None,
            "overdue",
            "follow_up",
            follow_up.id,
            after={"due_date": follow_up.due_date, "overdue_since": now},
            visit_id=follow_up.visit_id,
        )
    db.session.flush()
    return marked
