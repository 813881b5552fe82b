"""The dossier: businesses, visits and everything inspectors record during a visit.

Client-creatable rows (visits, findings, photo links, signatures) have UUID keys so a tablet
can create them offline. Rows that sync carry a `version` that increases on every change.
"""

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from otto import limits
from otto.accounts.models import Agency, User
from otto.checklists.models import TemplateVersion
from otto.dbtypes import UUID, UTCDateTime, new_uuid
from otto.extensions import db
from otto.timeutil import utcnow


class VisitStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CLOSED = "closed"
    # A planned visit called off by the coordinator; kept (with its case number and audit
    # trail) rather than deleted, and sent to devices like any change of status.
    CANCELLED = "cancelled"


class VisitReason(enum.StrEnum):
    PLANNED = "planned"
    EVENT = "event"
    FOLLOW_UP = "follow_up"


class Severity(enum.StrEnum):
    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class Visibility(enum.StrEnum):
    JOINT = "joint"
    AGENCY = "agency"


class FindingStatus(enum.StrEnum):
    OPEN = "open"
    CORRECTED = "corrected"
    CLOSED = "closed"


class FollowUpKind(enum.StrEnum):
    DOCUMENT = "document"
    REVISIT = "revisit"


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    RECEIVED = "received"
    APPROVED = "approved"
    CLOSED = "closed"


class Delivery(enum.StrEnum):
    """A mail's send record: claimed (committed before sending), then sent or failed, or
    retry when the SMTP server could not be reached (the mail certainly did not leave)."""

    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"


class Business(db.Model):
    __tablename__ = "business"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(limits.NAME), index=True)
    # Not unique: one company (organisationsnummer) may run several premises.
    org_number: Mapped[str] = mapped_column(String(11), index=True)
    address: Mapped[str] = mapped_column(String(limits.NAME))
    postal_code: Mapped[str] = mapped_column(String(limits.POSTAL_CODE), default="")
    city: Mapped[str] = mapped_column(String(limits.CITY), default="")
    category: Mapped[str] = mapped_column(String(40), index=True)
    phone: Mapped[str] = mapped_column(String(limits.PHONE), default="")
    email: Mapped[str] = mapped_column(String(limits.EMAIL), default="")
    notes: Mapped[str] = mapped_column(String(limits.FREE_TEXT), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Signal(db.Model):
    """A tip or signal about a business (from a partner, the police, a situation-picture
    mail): what made someone think it is worth a visit. Shared as `visibility` says: an
    `agency` signal stays with `agency_code` (and the coordinators)."""

    __tablename__ = "signal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    source: Mapped[str] = mapped_column(String(limits.PERSON_NAME))
    received_on: Mapped[dt.date] = mapped_column(Date, index=True)
    text: Mapped[str] = mapped_column(String(limits.SIGNAL_TEXT), default="")
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("agency.code"))
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.JOINT)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    business: Mapped[Business] = relationship()


class Visit(db.Model):
    """One joint visit: the dossier that every participant's work merges into."""

    __tablename__ = "visit"

    id: Mapped[str] = mapped_column(UUID, primary_key=True, default=new_uuid)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    planned_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    planned_end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=VisitStatus.PLANNED)
    case_number: Mapped[str] = mapped_column(String(limits.CASE_NUMBER), default="")  # diarienummer
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    announced: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(12), default=VisitReason.PLANNED)
    follows_up_visit_id: Mapped[str | None] = mapped_column(ForeignKey("visit.id"))
    briefing: Mapped[str] = mapped_column(String(limits.FREE_TEXT), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the visit was closed or cancelled (None while it may still change), and when it
    # left every device's working set, WORKING_SET_DAYS later (see otto.inspections.tasks).
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)

    business: Mapped[Business] = relationship()
    assignments: Mapped[list["Assignment"]] = relationship(back_populates="visit")


