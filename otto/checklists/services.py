"""Checklist templates: drafts, publishing, retiring, listing, export and import of versions.

A published version is frozen: any later change is a new version. Visits pin versions; a
retired version is offered for no new plan but stays readable for the visits that pinned it.
Every write is audited as a "template_version" event in the writing transaction.
"""

import copy
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import IO

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from otto import audit, limits
from otto.accounts.agencies import agency_names, known_agency
from otto.changes.feed import record_change
from otto.checklists import xlsform
from otto.checklists.models import Template, TemplateVersion, VersionStatus
from otto.checklists.template_format import TemplateInvalid, validate_template
from otto.errors import Conflict, Invalid, NotFound
from otto.extensions import db
from otto.timeutil import utcnow


@dataclass(frozen=True)
class TemplateListing:
    """A template with those of its versions that matched a listing's filter, oldest first."""

    template: Template
    versions: list[TemplateVersion]


def validated_body(body: dict) -> dict:
    """Validate a template body, raising Invalid with path-named errors."""
    try:
        cleaned = validate_template(body)
    except TemplateInvalid as error:
        raise Invalid("The template is not valid.", error.errors, code="invalid_template") from None
    try:
        known_agency(cleaned["agency"])
    except ValidationError as error:
        raise Invalid(
            "The template is not valid.", {"agency": error.messages}, code="invalid_template"
        ) from None
    return cleaned


def get_version(version_id: int) -> TemplateVersion:
    """Return a template version (whatever its status) or raise NotFound naming the id."""
    version = db.session.get(TemplateVersion, version_id)
    if version is None:
        raise NotFound(f"No template version with id {version_id}.", code="unknown_template")
    return version


def get_template(template_id: int) -> Template:
    """Return a template or raise NotFound naming the id."""
    template = db.session.get(Template, template_id)
    if template is None:
        raise NotFound(f"No template with id {template_id}.", code="unknown_template")
    return template


def version_snapshot(version: TemplateVersion) -> dict:
    """The audited fields of a template version."""
    return {
        "template": version.template.key,
        "version": version.version,
        "status": version.status,
        "body": version.body,
    }


def list_templates(agency: str | None = None, status: str | None = None) -> list[TemplateListing]:
    """Templates by agency and key, each with its versions; filters narrow both.

    With `status`, only versions in that status are listed, and templates without one are
    left out.
    """
    query = (
        select(TemplateVersion)
        .join(TemplateVersion.template)
        .options(contains_eager(TemplateVersion.template))
        .order_by(Template.agency_code, Template.key, TemplateVersion.version)
    )
    if agency:
        query = query.where(Template.agency_code == agency)
    if status:
        query = query.where(TemplateVersion.status == status)
    versions = db.session.scalars(query).all()
    return [
        TemplateListing(template, list(group))
        for template, group in itertools.groupby(versions, key=lambda v: v.template)
    ]


# A new visit may pin only published versions (not drafts, not retired ones).
PLANNABLE = VersionStatus.PUBLISHED


def plannable_versions(agency: str | None = None) -> list[TemplateVersion]:
    """The versions a new visit may pin."""
    query = (
        select(TemplateVersion)
        .join(TemplateVersion.template)
        .where(TemplateVersion.status == PLANNABLE)
        .order_by(Template.agency_code, Template.key, TemplateVersion.version)
    )
    if agency:
        query = query.where(Template.agency_code == agency)
    return list(db.session.scalars(query))


def _check_identity(template: Template, body: dict) -> None:
    """A template's key and agency never change; a body must keep them."""
    errors = {}
    if body["key"] != template.key:
        errors["key"] = [f"Must stay '{template.key}'."]
    if body["agency"] != template.agency_code:
        errors["agency"] = [f"Must stay '{template.agency_code}'."]
    if errors:
        raise Invalid("A template keeps its key and agency.", errors, code="invalid_template")


def _require_status(version: TemplateVersion, status: str, action: str, code: str) -> None:
    """Raise Conflict (with `code`) unless the version is in `status`."""
    if version.status != status:
        raise Conflict(
            f"Version {version.version} of '{version.template.key}' is {version.status}; "
            f"only a {status} version can be {action}.",
            {"status": version.status},
            code=code,
        )


