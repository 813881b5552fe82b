"""Marshmallow schemas of the sync API."""

from marshmallow import Schema, fields


class DeviceSchema(Schema):
    id = fields.String()
    name = fields.String()
    user_id = fields.Integer()
    user_name = fields.String(attribute="user.name")
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
