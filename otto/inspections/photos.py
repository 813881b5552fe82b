"""Photos: content-addressed evidence bytes, their derived copies, and their links to the dossier.

An upload is named by the SHA-256 of its bytes and kept byte for byte: it may be evidence, and
its hash is its name. From it come a report copy (long edge 1600) and a thumbnail (long edge
320): upright (EXIF orientation applied), sRGB JPEG, without any metadata. The GPS position
and the time the photo was taken are read from EXIF into the database, where they stay.
The image work itself is in otto.inspections.photo_images.

A photo link attaches a photo to a visit, finding or question and carries the agency and the
visibility; who may download a photo follows from its links (`can_download`), through the
confidentiality rule in otto.inspections.visibility.
"""

import dataclasses
import hashlib
import re
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from otto import audit
from otto.changes.feed import record_change
from otto.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from otto.extensions import db
from otto.inspections import photo_images, read_log
from otto.inspections.findings import visible_finding
from otto.inspections.models import Finding, Photo, PhotoLink
from otto.inspections.photo_storage import VARIANTS, PhotoStorage
from otto.inspections.visibility import (
    claim_photo,
    get_visible,
    is_participant,
    item_announcement,
    may_download_photo,
    may_get_original,
    record_holder,
    require_own_agency,
    visible_photo_links,
)
from otto.inspections.visits import get_visit, require_open
from otto.timeutil import utcnow

SHA256_FORMAT = re.compile(r"[0-9a-f]{64}")
CHUNK_BYTES = 1024 * 1024


class PhotoTooLarge(DomainError):
    status, code = 413, "photo_too_large"


@dataclasses.dataclass(frozen=True)
class LinkedPhoto:
    """A photo link of the dossier with its photo, or None while the bytes are pending."""

    link: PhotoLink
    photo: Photo | None

    @property
    def pending(self) -> bool:
        return self.photo is None


def check_sha256(sha256: str) -> None:
    """Refuse anything but 64 lowercase hexadecimal digits (one spelling per photo)."""
    if not SHA256_FORMAT.fullmatch(sha256 or ""):
        raise Invalid(
            "A photo is named by the SHA-256 of its bytes: 64 lowercase hexadecimal digits.",
            {"sha256": ["Must be 64 lowercase hexadecimal digits."]},
            code="invalid_sha256",
        )


def photo_snapshot(photo: Photo) -> dict:
    """The audited fields of a photo."""
    fields = ("media_type", "byte_size", "width", "height", "taken_at", "location")
    return {field: getattr(photo, field) for field in fields}


def has_photo(sha256: str, storage: PhotoStorage) -> bool:
    """True when the server holds the photo: its row and every stored variant."""
    if not SHA256_FORMAT.fullmatch(sha256) or db.session.get(Photo, sha256) is None:
        return False
    return all(storage.exists(sha256, variant) for variant in VARIANTS)


def may_use_photo(user, sha256: str, storage: PhotoStorage) -> bool:
    """True when the server holds the photo and `user` may use it (link it, sign with it):
    what HEAD /api/photos/<sha256> answers."""
    return has_photo(sha256, storage) and may_download_photo(user, sha256)


