"""Visits (the dossier) and their participants: planning, reading and status changes."""

import dataclasses
import datetime as dt

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from otto import audit
from otto.accounts.models import Role, User
from otto.changes.feed import record_change
from otto.changes.models import Change
from otto.checklists import services as checklists
from otto.errors import Conflict, Forbidden, Invalid, NotFound
from otto.extensions import db
from otto.inspections.businesses import get_business
from otto.inspections.conflicts import open_conflict_count
from otto.inspections.models import Assignment, Business, Visit, VisitReason, VisitStatus
from otto.inspections.visibility import is_participant, left_working_set, visible_visits
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


# Visits that took place: what Statistik and the weekly digest count (planned, ongoing and
# cancelled visits are not counted).
CARRIED_OUT = (VisitStatus.COMPLETED, VisitStatus.CLOSED)


def carried_out_between(start: dt.datetime, until: dt.datetime):
    """The condition for a visit that took place, planned to start in [start, until): the
    one rule by which the statistics and the weekly digest count visits."""
    return (
        Visit.status.in_(CARRIED_OUT)
        & (Visit.planned_start >= start)
        & (Visit.planned_start < until)
    )


def visit_snapshot(visit: Visit) -> dict:
    """The audited fields of a visit, with its participants."""
    snapshot = {field: getattr(visit, field) for field in EDITABLE}
    snapshot["status"] = visit.status
    snapshot["participants"] = sorted(
        [a.user_id, a.agency_code, a.template_version_id] for a in visit.assignments
    )
    snapshot["case_numbers"] = case_numbers(visit)
    return snapshot


def case_numbers(visit: Visit) -> dict[str, str]:
    """Each participating agency's own case number for the visit ("" when not given)."""
    numbers: dict[str, str] = {}
    for assignment in sorted(visit.assignments, key=lambda a: a.id or 0):
        if not numbers.get(assignment.agency_code):
            numbers[assignment.agency_code] = assignment.case_number or ""
    return dict(sorted(numbers.items()))


def set_case_numbers(actor, visit_id: str, numbers: dict[str, str]) -> Visit:
    """Set participating agencies' own case numbers (agency code → number; coordinators),
    on every assignment of that agency, while the visit is not closed. Audited."""
    if not actor.is_coordinator:
        raise Forbidden("Only coordinators change the plan of a visit.")
    visit = get_visit(actor.user, visit_id)
    require_open(visit)
    before = visit_snapshot(visit)
    for assignment in visit.assignments:
        if assignment.agency_code in numbers:
            assignment.case_number = numbers[assignment.agency_code].strip()
    after = visit_snapshot(visit)
    if after == before:
        return visit
    _touch(visit)
    db.session.flush()
    _audit_update(actor, visit, before)
    return visit


def _audit_update(actor, visit: Visit, before: dict) -> None:
    """Audit a change of a visit's plan: its snapshot `before` and now."""
    after = visit_snapshot(visit)
    audit.record(actor, "update", "visit", visit.id, before=before, after=after, visit_id=visit.id)


def _touch(visit: Visit) -> None:
    visit.version += 1
    visit.updated_at = utcnow()
    record_change("visit", visit.id, visit_id=visit.id)


def _check_times(start: dt.datetime, end: dt.datetime) -> None:
    if end <= start:
        raise Invalid("The visit must end after it starts.", {"planned_end": ["Before start."]})


def current_checklists(agency_code: str) -> list[int]:
    """The ids of an agency's current checklists: the newest published version of each of
    its templates (none when it has no published template)."""
    newest: dict[int, int] = {}
    for version in checklists.plannable_versions(agency_code):  # ascending version order
        newest[version.template_id] = version.id
    return list(newest.values())


def _assignments(participants: list[dict]) -> list[Assignment]:
    """Assignments for [{user_id, template_version_ids}], checking users and versions. A
    participant without template_version_ids gets their agency's current checklists."""
    assignments, errors = [], {}
    current: dict[str, list[int]] = {}
    for index, participant in enumerate(participants):
        user = db.session.get(User, participant["user_id"])
        if (
            user is None
            or not user.active
            or user.role != Role.INSPECTOR
            or not user.agency.enabled  # a switched-off agency takes part in nothing new
        ):
            errors[f"participants[{index}].user_id"] = ["Not an active inspector."]
            continue
        version_ids = participant.get("template_version_ids")
        if not version_ids:
            if user.agency_code not in current:
                current[user.agency_code] = current_checklists(user.agency_code)
            version_ids = current[user.agency_code] or [None]
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
                    user_id=user.id,
                    agency_code=user.agency_code,
                    template_version_id=version_id,
                    case_number=(participant.get("case_number") or "").strip(),
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


def list_visits(
    user: User,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    agency_code: str | None = None,
):
    """A query for the visits the user may see, ordered by planned start: those ending at or
    after `start` and starting before `end`, and those `agency_code` takes part in."""
    query = select(Visit).where(visible_visits(user)).order_by(Visit.planned_start)
    if start:
        query = query.where(Visit.planned_end >= start)
    if end:
        query = query.where(Visit.planned_start < end)
    if agency_code:
        agency_visits = select(Assignment.visit_id).where(Assignment.agency_code == agency_code)
        query = query.where(Visit.id.in_(agency_visits))
    return query


