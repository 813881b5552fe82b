"""Marshmallow schemas of the checklist template API (load and dump schemas kept apart).

A template body is accepted as any JSON object here and validated completely by
`template_format.validate_template`, whose path-named errors the API returns.
"""

from flask_smorest.fields import Upload
from marshmallow import INCLUDE, Schema, fields, validate

from otto.checklists.models import VersionStatus
from otto.checklists.template_format import AGENCIES


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
    agency = fields.String(load_default=None, validate=validate.OneOf(AGENCIES))
    status = fields.String(
        load_default=None, validate=validate.OneOf([status.value for status in VersionStatus])
    )


class AgencyQuerySchema(Schema):
    agency = fields.String(required=True, validate=validate.OneOf(AGENCIES))


class XlsFormFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "An XLSForm workbook (.xlsx)."})


class VersionSummarySchema(Schema):
    id = fields.Integer()
    version = fields.Integer()
    status = fields.String()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)


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


class XlsFormImportSchema(Schema):
    draft = fields.Nested(TemplateVersionSchema)
    warnings = fields.List(fields.Nested(ImportWarningSchema))