def ingest_photo(
    actor,
    sha256: str,
    stream: BinaryIO,
    *,
    storage: PhotoStorage,
    max_bytes: int,
    max_pixels: int,
    declared_size: int | None = None,
) -> tuple[Photo, bool]:
    """Store an uploaded photo under its SHA-256 and return `(photo, created)`.

    The body is streamed to a scratch file while it is hashed, never held in memory whole.
    It is refused, leaving no file and no row, when it is empty, larger than `max_bytes`
    (`declared_size`, the Content-Length, lets that be said before reading), not what
    `sha256` names, not a JPEG, PNG or WebP image, truncated or corrupt (it is decoded), or
    more than `max_pixels` pixels (checked from the header before decoding). Every file is
    renamed into place atomically. Bytes the server holds already change nothing
    (`created` False), also when two uploads of one photo race. Audited.
    """
    check_sha256(sha256)
    if declared_size is not None and declared_size > max_bytes:
        raise _too_large(max_bytes)
    with storage.scratch() as scratch:
        byte_size = _receive(stream, scratch / "original", sha256, max_bytes)
        photo = db.session.get(Photo, sha256)
        if photo is not None and all(storage.exists(sha256, v) for v in VARIANTS):
            record_holder(actor.user, sha256)  # these bytes prove the uploader holds them
            return photo, False
        facts = photo_images.derive_copies(scratch, max_pixels)
        for variant in VARIANTS:
            storage.put_file(sha256, variant, scratch / variant)
    if photo is not None:  # the row was there but files were lost: they are back now
        record_holder(actor.user, sha256)
        return photo, False
    photo = Photo(sha256=sha256, byte_size=byte_size, uploaded_by_id=actor.user.id, **facts)
    try:
        with db.session.begin_nested():
            db.session.add(photo)
    except IntegrityError:
        # A concurrent upload of the same bytes committed first; its row is as good as ours.
        record_holder(actor.user, sha256)
        return db.session.get(Photo, sha256), False
    record_holder(actor.user, sha256)
    audit.record(actor, "create", "photo", sha256, after=photo_snapshot(photo))
    return photo, True


def _too_large(max_bytes: int) -> PhotoTooLarge:
    return PhotoTooLarge(f"The photo is larger than {max_bytes} bytes.", {"max_bytes": max_bytes})


