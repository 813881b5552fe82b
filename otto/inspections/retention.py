"""Data retention: photos and personal details of closed visits are removed once the visit
is older than `RETENTION_YEARS`, leaving an audited record of what was removed.

What goes: every photo link of the visit and each photo (row and files) that no newer visit
still uses; the images of signatures, and the signers' names (replaced by "[borttaget]"),
also inside the audit trail's signature events; the coordinator's briefing (it names
people). What stays: the visit, answers, findings, follow-ups and the rest of the audit
trail: they are the authority's record of the inspection (and belong to the municipality's
records plan, not to this job). A visit's age is its planned end; only closed visits count.
"""

import datetime as dt

from sqlalchemy import select

from otto import audit
from otto.audit import AuditEvent
from otto.extensions import db
from otto.inspections.models import Photo, PhotoLink, Signature, Visit, VisitStatus

REMOVED = "[borttaget]"


def cutoff(now: dt.datetime, years: int) -> dt.datetime:
    """`years` calendar years before `now` (29 February becomes 28 February)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def expired_visits(before: dt.datetime) -> list[str]:
    """The ids of closed visits that ended before `before`, oldest first."""
    query = select(Visit.id).where(Visit.status == VisitStatus.CLOSED, Visit.planned_end < before)
    return list(db.session.scalars(query.order_by(Visit.planned_end)))


def _still_used(shas: set[str], visit_id: str) -> set[str]:
    """The photos among `shas` that another visit links or signs with."""
    if not shas:
        return set()
    linked = select(PhotoLink.photo_sha256).where(
        PhotoLink.photo_sha256.in_(shas), PhotoLink.visit_id != visit_id
    )
    signed = select(Signature.image_sha256).where(
        Signature.image_sha256.in_(shas), Signature.visit_id != visit_id
    )
    return set(db.session.scalars(linked)) | set(db.session.scalars(signed))


def _redact_signature_events(visit_id: str) -> int:
    """Replace signer names in the audit trail's signature events of the visit."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.visit_id == visit_id, AuditEvent.entity == "signature")
    )
    redacted = 0
    for event in events:
        for side in ("before", "after"):
            values = getattr(event, side)
            if isinstance(values, dict) and values.get("signer_name") not in (None, REMOVED):
                setattr(event, side, values | {"signer_name": REMOVED})
                redacted += 1
    return redacted


def strip_visit(visit_id: str, *, years: int) -> list[str] | None:
    """Remove the photos and personal details of one expired visit, audited as the system
    with counts and photo hashes (never the removed data itself). Returns the SHA-256 of
    the photos whose files must now be deleted from storage, or None (and no audit event)
    when there is nothing left to remove."""
    visit = db.session.get(Visit, visit_id)
    links = list(db.session.scalars(select(PhotoLink).where(PhotoLink.visit_id == visit_id)))
    signatures = list(db.session.scalars(select(Signature).where(Signature.visit_id == visit_id)))
    named = [s for s in signatures if s.signer_name != REMOVED or s.image_sha256]
    shas = {link.photo_sha256 for link in links} | {s.image_sha256 for s in named}
    shas.discard("")
    orphaned = shas - _still_used(shas, visit_id)
    photos = list(db.session.scalars(select(Photo).where(Photo.sha256.in_(orphaned))))
    briefing = bool(visit.briefing) and visit.briefing != REMOVED
    redacted = _redact_signature_events(visit_id)
    if not (links or named or photos or briefing or redacted):
        return None
    for link in links:
        db.session.delete(link)
    for photo in photos:
        db.session.delete(photo)
    for signature in named:
        signature.signer_name, signature.image_sha256 = REMOVED, ""
    if briefing:
        visit.briefing = REMOVED
    db.session.flush()
    audit.record(
        None,
        "retention",
        "visit",
        visit_id,
        after={
            "retention_years": years,
            "visit_ended": visit.planned_end,
            "photo_links_removed": len(links),
            "photos_removed": sorted(orphaned),
            "signatures_anonymised": len(named),
            "briefing_removed": briefing,
            "audit_events_redacted": redacted,
        },
        visit_id=visit_id,
    )
    return sorted(orphaned)
