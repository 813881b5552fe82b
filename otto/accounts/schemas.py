"""Marshmallow schemas of the accounts API."""

from marshmallow import Schema, fields, validate

from otto import limits
from otto.accounts.devices import CALENDAR_FEED
from otto.schemas import TextLength, UUIDString


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    agency = fields.String(attribute="agency_code", allow_none=True)
    agency_name = fields.Function(lambda user: user.agency.name if user.agency else None)
    active = fields.Boolean()


class SignedInDeviceSchema(Schema):
    """A tablet registered by the browser session it signed in with (single sign-on)."""

    device_id = UUIDString(required=True)
    device_name = fields.String(
        required=True,
        # The calendar feed's token is a "device" of this name (see otto.accounts.devices).
        validate=[TextLength(min=1, max=limits.PERSON_NAME), validate.NoneOf([CALENDAR_FEED])],
    )


class DeviceRegistrationSchema(SignedInDeviceSchema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class ProviderSchema(Schema):
    name = fields.String()
    label = fields.String()


class DeviceTokenSchema(Schema):
    token = fields.String()
    device_id = fields.String()
    epoch = fields.String(metadata={"description": "The server's sync epoch"})
    acked_seq = fields.Integer(
        metadata={
            "description": "The highest device_seq the server has applied from this device "
            "id (0 when new): a re-registered device numbers its mutations on from it."
        }
    )
    user = fields.Nested(UserSchema)