def archived_visits(user: User):
    """A query for the visits the user may see that have left the working set, the most
    recently ended first: the closed visits a device lists online but no longer holds."""
    return select(Visit).where(left_working_set(user)).order_by(Visit.ended_at.desc(), Visit.id)


def search_visits(
    user: User,
    *,
    status: str | None = None,
    agency_code: str | None = None,
    text: str = "",
    since: dt.datetime | None = None,
):
    """A query for the visits the user may see (`list_visits`) with this status, this
    agency taking part and `text` in the business's name or the case number (any case):
    from `since` on in order of planned start, or all of them newest first."""
    query = list_visits(user, start=since, agency_code=agency_code)
    query = query.join(Business, Business.id == Visit.business_id)
    if status:
        query = query.where(Visit.status == status)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(
            or_(func.lower(Business.name).like(pattern), Visit.case_number.ilike(pattern))
        )
    if since is None:
        query = query.order_by(None).order_by(Visit.planned_start.desc())
    return query


def require_open(visit: Visit) -> None:
    """Refuse changes to a closed visit; it must be reopened first (an audited action).
    A cancelled visit takes no changes at all."""
    if visit.status == VisitStatus.CLOSED:
        raise Conflict("The visit is closed; reopen it to make changes.", code="visit_closed")
    if visit.status == VisitStatus.CANCELLED:
        raise Conflict("The visit has been cancelled.", code="visit_cancelled")


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
    _audit_update(actor, visit, before)
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
    if status == VisitStatus.CLOSED:
        visit.ended_at = utcnow()
    elif before["status"] == VisitStatus.CLOSED:
        _reopen(visit)
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


def _reopen(visit: Visit) -> None:
    """A reopened visit may change again; if it had left the working sets (archived), it
    comes back to its participants' devices with everything it holds."""
    visit.ended_at = None
    if visit.archived_at is not None:
        visit.archived_at = None
        _announce_items_again(visit.id)


def archive_ended_visits(now: dt.datetime, days: int) -> list[str]:
    """Let visits closed or cancelled more than `days` ago leave every device's working set:
    mark them archived and announce each on the feed (its participants' devices receive its
    eviction). Audited as the system's action; returns the ids of the visits archived now.
    Safe to run again: an archived visit is not archived twice."""
    cutoff = now - dt.timedelta(days=days)
    query = select(Visit).where(Visit.archived_at.is_(None), Visit.ended_at <= cutoff)
    archived = []
    for visit in db.session.scalars(query.order_by(Visit.ended_at)).all():
        visit.archived_at = now
        record_change("visit", visit.id, visit_id=visit.id)
        audit.record(
            None,
            "archive",
            "visit",
            visit.id,
            after={"archived_at": now.isoformat()},
            visit_id=visit.id,
        )
        archived.append(visit.id)
    return archived


def cancel_visit(actor, visit_id: str, note: str = "") -> Visit:
    """Call off a planned visit (coordinators). Audited.

    The visit is kept with status `cancelled`, so its case number and trail remain and the
    change reaches the participants' devices through pull like any other status change.
    """
    if not actor.is_coordinator:
        raise Forbidden("Only coordinators cancel a visit.")
    visit = get_visit(actor.user, visit_id)
    if visit.status != VisitStatus.PLANNED:
        raise Conflict(
            f"Only a planned visit can be cancelled; this one is {visit.status}.",
            code="invalid_transition",
        )
    visit.status = VisitStatus.CANCELLED
    visit.ended_at = utcnow()
    _touch(visit)
    audit.record(
        actor,
        "cancel",
        "visit",
        visit.id,
        before={"status": VisitStatus.PLANNED},
        after={"status": VisitStatus.CANCELLED, "note": note},
        visit_id=visit.id,
    )
    return visit


def set_participants(actor, visit_id: str, participants: list[dict]) -> Visit:
    """Replace the participants of a planned visit (coordinators), as `plan_visit` takes
    them. Audited.

    Unchanged assignments are kept. Inspectors taken off the visit get a tombstone on their
    next pull: the change is announced without a visit, so it passes the feed filter that
    they no longer do, and pull then finds the visit invisible to them.
    """
    if not actor.is_coordinator:
        raise Forbidden("Only coordinators change the plan of a visit.")
    visit = get_visit(actor.user, visit_id)
    if visit.status != VisitStatus.PLANNED:
        raise Conflict("Participants change only while the visit is planned.", code="visit_started")
    before = visit_snapshot(visit)
    wanted = {(a.user_id, a.template_version_id): a for a in _assignments(participants)}
    current = {(a.user_id, a.template_version_id): a for a in visit.assignments}
    for key, assignment in current.items():
        if key not in wanted:
            visit.assignments.remove(assignment)
            db.session.delete(assignment)
    db.session.flush()  # deletes first: the unique constraint may see a key come back
    for key, assignment in wanted.items():
        if key not in current:
            visit.assignments.append(assignment)
    removed_users = {user for user, _ in current} - {user for user, _ in wanted}
    added_users = {user for user, _ in wanted} - {user for user, _ in current}
    _touch(visit)
    if removed_users:
        record_change("visit", visit.id, visit_id=None)
    if added_users:
        _announce_items_again(visit.id)
    db.session.flush()
    _audit_update(actor, visit, before)
    return visit


