"""The business representative's signature on a visit."""

import datetime as dt

from sqlalchemy import select

from otto import audit
from otto.changes.feed import record_change
from otto.errors import Conflict, Forbidden, Invalid
from otto.extensions import db
from otto.inspections.models import Photo, Signature
from otto.inspections.visibility import claim_photo, is_participant
from otto.inspections.visits import get_visit, require_open


def add_signature(
    actor,
    *,
    visit_id: str,
    signer_name: str,
    image_sha256: str,
    signed_at: dt.datetime,
    signer_role: str = "",
    signature_id: str | None = None,
) -> Signature:
    """Store a signature (its image is a content-addressed photo). Audited.

    A signature is never edited: signing again adds a new one.
    """
    visit = get_visit(actor.user, visit_id)
    require_open(visit)
    if not actor.is_coordinator and not is_participant(actor.user, visit.id):
        raise Forbidden("Only participants of the visit collect signatures.")
    if not signer_name.strip():
        raise Invalid("The signer's name is missing.", {"signer_name": ["Must not be empty."]})
    if signature_id and db.session.get(Signature, signature_id) is not None:
        raise Conflict(f"A signature with id {signature_id} exists already.", code="duplicate_id")
    if db.session.get(Photo, image_sha256) is not None and not claim_photo(
        actor.user, image_sha256
    ):
        # A signature image is captured on the device; bytes the server has from someone
        # else are never the signer's (the possession rule, otto.inspections.visibility).
        raise Invalid(
            "The signature image is not yours.",
            {"image_sha256": ["Upload the signature's own image."]},
            code="photo_not_held",
        )
    signature = Signature(
        visit_id=visit.id,
        agency_code=actor.user.agency_code,
        signer_name=signer_name.strip(),
        signer_role=signer_role.strip(),
        image_sha256=image_sha256,
        signed_at=signed_at,
        created_by_id=actor.user.id,
        device_id=actor.device_id,
    )
    if signature_id:
        signature.id = signature_id
    db.session.add(signature)
    db.session.flush()
    record_change("signature", signature.id, visit_id=visit.id, agency_code=signature.agency_code)
    audit.record(
        actor,
        "create",
        "signature",
        signature.id,
        after={"signer_name": signature.signer_name, "signer_role": signature.signer_role},
        visit_id=visit.id,
    )
    return signature


def list_signatures(user, visit_id: str) -> list[Signature]:
    """The signatures of a visit the user may open."""
    visit = get_visit(user, visit_id)
    query = select(Signature).where(Signature.visit_id == visit.id).order_by(Signature.signed_at)
    return list(db.session.scalars(query))
