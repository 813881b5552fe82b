"""Marshmallow schemas of the inspections API (load and dump schemas kept apart)."""

from marshmallow import Schema, fields, validate

from otto import limits
from otto.inspections import deadlines
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
from otto.schemas import DbInteger, UUIDString, text
from otto.timeutil import utcnow

AwareDateTime = fields.AwareDateTime


class JsonInteger(DbInteger):
    """An integer of a JSON body: a JSON integer only ("1", 1.5 and true are refused)."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class JsonBoolean(fields.Boolean):
    """A boolean of a JSON body: true or false only (not 1, "yes")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def QuestionId(**kwargs):  # noqa: N802 - a field factory, used like a field class
    """A checklist question's id, as long as its column (answer and finding question_id)."""
    return text(limits.QUESTION_ID, min_length=1, **kwargs)


def _one_of(enum_cls):
    return validate.OneOf([member.value for member in enum_cls])


class NewBusinessSchema(Schema):
    name = text(limits.NAME, required=True, min_length=1)
    org_number = fields.String(required=True)
    address = text(limits.NAME, required=True, min_length=1)
    postal_code = text(limits.POSTAL_CODE, load_default="")
    city = text(limits.CITY, load_default="")
    category = fields.String(required=True)
    phone = text(limits.PHONE, load_default="")
    email = text(limits.EMAIL, load_default="")
    notes = text(limits.FREE_TEXT, load_default="")


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
    phone = fields.String()
    email = fields.String()
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
    case_number = text(limits.CASE_NUMBER, load_default="")
    announced = fields.Boolean(load_default=False)
    reason = fields.String(load_default=VisitReason.PLANNED, validate=_one_of(VisitReason))
    briefing = text(limits.FREE_TEXT, load_default="")
    follows_up_visit_id = UUIDString(load_default=None)


class VisitUpdateSchema(Schema):
    planned_start = AwareDateTime()
    planned_end = AwareDateTime()
    case_number = text(limits.CASE_NUMBER)
    announced = fields.Boolean()
    reason = fields.String(validate=_one_of(VisitReason))
    briefing = text(limits.FREE_TEXT)


class VisitStatusSchema(Schema):
    status = fields.String(required=True, validate=_one_of(VisitStatus))


class ParticipantSchema(Schema):
    user_id = fields.Integer()
    name = fields.String(attribute="user.name")
    agency = fields.String(attribute="agency_code")
    # The agency as data, so the field app shows a new agency without an app update.
    agency_name = fields.String(attribute="agency.name")
    agency_colour = fields.String(attribute="agency.colour")
    default_visibility = fields.String(attribute="agency.default_visibility")
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
    ended_at = fields.DateTime(allow_none=True)  # when it was closed or cancelled
    participants = fields.List(fields.Nested(ParticipantSchema), attribute="assignments")


class VisitQuerySchema(Schema):
    start = AwareDateTime(load_default=None)
    end = AwareDateTime(load_default=None)


class AnswerFieldsSchema(Schema):
    """The fields of an answer a client writes (API and sync)."""

    value = fields.Raw(required=True, allow_none=True)
    note = text(limits.FREE_TEXT, allow_none=True)
    visibility = fields.String(allow_none=True, validate=_one_of(Visibility))


class AnswerInSchema(AnswerFieldsSchema):
    template_version_id = JsonInteger(required=True)
    question_id = QuestionId(required=True)
    base_version = JsonInteger(minimum=0, load_default=None, allow_none=True)
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


class FindingFieldsSchema(Schema):
    """The fields of a finding a client writes, for the API and for sync alike: the one
    place a new finding field is added (findings.EDITABLE lists the same names)."""

    question_id = QuestionId(allow_none=True)
    severity = fields.String(validate=_one_of(Severity))
    legal_ref = text(limits.LEGAL_REF)
    description = text(limits.FREE_TEXT, min_length=1)
    visibility = fields.String(validate=_one_of(Visibility))
    # An internal note: shared as its visibility says, never in a report to the business.
    internal = JsonBoolean()
    follow_up_due = fields.Date(allow_none=True)


class NewFindingFieldsSchema(FindingFieldsSchema):
    """A new finding: severity and description required; no status (a new one is open)."""

    severity = fields.String(required=True, validate=_one_of(Severity))
    description = text(limits.FREE_TEXT, required=True, min_length=1)


class FindingChangeFieldsSchema(FindingFieldsSchema):
    """A change of an existing finding: any field, its status, and `deleted` (sync)."""

    status = fields.String(validate=_one_of(FindingStatus))
    deleted = JsonBoolean()


class NewFindingSchema(NewFindingFieldsSchema):
    finding_id = UUIDString(load_default=None)


class FindingUpdateSchema(FindingFieldsSchema):
    base_version = JsonInteger(minimum=0, load_default=None, allow_none=True)
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
    note = text(limits.FREE_TEXT, load_default="")


class FollowUpUpdateSchema(Schema):
    status = fields.String(validate=_one_of(FollowUpStatus))
    note = text(limits.FREE_TEXT)
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
    overdue = fields.Function(
        lambda follow_up: deadlines.is_late(follow_up, utcnow()),
        metadata={"description": "Still open after its deadline (from the due date)."},
    )


class SignatureFieldsSchema(Schema):
    """The fields of a signature a client writes (sync)."""

    signer_name = text(limits.PERSON_NAME, required=True, min_length=1)
    signer_role = text(limits.PERSON_NAME, load_default="")
    image_sha256 = fields.String(
        required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$", error="Not a SHA-256.")
    )
    signed_at = AwareDateTime(required=True)


class SignatureSchema(Schema):
    id = fields.String()
    visit_id = fields.String()
    agency = fields.String(attribute="agency_code", allow_none=True)
    signer_name = fields.String()
    signer_role = fields.String()
    image_sha256 = fields.String()
    signed_at = fields.DateTime()


class PersonFieldsSchema(Schema):
    """The fields of a person on site a client writes (sync): name, identity number (or the
    reason it is missing and the date of birth), stated role and employer, ID document seen,
    visibility. Checked further by otto.inspections.persons."""

    name = text(limits.PERSON_NAME)
    id_number = fields.String(allow_none=True, validate=validate.Length(max=20))
    missing_reason = text(limits.REASON)
    birth_date = fields.Date(allow_none=True)
    role = text(limits.PERSON_NAME)
    employer_name = text(limits.NAME)
    employer_org_number = fields.String(validate=validate.Length(max=20))
    id_document = fields.String(validate=validate.Length(max=30))
    visibility = fields.String(validate=_one_of(Visibility))


class ObservationFieldsSchema(Schema):
    """One agency's observations on a person (sync): in the staff ledger, right to work,
    free text, visibility."""

    person_id = UUIDString(required=True)
    in_ledger = fields.String(allow_none=True, validate=validate.Length(max=15))
    right_to_work = fields.String(allow_none=True, validate=validate.Length(max=15))
    note = text(limits.FREE_TEXT)
    visibility = fields.String(validate=_one_of(Visibility))