def update_plan(actor, visit_id: str, *, participants: list[dict], **fields) -> Visit:
    """Change a visit's plan as the planning form gives it (coordinators): the planning
    fields (`update_visit`); the participants (`set_participants`) only while the visit is
    planned, afterwards they stay as they are; and each agency's case number, as given for
    its inspectors among `participants` (`set_case_numbers`). Audited."""
    visit = update_visit(actor, visit_id, **fields)
    if visit.status == VisitStatus.PLANNED:
        set_participants(actor, visit.id, participants)
    by_user = {p["user_id"]: p.get("case_number") or "" for p in participants}
    numbers = {}
    for assignment in visit.assignments:
        if assignment.user_id in by_user:
            numbers[assignment.agency_code] = by_user[assignment.user_id]
    set_case_numbers(actor, visit.id, numbers)
    return visit


def _announce_items_again(visit_id: str) -> None:
    """Put every item the visit already has on the feed again, as it was last announced.

    A newly assigned inspector's device has usually pulled past those entries while the
    visit was invisible to it; a new entry after its cursor brings each item it may now see.
    Other devices receive the items' current state once more, which changes nothing for them.
    """
    latest = (
        select(func.max(Change.id))
        .where(Change.visit_id == visit_id, Change.entity != "visit")
        .group_by(Change.entity, Change.entity_id)
    )
    for change in db.session.scalars(
        select(Change).where(Change.id.in_(latest)).order_by(Change.id)
    ):
        record_change(
            change.entity,
            change.entity_id,
            visit_id=visit_id,
            agency_code=change.agency_code,
            visibility=change.visibility,
        )


def double_bookings(user: User, visit_ids: list[str]) -> set[tuple[str, int]]:
    """The (visit, inspector) pairs among `visit_ids` where the inspector is also on another
    visit the user may see that overlaps it in time. Cancelled visits do not count."""
    if not visit_ids:
        return set()
    other_assignment, other_visit = aliased(Assignment), aliased(Visit)
    query = (
        select(Assignment.visit_id, Assignment.user_id)
        .join(Visit, Visit.id == Assignment.visit_id)
        .join(other_assignment, other_assignment.user_id == Assignment.user_id)
        .join(other_visit, other_visit.id == other_assignment.visit_id)
        .where(
            Assignment.visit_id.in_(visit_ids),
            other_visit.id != Visit.id,
            Visit.status != VisitStatus.CANCELLED,
            other_visit.status != VisitStatus.CANCELLED,
            other_visit.planned_start < Visit.planned_end,
            other_visit.planned_end > Visit.planned_start,
            other_visit.id.in_(select(Visit.id).where(visible_visits(user)).correlate(None)),
        )
        .distinct()
    )
    return {(visit_id, user_id) for visit_id, user_id in db.session.execute(query)}


RECENT_VISIT_DAYS = 30


@dataclasses.dataclass(frozen=True)
class PlanningWarning:
    """Something the planner should know; it never stops the plan.

    `kind` is `inspector_booked` (with the user and their other visit) or `recent_visit`
    (the business's other visit within RECENT_VISIT_DAYS).
    """

    kind: str
    visit: Visit
    user: User | None = None


def planning_warnings(
    *,
    business_id: int,
    planned_start: dt.datetime,
    planned_end: dt.datetime,
    user_ids: list[int],
    exclude_visit_id: str | None = None,
) -> list[PlanningWarning]:
    """Warnings for a planned time: participants already booked on a visit that overlaps
    it, and other visits to the business within RECENT_VISIT_DAYS of its start. Cancelled
    visits do not count."""
    others = Visit.status != VisitStatus.CANCELLED
    if exclude_visit_id:
        others = and_(others, Visit.id != exclude_visit_id)
    warnings = []
    booked = (
        select(Assignment.user_id, Visit)
        .join(Visit, Visit.id == Assignment.visit_id)
        .where(
            others,
            Assignment.user_id.in_(user_ids or [-1]),
            Visit.planned_start < planned_end,
            Visit.planned_end > planned_start,
        )
        .order_by(Visit.planned_start)
    )
    seen = set()
    for user_id, visit in db.session.execute(booked):
        if (user_id, visit.id) not in seen:  # one row per pinned version
            seen.add((user_id, visit.id))
            warnings.append(
                PlanningWarning("inspector_booked", visit, db.session.get(User, user_id))
            )
    window = dt.timedelta(days=RECENT_VISIT_DAYS)
    recent = (
        select(Visit)
        .where(
            others,
            Visit.business_id == business_id,
            Visit.planned_start > planned_start - window,
            Visit.planned_start < planned_start + window,
        )
        .order_by(Visit.planned_start)
        .limit(5)
    )
    warnings.extend(PlanningWarning("recent_visit", visit) for visit in db.session.scalars(recent))
    return warnings
