"""Follow-ups: what must happen after a finding, and by when."""

import datetime as dt

from otto import audit
from otto.errors import Forbidden, Invalid, NotFound
from otto.extensions import db
from otto.inspections.findings import get_finding
from otto.inspections.models import FollowUp, FollowUpKind, FollowUpStatus
from otto.timeutil import utcnow


def follow_up_snapshot(follow_up: FollowUp) -> dict:
    """The audited fields of a follow-up."""
    return {
        "kind": follow_up.kind,
        "due_date": follow_up.due_date,
        "status": follow_up.status,
        "note": follow_up.note,
    }


def create_follow_up(
    actor, *, finding_id: str, kind: str, due_date: dt.date, note: str = ""
) -> FollowUp:
    """Create a follow-up for a finding (coordinator or the finding's agency). Audited."""
    finding = get_finding(actor.user, finding_id)
    if not actor.is_coordinator and finding.agency_code != actor.user.agency_code:
        raise Forbidden("Only the finding's own agency may plan its follow-up.")
    if kind not in set(FollowUpKind):
        raise Invalid("Unknown follow-up kind.", {"kind": [f"One of {', '.join(FollowUpKind)}."]})
    follow_up = FollowUp(
        visit_id=finding.visit_id,
        finding_id=finding.id,
        agency_code=finding.agency_code,
        kind=kind,
        due_date=due_date,
        note=note,
    )
    db.session.add(follow_up)
    db.session.flush()
    audit.record(
        actor,
        "create",
        "follow_up",
        follow_up.id,
        after=follow_up_snapshot(follow_up),
        visit_id=finding.visit_id,
    )
    return follow_up


def update_follow_up(actor, follow_up_id: int, **fields) -> FollowUp:
    """Change a follow-up's status, note or due date. Audited."""
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound(f"No follow-up with id {follow_up_id}.")
    get_finding(actor.user, follow_up.finding_id)  # visibility check
    if not actor.is_coordinator and follow_up.agency_code != actor.user.agency_code:
        raise Forbidden("Only the follow-up's own agency may change it.")
    if "status" in fields and fields["status"] not in set(FollowUpStatus):
        raise Invalid("Unknown status.", {"status": [f"One of {', '.join(FollowUpStatus)}."]})
    before = follow_up_snapshot(follow_up)
    for key in ("status", "note", "due_date"):
        if key in fields:
            setattr(follow_up, key, fields[key])
    follow_up.updated_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "update",
        "follow_up",
        follow_up.id,
        before=before,
        after=follow_up_snapshot(follow_up),
        visit_id=follow_up.visit_id,
    )
    return follow_up
