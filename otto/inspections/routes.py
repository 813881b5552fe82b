"""Inspections API: businesses, visits, answers, findings and follow-ups.

Each view parses with a schema, calls one service, commits once and serialises.
"""

from otto.accounts.models import COORDINATORS
from otto.api import Blueprint, QueryPage, committed
from otto.changes.merge import Write
from otto.inspections import answers, businesses, findings, followups, visits
from otto.inspections.schemas import (
    AnswerInSchema,
    AnswerSchema,
    BusinessQuerySchema,
    BusinessSchema,
    BusinessUpdateSchema,
    FindingDeleteSchema,
    FindingSchema,
    FindingUpdateSchema,
    FollowUpSchema,
    FollowUpUpdateSchema,
    NewBusinessSchema,
    NewFindingSchema,
    NewFollowUpSchema,
    NewVisitSchema,
    VisitQuerySchema,
    VisitSchema,
    VisitStatusSchema,
    VisitUpdateSchema,
)

blp = Blueprint("inspections", __name__, url_prefix="/api", description="Inspections")


@blp.get("/businesses")
@blp.auth(COORDINATORS)
@blp.arguments(BusinessQuerySchema, location="query")
@blp.response(200, BusinessSchema(many=True))
@blp.paginate(QueryPage)
def list_businesses(query, actor):
    """Search the business register (name, organisation number, address, category)."""
    return committed(businesses.search_businesses(query["q"], query["category"]))


@blp.post("/businesses")
@blp.auth(COORDINATORS)
@blp.arguments(NewBusinessSchema)
@blp.response(201, BusinessSchema)
def create_business(data, actor):
    """Register a business; the organisation number must pass the Luhn check."""
    return committed(businesses.create_business(actor, **data))


@blp.get("/businesses/<int:business_id>")
@blp.auth(COORDINATORS)
@blp.response(200, BusinessSchema)
def get_business(business_id, actor):
    """One business of the register."""
    return committed(businesses.get_business(business_id))


@blp.patch("/businesses/<int:business_id>")
@blp.auth(COORDINATORS)
@blp.arguments(BusinessUpdateSchema)
@blp.response(200, BusinessSchema)
def update_business(data, business_id, actor):
    """Change a business's details."""
    return committed(businesses.update_business(actor, business_id, **data))


@blp.get("/visits")
@blp.auth()
@blp.arguments(VisitQuerySchema, location="query")
@blp.response(200, VisitSchema(many=True))
@blp.paginate(QueryPage)
def list_visits(query, actor):
    """Visits you may see (assigned ones for inspectors), by planned start."""
    return committed(visits.list_visits(actor.user, start=query["start"], end=query["end"]))


@blp.get("/archived-visits")
@blp.auth()
@blp.response(200, VisitSchema(many=True))
@blp.paginate(QueryPage)
def archived_visits(actor):
    """Closed visits you took part in that have left your devices (WORKING_SET_DAYS after
    closing), the most recently ended first; the field app lists them online only."""
    return committed(visits.archived_visits(actor.user))


@blp.post("/visits")
@blp.auth(COORDINATORS)
@blp.arguments(NewVisitSchema)
@blp.response(201, VisitSchema)
def plan_visit(data, actor):
    """Plan a joint visit with its participants and their checklist versions."""
    return committed(visits.plan_visit(actor, **data))


@blp.get("/visits/<visit_id>")
@blp.auth()
@blp.response(200, VisitSchema)
def get_visit(visit_id, actor):
    """One visit with its participants."""
    return committed(visits.get_visit(actor.user, visit_id))


@blp.patch("/visits/<visit_id>")
@blp.auth(COORDINATORS)
@blp.arguments(VisitUpdateSchema)
@blp.response(200, VisitSchema)
def update_visit(data, visit_id, actor):
    """Change the plan of a visit that is not closed."""
    return committed(visits.update_visit(actor, visit_id, **data))


@blp.post("/visits/<visit_id>/status")
@blp.auth()
@blp.arguments(VisitStatusSchema)
@blp.response(200, VisitSchema)
def set_visit_status(data, visit_id, actor):
    """Move a visit to its next status (closing and reopening: coordinators)."""
    return committed(visits.set_visit_status(actor, visit_id, data["status"]))


@blp.get("/visits/<visit_id>/answers")
@blp.auth()
@blp.response(200, AnswerSchema(many=True))
def list_answers(visit_id, actor):
    """The checklist answers of a visit that you may see."""
    return committed(answers.list_answers(actor.user, visit_id))


@blp.put("/visits/<visit_id>/answers")
@blp.auth()
@blp.arguments(AnswerInSchema)
@blp.response(200, AnswerSchema)
def set_answer(data, visit_id, actor):
    """Answer a question of a checklist assigned to you."""
    write = Write(actor, base_version=data.pop("base_version"), client_time=data.pop("client_time"))
    answer, _ = answers.set_answer(write, visit_id=visit_id, **data)
    return committed(answer)


@blp.get("/visits/<visit_id>/findings")
@blp.auth()
@blp.response(200, FindingSchema(many=True))
def list_findings(visit_id, actor):
    """The findings of a visit that you may see."""
    return committed(findings.list_findings(actor.user, visit_id))


@blp.post("/visits/<visit_id>/findings")
@blp.auth()
@blp.arguments(NewFindingSchema)
@blp.response(201, FindingSchema)
def create_finding(data, visit_id, actor):
    """Record a finding for your agency."""
    return committed(findings.create_finding(Write(actor), visit_id=visit_id, **data))


@blp.get("/findings/<finding_id>")
@blp.auth()
@blp.response(200, FindingSchema)
def get_finding(finding_id, actor):
    """One finding."""
    return committed(findings.get_finding(actor.user, finding_id))


@blp.patch("/findings/<finding_id>")
@blp.auth()
@blp.arguments(FindingUpdateSchema)
@blp.response(200, FindingSchema)
def update_finding(data, finding_id, actor):
    """Change a finding of your agency."""
    write = Write(actor, base_version=data.pop("base_version"))
    finding, _ = findings.update_finding(write, finding_id, **data)
    return committed(finding)


@blp.delete("/findings/<finding_id>")
@blp.auth()
@blp.arguments(FindingDeleteSchema, location="query")
@blp.response(200, FindingSchema)
def delete_finding(query, finding_id, actor):
    """Delete a finding of your agency (a tombstone is kept)."""
    finding, _ = findings.delete_finding(
        Write(actor, base_version=query["base_version"]), finding_id
    )
    return committed(finding)


@blp.post("/follow-ups")
@blp.auth()
@blp.arguments(NewFollowUpSchema)
@blp.response(201, FollowUpSchema)
def create_follow_up(data, actor):
    """Plan a follow-up of a finding."""
    return committed(followups.create_follow_up(actor, **data))


@blp.patch("/follow-ups/<int:follow_up_id>")
@blp.auth()
@blp.arguments(FollowUpUpdateSchema)
@blp.response(200, FollowUpSchema)
def update_follow_up(data, follow_up_id, actor):
    """Change a follow-up's status, note or due date."""
    return committed(followups.update_follow_up(actor, follow_up_id, **data))
