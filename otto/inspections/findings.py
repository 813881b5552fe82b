"""Findings (avvikelser): created offline with client UUIDs, edited with versions,
deleted as tombstones that flow to devices."""

import datetime as dt

from sqlalchemy import select

from otto import audit
from otto.errors import Conflict, Forbidden, Invalid, NotFound
from otto.extensions import db
from otto.inspections.models import Finding, Severity, Visibility
from otto.inspections.visibility import get_visible, is_participant, visible_items
from otto.inspections.visits import get_visit, require_open
from otto.sync.feed import record_change
from otto.timeutil import utcnow

EDITABLE = (
    "question_id",
    "severity",
    "legal_ref",
    "description",
    "visibility",
    "follow_up_due",
    "status",
)


def finding_snapshot(finding: Finding) -> dict:
    """The audited fields of a finding."""
    snapshot = {field: getattr(finding, field) for field in EDITABLE}
    snapshot["deleted"] = finding.deleted_at is not None
    return snapshot


def _changed(finding: Finding) -> None:
    finding.version += 1
    finding.updated_at = utcnow()
    record_change(
        "finding",
        finding.id,
        visit_id=finding.visit_id,
        agency_code=finding.agency_code,
        visibility=finding.visibility,
    )


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
    actor,
    *,
    visit_id: str,
    severity: str,
    description: str,
    finding_id: str | None = None,
    question_id: str | None = None,
    legal_ref: str = "",
    visibility: str | None = None,
    follow_up_due: dt.date | None = None,
) -> Finding:
    """Record a finding for the actor's agency on a visit they take part in. Audited."""
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
        question_id=question_id,
        severity=severity,
        legal_ref=legal_ref,
        description=description.strip(),
        visibility=visibility or actor.user.agency.default_visibility,
        follow_up_due=follow_up_due,
        created_by_id=actor.user.id,
        device_id=actor.device_id,
        version=0,
    )
    if finding_id:
        finding.id = finding_id
    db.session.add(finding)
    _changed(finding)
    db.session.flush()
    audit.record(
        actor, "create", "finding", finding.id, after=finding_snapshot(finding), visit_id=visit.id
    )
    return finding


def get_finding(user, finding_id: str) -> Finding:
    """Return a finding the user may see, or raise NotFound."""
    finding = get_visible(user, Finding, finding_id)
    if finding is None:
        raise NotFound(f"No finding with id {finding_id}.")
    return finding


def _editable(actor, finding_id: str, base_version: int | None) -> Finding:
    finding = get_finding(actor.user, finding_id)
    if finding.deleted_at is not None:
        raise Conflict("The finding has been deleted.", code="finding_deleted")
    if not actor.is_coordinator and finding.agency_code != actor.user.agency_code:
        raise Forbidden("Only the finding's own agency may change it.")
    require_open(get_visit(actor.user, finding.visit_id))
    if base_version is not None and base_version != finding.version:
        raise Conflict(
            "The finding was changed by someone else.",
            {"server_version": finding.version, "server": finding_snapshot(finding)},
            code="version_conflict",
        )
    return finding


def update_finding(actor, finding_id: str, base_version: int | None = None, **fields) -> Finding:
    """Change a finding's fields (own agency or coordinator). Audited."""
    finding = _editable(actor, finding_id, base_version)
    _check_fields(fields)
    before = finding_snapshot(finding)
    for key in EDITABLE:
        if key in fields:
            setattr(finding, key, fields[key])
    _changed(finding)
    db.session.flush()
    audit.record(
        actor,
        "update",
        "finding",
        finding.id,
        before=before,
        after=finding_snapshot(finding),
        visit_id=finding.visit_id,
    )
    return finding


def delete_finding(actor, finding_id: str, base_version: int | None = None) -> Finding:
    """Delete a finding, leaving a tombstone that reaches devices through pull. Audited."""
    finding = _editable(actor, finding_id, base_version)
    before = finding_snapshot(finding)
    finding.deleted_at = utcnow()
    _changed(finding)
    db.session.flush()
    audit.record(
        actor,
        "delete",
        "finding",
        finding.id,
        before=before,
        after=finding_snapshot(finding),
        visit_id=finding.visit_id,
    )
    return finding


def list_findings(user, visit_id: str, include_deleted: bool = False) -> list[Finding]:
    """The findings of a visit that the user may see."""
    visit = get_visit(user, visit_id)
    query = select(Finding).where(Finding.visit_id == visit.id, visible_items(user, Finding))
    if not include_deleted:
        query = query.where(Finding.deleted_at.is_(None))
    return list(db.session.scalars(query.order_by(Finding.created_at)))
