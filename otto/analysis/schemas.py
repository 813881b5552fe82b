"""The filters of the exports and the statistics, checked in one place for the API and the
pages (the pages map their Swedish parameter names onto these)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from otto.accounts.agencies import known_agency
from otto.analysis.periods import KINDS
from otto.inspections.businesses import CATEGORIES
from otto.inspections.models import Severity

FORMATS = ("csv", "xlsx")
TO_BEFORE_FROM = "Must not be before 'from'."


class ExportQuerySchema(Schema):
    """Which rows an export holds; every filter is optional, dates are inclusive local dates."""

    format = fields.String(
        load_default="xlsx",
        validate=validate.OneOf(FORMATS),
        metadata={"description": "File type."},
    )
    from_ = fields.Date(
        data_key="from",
        load_default=None,
        metadata={"description": "First day (YYYY-MM-DD), inclusive."},
    )
    to = fields.Date(load_default=None, metadata={"description": "Last day, inclusive."})
    agency = fields.String(load_default=None, validate=known_agency)
    category = fields.String(load_default=None, validate=validate.OneOf(list(CATEGORIES)))
    severity = fields.String(load_default=None, validate=validate.OneOf(list(Severity)))

    @validates_schema
    def _from_before_to(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError(TO_BEFORE_FROM, "to")


class StatisticsQuerySchema(Schema):
    """A period: its kind and any day inside it (today when left out)."""

    period = fields.String(load_default="week", validate=validate.OneOf(KINDS))
    date = fields.Date(load_default=None, metadata={"description": "A day in the period."})


class PeriodSchema(Schema):
    kind = fields.String()
    start = fields.Date()
    end = fields.Date()
    label = fields.String(metadata={"description": "In Swedish, e.g. 'tertial 3 2026'."})


class AgencyFindingsSchema(Schema):
    agency = fields.String()
    severity = fields.String()
    count = fields.Integer()


class FollowUpOutcomesSchema(Schema):
    on_time = fields.Integer(metadata={"description": "Left 'open' before the deadline."})
    late = fields.Integer(metadata={"description": "Left 'open' after the deadline."})
    overdue = fields.Integer(metadata={"description": "Still open, deadline passed."})
    pending = fields.Integer(metadata={"description": "Still open, deadline not yet passed."})


class CategoryFiguresSchema(Schema):
    category = fields.String()
    visits = fields.Integer()
    visits_with_findings = fields.Integer()
    findings = fields.Integer()


class FiguresSchema(Schema):
    """One period's figures (carried-out visits: completed or closed)."""

    period = fields.Nested(PeriodSchema)
    visits = fields.Integer()
    not_counted = fields.Integer(metadata={"description": "Planned or ongoing visits."})
    businesses = fields.Integer()
    findings = fields.Integer()
    visits_with_findings = fields.Integer()
    share_with_findings = fields.Float(allow_none=True)
    findings_by_agency = fields.List(fields.Nested(AgencyFindingsSchema))
    follow_ups = fields.Nested(FollowUpOutcomesSchema)
    on_time_share = fields.Float(allow_none=True)
    categories = fields.List(fields.Nested(CategoryFiguresSchema))


class StatisticsSchema(FiguresSchema):
    """A period's figures with the previous period's for comparison."""

    previous = fields.Nested(FiguresSchema)
