"""Data retention: photos and personal details of closed visits are removed once the visit
is older than `RETENTION_YEARS`, leaving an audited record of what was removed.

The rule, in one place:
- What goes: every photo link of the visit (with its caption) and each photo (row and files)
  that no newer visit still uses; the images of signatures and the signers' names (replaced
  by "[borttaget]"); the coordinator's briefing (it names people).
- The audit trail keeps its events but forgets the same fields: in every event of the visit,
  the personal fields of PERSONAL_FIELDS are replaced by "[borttaget]" in before and after.
- Devices forget too: every removed or changed row gets a change-feed entry in the same
  transaction, so a pull sends a tombstone for a removed photo link and the anonymised
  signature and visit; a device that pulled them before drops the names and captions.
- What stays: the visit, answers, findings, follow-ups and the rest of the audit trail: they
  are the authority's record of the inspection (the municipality's records plan decides
  their end, not this job).
- Issued reports (archived PDF/A, otto.reports) stay as issued: each is a public record
  (allmän handling) that the business received, kept under the archive rules (arkivlagen and
  the records plan), never altered after issue. Retention does not reopen the visit, so no
  new report version is issued for it (a new version needs a reopen).
A visit's age is its planned end; only closed visits count.
"""

import datetime as dt

from sqlalchemy import or_, select

from otto import audit
from otto.audit import AuditEvent
from otto.changes import feed
from otto.extensions import db
from otto.inspections.models import Photo, PhotoLink, Signature, Visit, VisitStatus

REMOVED = "[borttaget]"
# The fields of audit snapshots, by entity, that name or show people.
PERSONAL_FIELDS = {
    "visit": ("briefing",),
    "signature": ("signer_name",),
    "photo_link": ("caption",),
}


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


def _redact_audit_trail(visit_id: str) -> int:
    """Replace the personal fields (PERSONAL_FIELDS) in the audit events of the visit;
    returns how many snapshots changed."""
    events = db.session.scalars(
        select(AuditEvent).where(
            or_(
                AuditEvent.visit_id == visit_id,
                (AuditEvent.entity == "visit") & (AuditEvent.entity_id == visit_id),
            ),
            AuditEvent.entity.in_(PERSONAL_FIELDS),
        )
    )
    redacted = 0
    for event in events:
        personal = PERSONAL_FIELDS[event.entity]
        for side in ("before", "after"):
            values = getattr(event, side)
            if not isinstance(values, dict):
                continue
            named = {f: REMOVED for f in personal if values.get(f) not in (None, "", REMOVED)}
            if named:
                setattr(event, side, values | named)
                redacted += 1
    return redacted


def _tell_devices(visit: Visit, links: list[PhotoLink], signatures: list[Signature]) -> None:
    """Feed entries for every row retention removed or changed: a pull then sends removed
    links as tombstones and the anonymised signatures and visit as they are now."""
    for link in links:
        feed.record_change(
            "photo_link",
            link.id,
            visit_id=visit.id,
            agency_code=link.agency_code,
            visibility=link.visibility,
        )
    for signature in signatures:
        feed.record_change(
            "signature", signature.id, visit_id=visit.id, agency_code=signature.agency_code
        )
    feed.record_change("visit", visit.id, visit_id=visit.id)


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
    redacted = _redact_audit_trail(visit_id)
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
    _tell_devices(visit, links, named)
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
