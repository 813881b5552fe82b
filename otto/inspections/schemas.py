"""Marshmallow schemas of the inspections API (load and dump schemas kept apart)."""

from marshmallow import Schema, fields, validate

from otto.inspections.businesses import CATEGORIES
from otto.inspections.models import (
    FindingStatus,
    FollowUpKind,
    FollowUpStatus,
    Severity,
    Visibility,
    VisitReason,
    VisitStatus,
)
from otto.schemas import DbInteger, UUIDString

AwareDateTime = fields.AwareDateTime


def _one_of(enum_cls):
    return validate.OneOf([member.value for member in enum_cls])


class NewBusinessSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    org_number = fields.String(required=True)
    address = fields.String(required=True, validate=validate.Length(min=1, max=200))
    postal_code = fields.String(load_default="", validate=validate.Length(max=6))
    city = fields.String(load_default="", validate=validate.Length(max=80))
    category = fields.String(required=True)
    notes = fields.String(load_default="")


class BusinessUpdateSchema(NewBusinessSchema):
    class Meta:
        partial = True


class BusinessSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    org_number = fields.String()
    address = fields.String()
    postal_code = fields.String()
    city = fields.String()
    category = fields.String()
    category_label = fields.Function(
        lambda business: CATEGORIES.get(business.category, business.category),
        metadata={"description": "The category's Swedish name, for display."},
    )
    notes = fields.String()


class BusinessQuerySchema(Schema):
    q = fields.String(load_default="")
    category = fields.String(load_default=None)


class ParticipantInSchema(Schema):
    user_id = DbInteger(required=True)
    template_version_ids = fields.List(DbInteger(), load_default=list)


class NewVisitSchema(Schema):
    visit_id = UUIDString(load_default=None)
    business_id = DbInteger(required=True)
    planned_start = AwareDateTime(required=True)
    planned_end = AwareDateTime(required=True)
    participants = fields.List(fields.Nested(ParticipantInSchema), load_default=list)
    case_number = fields.String(load_default="", validate=validate.Length(max=40))
    announced = fields.Boolean(load_default=False)
    reason = fields.String(load_default=VisitReason.PLANNED, validate=_one_of(VisitReason))
    briefing = fields.String(load_default="")
    follows_up_visit_id = UUIDString(load_default=None)


class VisitUpdateSchema(Schema):
    planned_start = AwareDateTime()
    planned_end = AwareDateTime()
    case_number = fields.String(validate=validate.Length(max=40))
    announced = fields.Boolean()
    reason = fields.String(validate=_one_of(VisitReason))
    briefing = fields.String()


class VisitStatusSchema(Schema):
    status = fields.String(required=True, validate=_one_of(VisitStatus))


class ParticipantSchema(Schema):
    user_id = fields.Integer()
    name = fields.String(attribute="user.name")
    agency = fields.String(attribute="agency_code")
    template_version_id = fields.Integer(allow_none=True)


class VisitSchema(Schema):
    id = fields.String()
    business = fields.Nested(BusinessSchema)
    planned_start = fields.DateTime()
    planned_end = fields.DateTime()
    status = fields.String()
    case_number = fields.String()
    announced = fields.Boolean()
    reason = fields.String()
    briefing = fields.String()
    follows_up_visit_id = fields.String(allow_none=True)
    version = fields.Integer()
    participants = fields.List(fields.Nested(ParticipantSchema), attribute="assignments")


class VisitQuerySchema(Schema):
    start = AwareDateTime(load_default=None)
    end = AwareDateTime(load_default=None)


class AnswerInSchema(Schema):
    template_version_id = DbInteger(required=True)
    question_id = fields.String(required=True)
    value = fields.Raw(required=True, allow_none=True)
    note = fields.String(load_default=None)
    visibility = fields.String(load_default=None, validate=_one_of(Visibility))
    base_version = DbInteger(minimum=0, load_default=None)
    client_time = AwareDateTime(load_default=None)


class AnswerSchema(Schema):
    id = fields.Integer()
    visit_id = fields.String()
    agency = fields.String(attribute="agency_code")
    template_version_id = fields.Integer()
    question_id = fields.String()
    value = fields.Raw()
    note = fields.String()
    visibility = fields.String()
    version = fields.Integer()
    updated_by_id = fields.Integer()
    device_id = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class NewFindingSchema(Schema):
    finding_id = UUIDString(load_default=None)
    question_id = fields.String(load_default=None)
    severity = fields.String(required=True, validate=_one_of(Severity))
    legal_ref = fields.String(load_default="", validate=validate.Length(max=200))
    description = fields.String(required=True, validate=validate.Length(min=1))
    visibility = fields.String(load_default=None, validate=_one_of(Visibility))
    # An internal note: never in a report to the business (JSON true/false only).
    internal = fields.Boolean(truthy={True}, falsy={False}, load_default=False)
    follow_up_due = fields.Date(load_default=None)


class FindingUpdateSchema(Schema):
    base_version = DbInteger(minimum=0, load_default=None)
    question_id = fields.String(allow_none=True)
    severity = fields.String(validate=_one_of(Severity))
    legal_ref = fields.String(validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(min=1))
    visibility = fields.String(validate=_one_of(Visibility))
    internal = fields.Boolean(truthy={True}, falsy={False})
    follow_up_due = fields.Date(allow_none=True)
    status = fields.String(validate=_one_of(FindingStatus))


class FindingDeleteSchema(Schema):
    base_version = DbInteger(minimum=0, load_default=None)


class FindingSchema(Schema):
    id = fields.String()
    visit_id = fields.String()
    agency = fields.String(attribute="agency_code")
    question_id = fields.String(allow_none=True)
    severity = fields.String()
    legal_ref = fields.String()
    description = fields.String()
    visibility = fields.String()
    internal = fields.Boolean()
    follow_up_due = fields.Date(allow_none=True)
    status = fields.String()
    version = fields.Integer()
    deleted = fields.Function(lambda finding: finding.deleted_at is not None)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class NewFollowUpSchema(Schema):
    finding_id = UUIDString(required=True)
    kind = fields.String(required=True, validate=_one_of(FollowUpKind))
    due_date = fields.Date(required=True)
    note = fields.String(load_default="")


class FollowUpUpdateSchema(Schema):
    status = fields.String(validate=_one_of(FollowUpStatus))
    note = fields.String()
    due_date = fields.Date()


class FollowUpSchema(Schema):
    id = fields.Integer()
    visit_id = fields.String()
    finding_id = fields.String(allow_none=True)
    agency = fields.String(attribute="agency_code")
    kind = fields.String()
    due_date = fields.Date()
    status = fields.String()
    note = fields.String()


class SignatureSchema(Schema):
    id = fields.String()
    visit_id = fields.String()
    agency = fields.String(attribute="agency_code", allow_none=True)
    signer_name = fields.String()
    signer_role = fields.String()
    image_sha256 = fields.String()
    signed_at = fields.DateTime()
