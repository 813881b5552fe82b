"""Marshmallow schemas of the checklist template API (load and dump schemas kept apart).

A template body is accepted as any JSON object here and validated completely by
`template_format.validate_template`, whose path-named errors the API returns.
"""

from flask_smorest.fields import Upload
from marshmallow import INCLUDE, Schema, fields, validate

from otto import limits
from otto.accounts.agencies import enabled_agency, known_agency
from otto.checklists.models import VersionStatus
from otto.schemas import TextLength


class TemplateBodySchema(Schema):
    """A template body (see the checklist template format); every key is passed through."""

    class Meta:
        unknown = INCLUDE

    key = fields.Raw(allow_none=True, metadata={"description": "Slug naming the template."})
    agency = fields.Raw(allow_none=True, metadata={"description": "Agency code."})
    title = fields.Raw(allow_none=True)
    sections = fields.Raw(
        allow_none=True, metadata={"description": "Sections with their questions."}
    )


class TemplateQuerySchema(Schema):
    agency = fields.String(load_default=None, validate=known_agency)
    status = fields.String(
        load_default=None, validate=validate.OneOf([status.value for status in VersionStatus])
    )


class AgencyQuerySchema(Schema):
    agency = fields.String(required=True, validate=enabled_agency)


class XlsFormQuerySchema(AgencyQuerySchema):
    version_of = fields.String(
        load_default=None,
        validate=TextLength(min=1, max=limits.KEY),
        metadata={
            "description": "Import as the next version of this template (its key); "
            "without it the form becomes a new template with a key of its own."
        },
    )


class XlsFormFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "An XLSForm workbook (.xlsx)."})


class VersionSummarySchema(Schema):
    id = fields.Integer()
    version = fields.Integer()
    status = fields.String()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)
    publish_note = fields.String(
        allow_none=True, metadata={"description": "What changed, as the publisher put it."}
    )


class PublishSchema(Schema):
    """The optional body of a publish request."""

    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=TextLength(max=limits.PUBLISH_NOTE),
        metadata={"description": "What changed in this version (shown in its history)."},
    )


class TemplateListingSchema(Schema):
    id = fields.Integer(attribute="template.id")
    key = fields.String(attribute="template.key")
    agency = fields.String(attribute="template.agency_code")
    title = fields.String(attribute="template.title")
    versions = fields.List(fields.Nested(VersionSummarySchema))


class TemplateVersionSchema(VersionSummarySchema):
    template_id = fields.Integer()
    key = fields.String(attribute="template.key")
    agency = fields.String(attribute="template.agency_code")
    title = fields.String(attribute="body.title")
    body = fields.Dict()


class ImportWarningSchema(Schema):
    rows = fields.List(fields.Integer(), metadata={"description": "Survey sheet row numbers."})
    message = fields.String()


class RowReportSchema(Schema):
    row = fields.Integer(metadata={"description": "Survey sheet row number."})
    name = fields.String()
    type = fields.String(metadata={"description": "The row's type as written."})
    result = fields.String(metadata={"description": "What became of the row (Swedish)."})
    notes = fields.List(fields.String(), metadata={"description": "Why, in Swedish."})


class ImportSummarySchema(Schema):
    language = fields.String(metadata={"description": "The label column used (Swedish)."})
    questions_in_form = fields.Integer(attribute="counts.questions_in_form")
    questions_imported = fields.Integer(attribute="counts.questions_imported")
    conditions_kept = fields.Integer(attribute="counts.conditions_kept")
    conditions_partly_kept = fields.Integer(attribute="counts.conditions_partly_kept")
    conditions_dropped = fields.Integer(attribute="counts.conditions_dropped")
    rows = fields.List(fields.Nested(RowReportSchema))
    notes = fields.List(fields.String())


class XlsFormImportSchema(Schema):
    draft = fields.Nested(TemplateVersionSchema)
    summary = fields.Nested(ImportSummarySchema)
    warnings = fields.List(fields.Nested(ImportWarningSchema))
