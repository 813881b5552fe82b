"""Marshmallow schemas of the sync API."""

from marshmallow import Schema, fields, validate

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
    id = UUIDString(required=True)
    device_seq = DbInteger(required=True)
    entity = fields.String(required=True, validate=validate.OneOf(ENTITIES))
    entity_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    visit_id = UUIDString(required=True)
    base_version = DbInteger(minimum=0, load_default=None, allow_none=True)
    prev_id = UUIDString(load_default=None, allow_none=True)
    template_version = DbInteger(load_default=None, allow_none=True)
    client_time = fields.String(load_default=None, allow_none=True)
    # Last: inside this class body the name `fields` is the field from here on.
    fields = fields.Dict(keys=fields.String(), required=True)


class PushSchema(Schema):
    device_id = UUIDString(required=True)
    epoch = fields.String(required=True)
    mutations = fields.List(
        fields.Nested(MutationSchema), required=True, validate=validate.Length(max=5000)
    )


class MutationResultSchema(Schema):
    id = fields.String()
    device_seq = fields.Integer()
    status = fields.String(metadata={"enum": ["applied", "duplicate", "conflict", "rejected"]})
    version = fields.Integer()
    code = fields.String()
    message = fields.String()
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


class ResolveSchema(Schema):
    candidate = DbInteger(minimum=0, load_default=None, allow_none=True)
    value = fields.Raw(load_default=None, allow_none=True)


# The fields each kind of mutation may carry, checked before a service is called, so a
# malformed mutation is rejected by name instead of failing inside a service.
class AnswerFields(Schema):
    value = fields.Raw(required=True, allow_none=True)
    note = fields.String(allow_none=True)
    visibility = fields.String(validate=validate.OneOf(["joint", "agency"]))


class FindingFields(Schema):
    question_id = fields.String(allow_none=True)
    severity = fields.String()
    legal_ref = fields.String(allow_none=True)
    description = fields.String()
    visibility = fields.String(validate=validate.OneOf(["joint", "agency"]))
    internal = fields.Boolean(truthy={True}, falsy={False})
    follow_up_due = fields.Date(allow_none=True)
    status = fields.String()
    deleted = fields.Boolean()


class PhotoLinkFields(Schema):
    photo_sha256 = fields.String(validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    finding_id = fields.String(allow_none=True)
    question_id = fields.String(allow_none=True)
    caption = fields.String(load_default="")
    deleted = fields.Boolean()


class SignatureFields(Schema):
    signer_name = fields.String(required=True)
    signer_role = fields.String(load_default="")
    image_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    signed_at = fields.AwareDateTime(required=True)


class VisitStatusFields(Schema):
    status = fields.String(required=True)


MUTATION_FIELDS = {
    "answer": AnswerFields(),
    "finding": FindingFields(),
    "photo_link": PhotoLinkFields(),
    "signature": SignatureFields(),
    "visit_status": VisitStatusFields(),
}
