"""Checklist templates: creating, publishing and looking up versions.

A published version is frozen: any later change is a new version. Visits pin versions.
"""

from sqlalchemy import func, select

from otto.checklists.models import Template, TemplateVersion, VersionStatus
from otto.checklists.template_format import TemplateInvalid, validate_template
from otto.errors import Conflict, Invalid, NotFound
from otto.extensions import db
from otto.timeutil import utcnow


def validated_body(body: dict) -> dict:
    """Validate a template body, raising Invalid with path-named errors."""
    try:
        return validate_template(body)
    except TemplateInvalid as error:
        raise Invalid("The template is not valid.", error.errors, code="invalid_template") from None


def get_version(version_id: int) -> TemplateVersion:
    """Return a template version or raise NotFound naming the id."""
    version = db.session.get(TemplateVersion, version_id)
    if version is None:
        raise NotFound(f"No template version with id {version_id}.", code="unknown_template")
    return version


def create_draft(body: dict) -> TemplateVersion:
    """Store a validated body as a new draft version of its template (created if new)."""
    body = validated_body(body)
    template = db.session.scalar(select(Template).where(Template.key == body["key"]))
    if template is None:
        template = Template(key=body["key"], agency_code=body["agency"], title=body["title"])
        db.session.add(template)
        db.session.flush()
    elif template.agency_code != body["agency"]:
        raise Invalid(
            "A template cannot change agency.", {"agency": [f"Must stay '{template.agency_code}'."]}
        )
    latest = db.session.scalar(
        select(func.max(TemplateVersion.version)).where(TemplateVersion.template_id == template.id)
    )
    version = TemplateVersion(template=template, version=(latest or 0) + 1, body=body)
    template.title = body["title"]
    db.session.add(version)
    db.session.flush()
    return version


def publish(version_id: int) -> TemplateVersion:
    """Freeze a draft version; it can be pinned by visits from now on."""
    version = get_version(version_id)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(f"Version {version.version} is {version.status}, not a draft.")
    version.status = VersionStatus.PUBLISHED
    version.published_at = utcnow()
    db.session.flush()
    return version


def install_template(body: dict) -> TemplateVersion:
    """Install a library template: publish it unless an identical version already exists."""
    template = db.session.scalar(select(Template).where(Template.key == body["key"]))
    if template is not None:
        for version in template.versions:
            if version.body == validated_body(body):
                return version
    return publish(create_draft(body).id)


def question_index(version: TemplateVersion) -> dict[str, dict]:
    """The questions of a version by id."""
    return {
        question["id"]: question
        for section in version.body["sections"]
        for question in section["questions"]
    }
