"""Visits (the dossier) and their participants: planning, reading and status changes."""

import datetime as dt

from sqlalchemy import select

from otto import audit
from otto.accounts.models import Role, User
from otto.checklists import services as checklists
from otto.errors import Conflict, Forbidden, Invalid, NotFound
from otto.extensions import db
from otto.inspections.businesses import get_business
from otto.inspections.models import Assignment, Visit, VisitReason, VisitStatus
from otto.inspections.visibility import is_participant, visible_visits
from otto.sync.conflicts import open_conflict_count
from otto.sync.feed import record_change
from otto.timeutil import utcnow

EDITABLE = (
    "planned_start",
    "planned_end",
    "case_number",
    "announced",
    "reason",
    "briefing",
)

# Status changes an inspector may make; coordinators may also close and reopen.
_NEXT_STATUS = {
    VisitStatus.PLANNED: {VisitStatus.IN_PROGRESS},
    VisitStatus.IN_PROGRESS: {VisitStatus.COMPLETED},
    VisitStatus.COMPLETED: {VisitStatus.IN_PROGRESS, VisitStatus.CLOSED},
    VisitStatus.CLOSED: {VisitStatus.COMPLETED},
}


def visit_snapshot(visit: Visit) -> dict:
    """The audited fields of a visit, with its participants."""
    snapshot = {field: getattr(visit, field) for field in EDITABLE}
    snapshot["status"] = visit.status
    snapshot["participants"] = sorted(
        [a.user_id, a.agency_code, a.template_version_id] for a in visit.assignments
    )
    return snapshot


def _touch(visit: Visit) -> None:
    visit.version += 1
    visit.updated_at = utcnow()
    record_change("visit", visit.id, visit_id=visit.id)


def _check_times(start: dt.datetime, end: dt.datetime) -> None:
    if end <= start:
        raise Invalid("The visit must end after it starts.", {"planned_end": ["Before start."]})


def _assignments(participants: list[dict]) -> list[Assignment]:
    """Assignments for [{user_id, template_version_ids}], checking users and versions."""
    assignments, errors = [], {}
    for index, participant in enumerate(participants):
        user = db.session.get(User, participant["user_id"])
        if user is None or not user.active or user.role != Role.INSPECTOR:
            errors[f"participants[{index}].user_id"] = ["Not an active inspector."]
            continue
        version_ids = participant.get("template_version_ids") or [None]
        for version_id in version_ids:
            if version_id is not None:
                version = checklists.get_version(version_id)
                if version.status != checklists.PLANNABLE:
                    errors[f"participants[{index}].template_version_ids"] = [
                        f"Version {version_id} is {version.status}, not published."
                    ]
                elif version.template.agency_code != user.agency_code:
                    errors[f"participants[{index}].template_version_ids"] = [
                        f"Version {version_id} belongs to another agency."
                    ]
            assignments.append(
                Assignment(
                    user_id=user.id, agency_code=user.agency_code, template_version_id=version_id
                )
            )
    if errors:
        raise Invalid("The participants are not valid.", errors)
    return assignments


def plan_visit(
    actor,
    *,
    business_id: int,
    planned_start: dt.datetime,
    planned_end: dt.datetime,
    participants: list[dict],
    case_number: str = "",
    announced: bool = False,
    reason: str = VisitReason.PLANNED,
    briefing: str = "",
    follows_up_visit_id: str | None = None,
    visit_id: str | None = None,
) -> Visit:
    """Plan a joint visit with its participants and pinned checklist versions. Audited."""
    get_business(business_id)
    _check_times(planned_start, planned_end)
    if follows_up_visit_id and db.session.get(Visit, follows_up_visit_id) is None:
        raise Invalid("Unknown earlier visit.", {"follows_up_visit_id": ["No such visit."]})
    visit = Visit(
        business_id=business_id,
        planned_start=planned_start,
        planned_end=planned_end,
        case_number=case_number,
        coordinator_id=actor.user.id,
        announced=announced,
        reason=reason,
        briefing=briefing,
        follows_up_visit_id=follows_up_visit_id,
    )
    if visit_id:
        visit.id = visit_id
    visit.assignments = _assignments(participants)
    db.session.add(visit)
    db.session.flush()
    record_change("visit", visit.id, visit_id=visit.id)
    audit.record(actor, "create", "visit", visit.id, after=visit_snapshot(visit), visit_id=visit.id)
    return visit


def get_visit(user: User, visit_id: str) -> Visit:
    """Return a visit the user may open, or raise NotFound (never revealing others' visits)."""
    visit = db.session.scalar(select(Visit).where(Visit.id == visit_id, visible_visits(user)))
    if visit is None:
        raise NotFound(f"No visit with id {visit_id}.")
    return visit


def list_visits(user: User, *, start: dt.datetime | None = None, end: dt.datetime | None = None):
    """A query for the visits the user may see, ordered by planned start."""
    query = select(Visit).where(visible_visits(user)).order_by(Visit.planned_start)
    if start:
        query = query.where(Visit.planned_end >= start)
    if end:
        query = query.where(Visit.planned_start < end)
    return query


def require_open(visit: Visit) -> None:
    """Refuse changes to a closed visit; it must be reopened first (an audited action)."""
    if visit.status == VisitStatus.CLOSED:
        raise Conflict("The visit is closed; reopen it to make changes.", code="visit_closed")


def update_visit(actor, visit_id: str, **fields) -> Visit:
    """Change planning fields (coordinators) of a visit that is not closed. Audited."""
    if not actor.is_coordinator:
        raise Forbidden("Only coordinators change the plan of a visit.")
    visit = get_visit(actor.user, visit_id)
    require_open(visit)
    before = visit_snapshot(visit)
    for key, value in fields.items():
        setattr(visit, key, value)
    _check_times(visit.planned_start, visit.planned_end)
    _touch(visit)
    db.session.flush()
    audit.record(
        actor,
        "update",
        "visit",
        visit.id,
        before=before,
        after=visit_snapshot(visit),
        visit_id=visit.id,
    )
    return visit


def set_visit_status(actor, visit_id: str, status: str) -> Visit:
    """Move a visit along planned → in progress → completed → closed. Audited.

    Participants move it up to completed; closing and reopening are for coordinators.
    """
    visit = get_visit(actor.user, visit_id)
    if status == visit.status:
        return visit
    if status not in _NEXT_STATUS.get(visit.status, set()):
        raise Conflict(
            f"A visit cannot go from {visit.status} to {status}.", code="invalid_transition"
        )
    closing_or_reopening = VisitStatus.CLOSED in (status, visit.status)
    if closing_or_reopening and not actor.is_coordinator:
        raise Forbidden("Only coordinators close or reopen a visit.")
    if not actor.is_coordinator and not is_participant(actor.user, visit.id):
        raise Forbidden("You are not a participant of this visit.")
    if status == VisitStatus.CLOSED and open_conflict_count(visit.id):
        raise Conflict(
            "The visit has unresolved sync conflicts; resolve them before closing.",
            {"open_conflicts": open_conflict_count(visit.id)},
            code="open_conflicts",
        )
    before = {"status": visit.status}
    visit.status = status
    _touch(visit)
    action = "reopen" if before["status"] == VisitStatus.CLOSED else "status"
    audit.record(
        actor,
        action,
        "visit",
        visit.id,
        before=before,
        after={"status": status},
        visit_id=visit.id,
    )
    return visit
