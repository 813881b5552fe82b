"""An issued report: the archived PDF/A of a closed visit, kept byte for byte with its hash.

A report once issued never changes: issuing again after the visit was reopened and its
content changed adds the next version. `source_sha256` fingerprints the report's content
(not its bytes, which differ with every render) so an unchanged visit is not issued twice.
"""

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from otto.dbtypes import UTCDateTime
from otto.extensions import db
from otto.timeutil import utcnow


class Report(db.Model):
    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("visit_id", "agency_code", "version"),
        # NULLs are distinct in a unique constraint: the joint report needs its own index.
        Index(
            "uq_report_joint_version",
            "visit_id",
            "version",
            unique=True,
            sqlite_where=db.text("agency_code IS NULL"),
            postgresql_where=db.text("agency_code IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("agency.code"))  # None: joint
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    byte_size: Mapped[int] = mapped_column(Integer)
    pdf_variant: Mapped[str] = mapped_column(String(20))
    source_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