def create_draft(actor, body: dict, action: str = "create") -> TemplateVersion:
    """Store a validated body as a new draft version of its template (created if new).

    The draft gets the next version number; several drafts of one template may exist.
    Audited as `action` ("create", or "import" for imported files).
    """
    body = validated_body(body)
    template = db.session.scalar(select(Template).where(Template.key == body["key"]))
    if template is None:
        template = Template(key=body["key"], agency_code=body["agency"], title=body["title"])
        db.session.add(template)
        db.session.flush()
    _check_identity(template, body)
    latest = db.session.scalar(
        select(func.max(TemplateVersion.version)).where(TemplateVersion.template_id == template.id)
    )
    version = TemplateVersion(template=template, version=(latest or 0) + 1, body=body)
    db.session.add(version)
    db.session.flush()
    audit.record(actor, action, "template_version", version.id, after=version_snapshot(version))
    return version


def draft_errors(version_id: int, body) -> dict[str, list[str]]:
    """What `update_draft` would refuse in `body` for this version, by path ({} when it would
    take it); nothing is written. The editor checks a body with this as it is written."""
    version = get_version(version_id)
    try:
        _check_identity(version.template, validated_body(body))
    except Invalid as error:
        return error.details
    return {}


# What a new template starts as: the smallest valid body, for the editor to grow.
STARTER_SECTION = {
    "id": "avsnitt-1",
    "title": "Avsnitt 1",
    "questions": [{"id": "ny-fraga", "type": "yesno", "text": "Ny fråga"}],
}


