"""Marshmallow schemas of the photos API (load and dump schemas kept apart)."""

from marshmallow import Schema, fields, validate

from otto import limits
from otto.inspections.photo_storage import VARIANTS
from otto.schemas import TextLength, UUIDString, text


class PhotoSchema(Schema):
    sha256 = fields.String()
    media_type = fields.String()
    byte_size = fields.Integer()
    width = fields.Integer(metadata={"description": "Upright, after EXIF orientation."})
    height = fields.Integer(metadata={"description": "Upright, after EXIF orientation."})
    taken_at = fields.DateTime(allow_none=True)


class PhotoQuerySchema(Schema):
    size = fields.String(load_default="report", validate=validate.OneOf(VARIANTS))


# Its form is checked by photos.link_photo (code invalid_sha256); here only its length.
SHA256 = validate.Length(max=64)


class PhotoLinkFieldsSchema(Schema):
    """The fields of a photo link a client writes (API and sync)."""

    photo_sha256 = fields.String(required=True, validate=SHA256)
    finding_id = UUIDString(load_default=None, allow_none=True)
    question_id = fields.String(
        load_default=None, allow_none=True, validate=TextLength(min=1, max=limits.QUESTION_ID)
    )
    caption = text(limits.FREE_TEXT, load_default="")


class NewPhotoLinkSchema(PhotoLinkFieldsSchema):
    link_id = UUIDString(load_default=None)


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