class Assignment(db.Model):
    """Who takes part in a visit, for which agency, with which pinned checklist version."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("visit_id", "user_id", "template_version_id"),
        # A user's visits, without reading the visit rows (the working set starts here).
        Index("ix_assignment_user_id_visit_id", "user_id", "visit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"))
    template_version_id: Mapped[int | None] = mapped_column(ForeignKey("template_version.id"))
    # This agency's own case number (diarienummer) for the visit, printed in its report.
    case_number: Mapped[str] = mapped_column(String(limits.CASE_NUMBER), default="")

    visit: Mapped[Visit] = relationship(back_populates="assignments")
    # `User.assignments` (read-only): otto.accounts asks whether a user has been on visits
    # through it, without importing this package (accounts is the layer below).
    user: Mapped[User] = relationship(backref=backref("assignments", viewonly=True))
    template_version: Mapped[TemplateVersion | None] = relationship()
    agency: Mapped[Agency] = relationship(viewonly=True)


class Answer(db.Model):
    """One answer to one question: the unit of sync and of conflict."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("visit_id", "template_version_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"))
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_version.id"))
    question_id: Mapped[str] = mapped_column(String(limits.QUESTION_ID))
    value: Mapped[Any] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(limits.FREE_TEXT), default="")
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.JOINT)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    device_id: Mapped[str | None] = mapped_column(UUID)
    # Per field: the row version, mutation, user, device and time of its last change
    # (see otto.changes.merge): what per-field conflict detection compares against.
    field_meta: Mapped[Any] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Finding(db.Model):
    """A deviation (avvikelse) recorded by one agency; deleting leaves a tombstone."""

    __tablename__ = "finding"

    id: Mapped[str] = mapped_column(UUID, primary_key=True, default=new_uuid)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"))
    question_id: Mapped[str | None] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(10))
    legal_ref: Mapped[str] = mapped_column(String(limits.LEGAL_REF), default="")
    description: Mapped[str] = mapped_column(String(limits.FREE_TEXT))
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.JOINT)
    # An internal note: shared as `visibility` says, never in a report to the business.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_up_due: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=FindingStatus.OPEN)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    device_id: Mapped[str | None] = mapped_column(UUID)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    field_meta: Mapped[Any] = mapped_column(JSON, default=dict)

    @property
    def deleted(self) -> bool:
        """Deletion as a field, so delete-versus-edit is merged like any other field."""
        return self.deleted_at is not None

    @deleted.setter
    def deleted(self, value: bool) -> None:
        if value and self.deleted_at is None:
            self.deleted_at = utcnow()
        elif not value:
            self.deleted_at = None


class Photo(db.Model):
    """Photo bytes are content-addressed; the files live in photo storage."""

    __tablename__ = "photo"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(40))
    byte_size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # GPS position from EXIF: kept as evidence, stripped from derived copies.
    location: Mapped[Any | None] = mapped_column(JSON)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class PhotoHolder(db.Model):
    """A user who uploaded a photo's bytes, and so holds them (the possession rule of
    otto.inspections.visibility: a photo is usable by who holds it or may download it)."""

    __tablename__ = "photo_holder"
    __table_args__ = (UniqueConstraint("photo_sha256", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key, as for links: the bytes held are named by their hash, and a photo
    # row removed by retention leaves who held those bytes on record.
    photo_sha256: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))


class PhotoLink(db.Model):
    """A photo attached to a finding or an answer; may arrive before the photo's bytes."""

    __tablename__ = "photo_link"

    id: Mapped[str] = mapped_column(UUID, primary_key=True, default=new_uuid)
    photo_sha256: Mapped[str] = mapped_column(String(64), index=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"))
    finding_id: Mapped[str | None] = mapped_column(ForeignKey("finding.id"))
    question_id: Mapped[str | None] = mapped_column(String(80))
    caption: Mapped[str] = mapped_column(String(limits.FREE_TEXT), default="")
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.JOINT)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SitePerson(db.Model):
    """A person met working at the site of a visit, recorded by one agency's inspector.

    The identity number is stored only encrypted (`number_token`, Fernet) with a keyed hash
    (`number_hash`, HMAC-SHA256) that recognises the same person on this and other visits
    without decrypting; see otto.inspections.persons. Under `visibility` (default agency)
    the recording agency and coordinators see the person; other participants see only that
    a person was recorded, with the stated role (visibility.person_view)."""

    __tablename__ = "site_person"
    __table_args__ = (UniqueConstraint("visit_id", "number_hash"),)

    id: Mapped[str] = mapped_column(UUID, primary_key=True, default=new_uuid)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"))
    name: Mapped[str] = mapped_column(String(limits.PERSON_NAME))
    id_kind: Mapped[str] = mapped_column(String(20))  # personnummer | samordningsnummer | missing
    number_token: Mapped[str | None] = mapped_column(Text)
    number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    missing_reason: Mapped[str] = mapped_column(String(limits.REASON), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    role: Mapped[str] = mapped_column(String(limits.PERSON_NAME), default="")
    employer_name: Mapped[str] = mapped_column(String(limits.NAME), default="")
    employer_org_number: Mapped[str] = mapped_column(String(11), default="")
    id_document: Mapped[str] = mapped_column(String(30), default="")
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.AGENCY)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    device_id: Mapped[str | None] = mapped_column(UUID)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    field_meta: Mapped[Any] = mapped_column(JSON, default=dict)