def slug(title: str) -> str:
    """A template key from a title: "Årlig kontroll – kök" → "arlig-kontroll-kok"."""
    plain = unicodedata.normalize("NFKD", title.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[: limits.KEY].strip("-")


def create_template(actor, title: str, agency: str, key: str | None = None) -> TemplateVersion:
    """Start a new template as a draft of the starter body; its key (from the title when not
    given) must be new: Invalid (code template_exists) when a template has it."""
    key = key or slug(title)
    if db.session.scalar(select(Template.id).where(Template.key == key)) is not None:
        raise Invalid(
            f"A template with key '{key}' exists.", {"key": ["Taken."]}, code="template_exists"
        )
    body = {
        "key": key,
        "agency": agency,
        "title": title,
        "sections": [copy.deepcopy(STARTER_SECTION)],
    }
    return create_draft(actor, body)


def update_draft(actor, version_id: int, body: dict) -> TemplateVersion:
    """Replace the body of a draft; a published or retired version never changes (Conflict)."""
    version = get_version(version_id)
    _require_status(version, VersionStatus.DRAFT, "changed", "not_a_draft")
    body = validated_body(body)
    _check_identity(version.template, body)
    before = version_snapshot(version)
    version.body = body
    db.session.flush()
    audit.record(
        actor,
        "update",
        "template_version",
        version.id,
        before=before,
        after=version_snapshot(version),
    )
    return version


def publish(actor, version_id: int, note: str | None = None) -> TemplateVersion:
    """Freeze a draft version; visits may pin it from now on. The template takes its title.

    `note` says what changed (blank is no note); a note over limits.PUBLISH_NOTE is refused
    by the length guard when the version is written. The body is validated once more (a
    draft saved under older rules, or whose agency is gone, is refused: Invalid).
    """
    version = get_version(version_id)
    _require_status(version, VersionStatus.DRAFT, "published", "not_a_draft")
    if errors := draft_errors(version.id, version.body):
        raise Invalid("The draft is not valid.", errors, code="invalid_template")
    version.status = VersionStatus.PUBLISHED
    version.published_at = utcnow()
    version.publish_note = (note or "").strip() or None
    version.template.title = version.body["title"]
    db.session.flush()
    record_change("template_version", version.id, visit_id=None)  # devices fetch it
    audit.record(
        actor,
        "publish",
        "template_version",
        version.id,
        before={"status": VersionStatus.DRAFT},
        after={
            "status": version.status,
            "published_at": version.published_at,
            "publish_note": version.publish_note,
        },
    )
    return version


def retire(actor, version_id: int) -> TemplateVersion:
    """Withdraw a published version from new plans; visits that pinned it keep reading it."""
    version = get_version(version_id)
    _require_status(version, VersionStatus.PUBLISHED, "retired", "not_published")
    version.status = VersionStatus.RETIRED
    version.retired_at = utcnow()
    db.session.flush()
    record_change("template_version", version.id, visit_id=None)
    audit.record(
        actor,
        "retire",
        "template_version",
        version.id,
        before={"status": VersionStatus.PUBLISHED},
        after={"status": version.status, "retired_at": version.retired_at},
    )
    return version


def compared_version(version: TemplateVersion) -> TemplateVersion | None:
    """What a draft is reviewed against before publishing: its template's latest published
    version (else its latest retired one, once published too); None for a first version."""
    earlier = [v for v in version.template.versions if v.version < version.version]
    for status in (VersionStatus.PUBLISHED, VersionStatus.RETIRED):
        if candidates := [v for v in earlier if v.status == status]:
            return candidates[-1]
    return None


def new_draft(actor, template_id: int) -> TemplateVersion:
    """Start the next version of a template as a draft copy of its latest version.

    Refused (Conflict) while the latest version is itself a draft: edit that one instead.
    """
    latest = get_template(template_id).versions[-1]
    if latest.status == VersionStatus.DRAFT:
        raise Conflict(
            f"Version {latest.version} is already a draft; edit it instead.",
            {"draft_id": latest.id},
            code="draft_exists",
        )
    return create_draft(actor, copy.deepcopy(latest.body))


def export_version(version_id: int) -> tuple[str, dict]:
    """A version's body as it travels between installations, with its file name."""
    version = get_version(version_id)
    return f"{version.template.key}-v{version.version}.json", copy.deepcopy(version.body)


def export_xlsform(version_id: int) -> tuple[str, bytes]:
    """A version as an XLSForm workbook (importing it gives the same body), with its name."""
    version = get_version(version_id)
    filename = f"{version.template.key}-v{version.version}.xlsx"
    return filename, xlsform.write_xlsform(version.body)


def import_json(actor, data: bytes) -> TemplateVersion:
    """Create a draft from an exported template file (UTF-8 JSON)."""
    try:
        body = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Invalid(f"The file is not UTF-8 JSON: {error}", code="malformed_json") from None
    return create_draft(actor, body, action="import")


def import_xlsform(
    actor, stream: IO[bytes], agency: str, filename: str = "", version_of: str | None = None
) -> tuple[TemplateVersion, xlsform.FormImport]:
    """Create a draft for `agency` from an XLSForm workbook; return it with the import summary.

    Identity is the caller's choice: with `version_of` (a template key of the same agency) the
    draft is that template's next version; without it, a new template whose key (from
    form_id, title or file name) is made unique. Refusals are Invalid with Swedish details
    that include the import's warnings.
    """
    imported = xlsform.read_xlsform(stream, agency, filename)
    body = imported.body
    if version_of is None:
        body["key"] = _unused_key(body["key"])
    else:
        body["key"] = _template_to_extend(version_of, agency).key
    notes = [f"Rad {w.rows[0]}: {w.message}" if w.rows else w.message
             for w in imported.summary.warnings()]  # fmt: skip
    if not body["sections"]:
        raise Invalid(
            "The form has no question OTTO can import.",
            {"file": ["Formuläret har ingen fråga som kan importeras."], "warnings": notes},
            code="invalid_xlsform",
        )
    try:
        validate_template(body)
    except TemplateInvalid as error:
        raise Invalid(
            "The imported template is not valid.",
            {**error.errors, "warnings": notes},
            code="invalid_template",
        ) from None
    return create_draft(actor, body, action="import"), imported


def _unused_key(key: str) -> str:
    """`key`, or `key-2`, `key-3`... the first no template has."""
    taken = set(db.session.scalars(select(Template.key).where(Template.key.startswith(key))))
    candidates = itertools.chain([key], (f"{key}-{n}" for n in itertools.count(2)))
    return next(candidate for candidate in candidates if candidate not in taken)


def _template_to_extend(key: str, agency: str) -> Template:
    template = db.session.scalar(select(Template).where(Template.key == key))
    if template is None:
        raise Invalid(
            f"No template with key '{key}'.",
            {"version_of": [f"Det finns ingen mall med nyckeln ”{key}”."]},
            code="unknown_template",
        )
    if template.agency_code != agency:
        names = agency_names()
        owner, chosen = names[template.agency_code], names[agency]
        raise Invalid(
            f"Template '{key}' belongs to {template.agency_code}, not {agency}.",
            {
                "version_of": [
                    f"Mallen ”{key}” tillhör {owner}, inte {chosen}. Välj {owner} eller "
                    "importera formuläret som en ny mall."
                ]
            },
            code="invalid_template",
        )
    return template


def install_template(body: dict, actor=None) -> TemplateVersion:
    """Install a library template: publish it unless an identical version already exists."""
    template = db.session.scalar(select(Template).where(Template.key == body["key"]))
    if template is not None:
        cleaned = validated_body(body)
        for version in template.versions:
            if version.body == cleaned:
                return version
    return publish(actor, create_draft(actor, body).id)


def question_index(version: TemplateVersion) -> dict[str, dict]:
    """The questions of a version by id."""
    return {
        question["id"]: question
        for section in version.body["sections"]
        for question in section["questions"]
    }
