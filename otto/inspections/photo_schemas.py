"""Marshmallow schemas of the photos API (load and dump schemas kept apart)."""

from marshmallow import Schema, fields, validate

from otto.inspections.photo_storage import VARIANTS
from otto.schemas import UUIDString


class PhotoSchema(Schema):
    sha256 = fields.String()
    media_type = fields.String()
    byte_size = fields.Integer()
    width = fields.Integer(metadata={"description": "Upright, after EXIF orientation."})
    height = fields.Integer(metadata={"description": "Upright, after EXIF orientation."})
    taken_at = fields.DateTime(allow_none=True)


class PhotoQuerySchema(Schema):
    size = fields.String(load_default="report", validate=validate.OneOf(VARIANTS))


class NewPhotoLinkSchema(Schema):
    link_id = UUIDString(load_default=None)
    photo_sha256 = fields.String(required=True)
    finding_id = UUIDString(load_default=None)
    question_id = fields.String(load_default=None, validate=validate.Length(max=80))
    caption = fields.String(load_default="")


class PhotoLinkSchema(Schema):
    id = fields.String()
    visit_id = fields.String()
    photo_sha256 = fields.String()
    agency = fields.String(attribute="agency_code")
    finding_id = fields.String(allow_none=True)
    question_id = fields.String(allow_none=True)
    caption = fields.String()
    visibility = fields.String()
    version = fields.Integer()
    created_by_id = fields.Integer()
    created_at = fields.DateTime()
    deleted = fields.Function(lambda link: link.deleted_at is not None)


class LinkedPhotoSchema(Schema):
    link = fields.Nested(PhotoLinkSchema)
    pending = fields.Boolean(metadata={"description": "The server has not got the bytes yet."})
    photo = fields.Nested(PhotoSchema, allow_none=True)