class PersonObservation(db.Model):
    """One agency's own observations on a person at the site: in the staff ledger
    (personalliggaren), right to work in Sweden, free text. One row per person and agency,
    merged per field like findings, under that agency's visibility."""

    __tablename__ = "person_observation"
    __table_args__ = (UniqueConstraint("person_id", "agency_code"),)

    id: Mapped[str] = mapped_column(UUID, primary_key=True, default=new_uuid)
    person_id: Mapped[str] = mapped_column(ForeignKey("site_person.id"), index=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"))
    in_ledger: Mapped[str | None] = mapped_column(String(15))  # yes | no | not_checked
    right_to_work: Mapped[str | None] = mapped_column(String(15))  # yes | no | na
    note: Mapped[str] = mapped_column(String(limits.FREE_TEXT), default="")
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.AGENCY)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    device_id: Mapped[str | None] = mapped_column(UUID)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    field_meta: Mapped[Any] = mapped_column(JSON, default=dict)


class PersonTally(db.Model):
    """What remains of a visit's persons after retention removed them: the counts the
    statistics need (persons checked, missing from the ledger, without right to work)."""

    __tablename__ = "person_tally"

    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), primary_key=True)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    not_in_ledger: Mapped[int] = mapped_column(Integer, default=0)
    no_right_to_work: Mapped[int] = mapped_column(Integer, default=0)
    removed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Signature(db.Model):
    """The business representative's signature on a visit."""

    __tablename__ = "signature"

    id: Mapped[str] = mapped_column(UUID, primary_key=True, default=new_uuid)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("agency.code"))
    signer_name: Mapped[str] = mapped_column(String(limits.PERSON_NAME))
    signer_role: Mapped[str] = mapped_column(String(limits.PERSON_NAME), default="")
    image_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    device_id: Mapped[str | None] = mapped_column(UUID)


class FollowUp(db.Model):
    """What must happen after a finding: documents from the business or a re-visit."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    finding_id: Mapped[str | None] = mapped_column(ForeignKey("finding.id"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"))
    kind: Mapped[str] = mapped_column(String(10))
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default=FollowUpStatus.OPEN)
    note: Mapped[str] = mapped_column(String(limits.FREE_TEXT), default="")
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    # Created by the deadline rules: its kind and due date follow the finding while open.
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the mark-overdue job noticed the deadline had passed while open (a record; whether
    # a follow-up is late comes from its due date, deadlines.is_late); cleared when the due
    # date moves. Status stays the workflow (open → received → approved → closed).
    overdue_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    visit: Mapped[Visit] = relationship()
    finding: Mapped[Finding | None] = relationship()


class _SendRecord:
    """One e-mail that must go out at most once: the row is inserted and committed (the
    unique key makes a second scheduler's insert a no-op) before the mail is sent."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default=Delivery.CLAIMED)
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(Text, default="")
    # Sending attempts so far, and when a mail in `retry` is tried next (see otto.mail).
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)


class ReminderSent(_SendRecord, db.Model):
    """A follow-up reminder of one kind, for one deadline, to one person."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("follow_up_id", "kind", "due_date", "recipient_id"),)

    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_up.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    # The deadline reminded of: a moved deadline gets reminders of its own.
    due_date: Mapped[dt.date] = mapped_column(Date)


class DigestSent(_SendRecord, db.Model):
    """The weekly digest of one week (its local date) to one coordinator."""

    __tablename__ = "digest_sent"
    __table_args__ = (UniqueConstraint("week_of", "recipient_id"),)

    week_of: Mapped[dt.date] = mapped_column(Date)
