"""Marshmallow schemas of the sync API."""

import uuid

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from otto.inspections.photo_schemas import SHA256, PhotoLinkFieldsSchema
from otto.inspections.schemas import (
    AnswerFieldsSchema,
    FindingChangeFieldsSchema,
    JsonBoolean,
    JsonInteger,
    NewFindingFieldsSchema,
    SignatureFieldsSchema,
    VisitStatusSchema,
)
from otto.schemas import DbInteger, UUIDString

ENTITIES = ("answer", "finding", "photo_link", "signature", "visit_status", "conflict_resolution")


class DeviceSchema(Schema):
    id = fields.String()
    name = fields.String()
    user_id = fields.Integer()
    user_name = fields.String(attribute="user.name")
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class MutationSchema(Schema):
    """One pushed mutation's envelope; its `fields` are checked by the entity's own schema
    (MUTATION_FIELDS), the one the API uses. JSON integers only; ids are UUIDs, except an
    answer's entity_id, which is its question id, and a conflict_resolution's, which is the
    conflict's id."""

    id = UUIDString(required=True)
    device_seq = JsonInteger(required=True)
    entity = fields.String(required=True, validate=validate.OneOf(ENTITIES))
    entity_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    visit_id = UUIDString(required=True)
    base_version = JsonInteger(minimum=0, load_default=None, allow_none=True)
    prev_id = UUIDString(load_default=None, allow_none=True)
    template_version = JsonInteger(load_default=None, allow_none=True)
    client_time = fields.AwareDateTime(load_default=None, allow_none=True)
    # Last: inside this class body the name `fields` is the field from here on.
    fields = fields.Dict(keys=fields.String(), required=True)

    @validates_schema
    def _entity_id(self, data, **kwargs):
        entity = data.get("entity", "answer")
        if entity == "conflict_resolution":
            entity_id = data.get("entity_id", "")
            if not (entity_id.isascii() and entity_id.isdecimal() and len(entity_id) <= 18):
                raise ValidationError("Not a conflict id.", "entity_id")
        elif entity != "answer":
            try:
                uuid.UUID(data.get("entity_id", ""))
            except ValueError:
                raise ValidationError("Not a valid UUID.", "entity_id") from None


class PushSchema(Schema):
    device_id = UUIDString(required=True)
    epoch = fields.String(required=True)
    # Each mutation is checked on its own by push (MutationSchema): a malformed one is
    # rejected by name, and the rest of the batch goes on.
    mutations = fields.List(fields.Dict(), required=True, validate=validate.Length(max=5000))


class MutationResultSchema(Schema):
    id = fields.String()
    device_seq = fields.Integer()
    status = fields.String(metadata={"enum": ["applied", "duplicate", "conflict", "rejected"]})
    version = fields.Integer()
    code = fields.String(
        metadata={
            "description": "Why a mutation was rejected: invalid_mutation (envelope), "
            "invalid_fields (the entity's schema), seq_reused (device_seq used by another "
            "mutation id), photo_not_held, or a service's own code."
        }
    )
    message = fields.String()
    details = fields.Dict(metadata={"description": "A rejection's specifics, by field."})
    conflicts = fields.List(fields.Dict())
    original = fields.Dict()


class PushResultSchema(Schema):
    results = fields.List(fields.Nested(MutationResultSchema))
    acked_seq = fields.Integer()


class PullQuerySchema(Schema):
    cursor = fields.String(load_default="0")
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=2000))


class PullResultSchema(Schema):
    changes = fields.List(fields.Dict())
    next_cursor = fields.String()
    has_more = fields.Boolean()
    acked_seq = fields.Integer()


class ConflictSchema(Schema):
    id = fields.Integer()
    visit_id = fields.String()
    entity = fields.String()
    entity_id = fields.String()
    field = fields.String()
    agency = fields.String(attribute="agency_code")
    candidates = fields.List(fields.Dict())
    status = fields.String()
    resolution = fields.Dict(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class PhotoLinkMutationFields(PhotoLinkFieldsSchema):
    """A photo link's mutation: a new link, or `deleted: true` for an unlink."""

    photo_sha256 = fields.String(validate=SHA256)
    deleted = JsonBoolean()


class ResolveSchema(Schema):
    candidate = DbInteger(minimum=0, load_default=None, allow_none=True)
    value = fields.Raw(load_default=None, allow_none=True)


# The fields each kind of mutation may carry: the API's own schemas, so a mutation the API
# would refuse is rejected by name instead of failing inside a service. A finding's
# mutation is a create (NEW_FINDING) when the server does not know its id, else a change.
NEW_FINDING = NewFindingFieldsSchema()

MUTATION_FIELDS = {
    "answer": AnswerFieldsSchema(),
    "finding": FindingChangeFieldsSchema(),
    "photo_link": PhotoLinkMutationFields(),
    "signature": SignatureFieldsSchema(),
    "visit_status": VisitStatusSchema(),
}
