"""Checklist templates and their versions. A published version never changes."""

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otto import limits
from otto.dbtypes import UTCDateTime
from otto.extensions import db
from otto.timeutil import utcnow


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class Template(db.Model):
    __tablename__ = "template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(limits.KEY), unique=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"), index=True)
    title: Mapped[str] = mapped_column(String(limits.NAME))

    versions: Mapped[list["TemplateVersion"]] = relationship(
        back_populates="template", order_by="TemplateVersion.version"
    )


class TemplateVersion(db.Model):
    __tablename__ = "template_version"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("template.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=VersionStatus.DRAFT)
    body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # What changed in this version, as its publisher put it (the version history shows it).
    publish_note: Mapped[str | None] = mapped_column(String(limits.PUBLISH_NOTE))

    template: Mapped[Template] = relationship(back_populates="versions")