def _receive(stream: BinaryIO, target: Path, sha256: str, max_bytes: int) -> int:
    """Copy the body to `target` while hashing it; stop as soon as it passes `max_bytes`."""
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := stream.read(CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        raise Invalid("The photo is empty: the request body has no bytes.", code="empty_photo")
    if digest.hexdigest() != sha256:
        raise Invalid(
            "The photo's bytes do not match the SHA-256 in the URL.",
            {"expected": sha256, "received": digest.hexdigest()},
            code="hash_mismatch",
        )
    return size


# --- links -----------------------------------------------------------------------------


def link_snapshot(link: PhotoLink) -> dict:
    """The audited fields of a photo link."""
    fields = ("photo_sha256", "finding_id", "question_id", "caption", "visibility")
    snapshot = {field: getattr(link, field) for field in fields}
    snapshot["deleted"] = link.deleted_at is not None
    return snapshot


def _changed(link: PhotoLink, before: str | None = None) -> None:
    """Announce a link (`before`: its visibility before this change)."""
    record_change("photo_link", link.id, **item_announcement(link, before))


def follow_finding_visibility(actor, finding: Finding) -> None:
    """A finding's photos share its visibility: made agency-only, its photos leave the other
    agencies' devices, pages and the joint report with it; made joint, they reach the other
    participants. Audited per photo link (called by otto.inspections.findings)."""
    links = db.session.scalars(
        select(PhotoLink)
        .where(PhotoLink.finding_id == finding.id, PhotoLink.visibility != finding.visibility)
        .order_by(PhotoLink.id)
    ).all()
    for link in links:
        before = link_snapshot(link)
        link.visibility = finding.visibility
        link.version += 1
        _changed(link, before["visibility"])
        audit.record(
            actor,
            "update",
            "photo_link",
            link.id,
            before=before,
            after=link_snapshot(link),
            visit_id=link.visit_id,
        )


def link_photo(
    actor,
    *,
    visit_id: str,
    photo_sha256: str,
    link_id: str | None = None,
    finding_id: str | None = None,
    question_id: str | None = None,
    caption: str = "",
) -> PhotoLink:
    """Attach a photo to a visit, for the actor's agency; the bytes may arrive later.

    Only participants of an open visit attach photos. A photo of a finding (which must be
    the actor's agency's, on this visit) takes the finding's visibility; any other photo the
    agency's default visibility. Audited.
    """
    visit = get_visit(actor.user, visit_id)
    require_open(visit)
    if not is_participant(actor.user, visit.id):
        raise Forbidden("Only participants of the visit attach photos.")
    check_sha256(photo_sha256)
    if link_id and db.session.get(PhotoLink, link_id) is not None:
        raise Conflict(f"A photo link with id {link_id} exists already.", code="duplicate_id")
    visibility = actor.user.agency.default_visibility
    if finding_id is not None:
        finding = visible_finding(actor.user, finding_id)
        if finding.visit_id != visit.id:
            raise Invalid(
                "The finding belongs to another visit.",
                {"finding_id": ["Not a finding of this visit."]},
            )
        if finding.agency_code != actor.user.agency_code:
            raise Forbidden("Photos are attached to your own agency's findings only.")
        if finding.deleted_at is not None:
            raise Conflict("The finding has been deleted.", code="finding_deleted")
        visibility = finding.visibility
    link = PhotoLink(
        photo_sha256=photo_sha256,
        visit_id=visit.id,
        agency_code=actor.user.agency_code,
        finding_id=finding_id,
        question_id=question_id,
        caption=caption.strip(),
        visibility=visibility,
        version=1,
        created_by_id=actor.user.id,
    )
    if link_id:
        link.id = link_id
    claim_photo(actor.user, photo_sha256)  # a link grants only what its author holds
    db.session.add(link)
    db.session.flush()
    _changed(link)
    audit.record(
        actor, "create", "photo_link", link.id, after=link_snapshot(link), visit_id=visit.id
    )
    return link


def unlink_photo(actor, link_id: str) -> PhotoLink:
    """Remove a photo from the dossier (own agency or coordinator), leaving a tombstone that
    reaches devices through pull. The photo's bytes stay: other links may use them. Audited."""
    link = get_visible(actor.user, PhotoLink, link_id)
    if link is None:
        raise NotFound(f"No photo link with id {link_id}.")
    if link.deleted_at is not None:
        raise Conflict("The photo link has been removed already.", code="photo_link_deleted")
    require_own_agency(actor, link, "remove it")
    require_open(get_visit(actor.user, link.visit_id))
    before = link_snapshot(link)
    link.deleted_at = utcnow()
    link.version += 1
    db.session.flush()
    _changed(link)
    audit.record(
        actor,
        "delete",
        "photo_link",
        link.id,
        before=before,
        after=link_snapshot(link),
        visit_id=link.visit_id,
    )
    return link


def photo_links(user, visit_id: str) -> list[LinkedPhoto]:
    """The photos of a visit that the user may see, oldest first; `pending` while the
    server has not received their bytes."""
    visit = get_visit(user, visit_id)
    query = (
        select(PhotoLink, Photo)
        .outerjoin(Photo, Photo.sha256 == PhotoLink.photo_sha256)
        .where(
            PhotoLink.visit_id == visit.id,
            PhotoLink.deleted_at.is_(None),
            visible_photo_links(user),
        )
        .order_by(PhotoLink.created_at, PhotoLink.id)
    )
    rows = [LinkedPhoto(link, photo) for link, photo in db.session.execute(query)]
    read_log.saw(user, [row.link for row in rows])
    return rows


def _visible_links(user, sha256: str) -> list[PhotoLink]:
    """The links of a photo the user may see (for the read log: whose photo they viewed)."""
    query = select(PhotoLink).where(
        PhotoLink.photo_sha256 == sha256, PhotoLink.deleted_at.is_(None), visible_photo_links(user)
    )
    return list(db.session.scalars(query))


def can_download(user, sha256: str) -> bool:
    """True when `user` may download the photo (visibility.may_download_photo)."""
    return may_download_photo(user, sha256)


def photo_file(user, sha256: str, variant: str, storage: PhotoStorage) -> tuple[BinaryIO, str, str]:
    """One variant of a photo the user may download, opened for reading (the caller closes
    it), with its media type and the variant actually served: the original only where
    `visibility.may_get_original` allows (it carries the EXIF location), else the report
    copy, which is clean.

    NotFound alike when the photo is missing and when the user may not see it, so an answer
    never reveals that another agency holds a photo.
    """
    photo = db.session.get(Photo, sha256) if SHA256_FORMAT.fullmatch(sha256) else None
    if photo is None or not can_download(user, sha256):
        raise NotFound(f"No photo {sha256}.")
    if variant == "original" and not may_get_original(user, photo):
        variant = "report"
    try:
        file = storage.open(sha256, variant)
    except FileNotFoundError:
        raise NotFound(f"No photo {sha256}.") from None
    read_log.saw(user, _visible_links(user, sha256))
    media_type = photo.media_type if variant == "original" else "image/jpeg"
    return file, media_type, variant
