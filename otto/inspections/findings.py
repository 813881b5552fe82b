"""Findings (avvikelser): created offline with client UUIDs, edited with versions,
deleted as tombstones that flow to devices."""

import datetime as dt

from sqlalchemy import select

from otto import audit
from otto.changes.feed import record_change
from otto.changes.merge import MergeResult, Write
from otto.dbtypes import new_uuid
from otto.errors import Conflict, Forbidden, Invalid, NotFound
from otto.extensions import db, lock_row
from otto.inspections import read_log
from otto.inspections.conflicts import merge
from otto.inspections.followups import follow_finding
from otto.inspections.models import Finding, FindingStatus, Severity, Visibility
from otto.inspections.visibility import (
    follow_row_visibility,
    get_visible,
    is_participant,
    item_announcement,
    require_own_agency,
    visible_items,
)
from otto.inspections.visits import get_visit, require_open
from otto.timeutil import utcnow

EDITABLE = (
    "question_id",
    "severity",
    "legal_ref",
    "description",
    "visibility",
    "internal",
    "follow_up_due",
    "status",
)


def finding_snapshot(finding: Finding) -> dict:
    """The audited fields of a finding."""
    snapshot = {field: getattr(finding, field) for field in EDITABLE}
    snapshot["deleted"] = finding.deleted_at is not None
    return snapshot


def _changed(finding: Finding, before: str | None = None) -> None:
    """Stamp a finding and announce it (`before`: its visibility before this change)."""
    finding.updated_at = utcnow()
    record_change("finding", finding.id, **item_announcement(finding, before))


def _check_fields(fields: dict) -> None:
    errors = {}
    if "severity" in fields and fields["severity"] not in set(Severity):
        errors["severity"] = [f"Must be one of {', '.join(Severity)}."]
    if "visibility" in fields and fields["visibility"] not in set(Visibility):
        errors["visibility"] = [f"Must be one of {', '.join(Visibility)}."]
    if "description" in fields and not (fields["description"] or "").strip():
        errors["description"] = ["Must not be empty."]
    if errors:
        raise Invalid("The finding has invalid fields.", errors)


def create_finding(
    write: Write,
    *,
    visit_id: str,
    severity: str,
    description: str,
    finding_id: str | None = None,
    question_id: str | None = None,
    legal_ref: str = "",
    visibility: str | None = None,
    internal: bool = False,
    follow_up_due: dt.date | None = None,
) -> Finding:
    """Record a finding for the writer's agency on a visit they take part in. Audited."""
    actor = write.actor
    visit = get_visit(actor.user, visit_id)
    require_open(visit)
    if not is_participant(actor.user, visit.id):
        raise Forbidden("Only participants of the visit record findings.")
    if finding_id and db.session.get(Finding, finding_id) is not None:
        raise Conflict(f"A finding with id {finding_id} exists already.", code="duplicate_id")
    fields = {"severity": severity, "description": description}
    if visibility:
        fields["visibility"] = visibility
    _check_fields(fields)
    finding = Finding(
        visit_id=visit.id,
        agency_code=actor.user.agency_code,
        created_by_id=actor.user.id,
        device_id=actor.device_id,
        version=0,
        field_meta={},
        **{name: None for name in EDITABLE},
    )
    finding.id = finding_id or new_uuid()
    merge(
        finding,
        {
            "question_id": question_id,
            "severity": severity,
            "legal_ref": legal_ref or "",
            "description": description.strip(),
            "visibility": visibility or actor.user.agency.default_visibility,
            "internal": bool(internal),
            "follow_up_due": follow_up_due,
            "status": FindingStatus.OPEN.value,
        },
        write,
        entity="finding",
        entity_id=finding.id,
    )
    db.session.add(finding)  # complete only now: adding earlier would autoflush a partial row
    _changed(finding)
    db.session.flush()
    audit.record(
        actor,
        "create",
        "finding",
        finding.id,
        after=finding_snapshot(finding),
        visit_id=visit.id,
        client_time=write.client_time,
    )
    follow_finding(actor, finding)
    return finding


def get_finding(user, finding_id: str) -> Finding:
    """Return a finding the user may see (a read, in the read log), or raise NotFound."""
    finding = visible_finding(user, finding_id)
    read_log.saw(user, [finding])
    return finding


def visible_finding(user, finding_id: str) -> Finding:
    """A finding the user may see, or NotFound, for a write to check against (writes are in
    the audit trail, not the read log)."""
    finding = get_visible(user, Finding, finding_id)
    if finding is None:
        raise NotFound(f"No finding with id {finding_id}.")
    return finding


def _change(write: Write, finding_id: str, incoming: dict, action: str):
    """Merge field changes into a finding of the writer's agency (or as coordinator)."""
    actor = write.actor
    visible_finding(actor.user, finding_id)  # visibility first: never lock what one may not see
    finding = lock_row(select(Finding).where(Finding.id == finding_id))
    require_own_agency(actor, finding)
    require_open(get_visit(actor.user, finding.visit_id))
    if finding.deleted and "deleted" not in incoming:
        if write.strict:
            raise Conflict("The finding has been deleted.", code="finding_deleted")
        incoming = incoming | {"deleted": False}  # an offline edit of a deleted finding
    before = finding_snapshot(finding)
    result = merge(finding, incoming, write, entity="finding", entity_id=finding.id)
    if result.changed:
        _changed(finding, before["visibility"])
        db.session.flush()
        audit.record(
            actor,
            action,
            "finding",
            finding.id,
            before=before,
            after=finding_snapshot(finding),
            visit_id=finding.visit_id,
            client_time=write.client_time,
        )
        follow_finding(actor, finding)
        if finding.visibility != before["visibility"]:
            from otto.inspections import photos  # photos needs this module's visible_finding

            follow_row_visibility(finding, entity="finding", entity_id=finding.id)
            photos.follow_finding_visibility(actor, finding)
    return finding, result


def update_finding(write: Write, finding_id: str, **fields) -> tuple[Finding, MergeResult]:
    """Change a finding's fields (own agency or coordinator). Audited.

    Edits of different fields merge silently; see otto.changes.merge for conflicts.
    """
    _check_fields(fields)
    return _change(write, finding_id, {k: v for k, v in fields.items() if k in EDITABLE}, "update")


def delete_finding(write: Write, finding_id: str) -> tuple[Finding, MergeResult]:
    """Delete a finding, leaving a tombstone that reaches devices through pull. Audited."""
    return _change(write, finding_id, {"deleted": True}, "delete")


def set_finding_deleted(
    write: Write, finding_id: str, deleted: bool
) -> tuple[Finding, MergeResult]:
    """Delete or restore a finding (a coordinator resolving delete-versus-edit). Audited."""
    return _change(write, finding_id, {"deleted": deleted}, "delete" if deleted else "restore")


def list_findings(user, visit_id: str, include_deleted: bool = False) -> list[Finding]:
    """The findings of a visit that the user may see."""
    visit = get_visit(user, visit_id)
    query = select(Finding).where(Finding.visit_id == visit.id, visible_items(user, Finding))
    if not include_deleted:
        query = query.where(Finding.deleted_at.is_(None))
    rows = list(db.session.scalars(query.order_by(Finding.created_at)))
    read_log.saw(user, rows)
    return rows
