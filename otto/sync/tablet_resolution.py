"""Resolving a hard conflict from the field app: the push entity `conflict_resolution`.

`entity_id` is the conflict id and `fields` is `{candidate: index}` or `{value: ...}`. The
inspectors who may resolve on the tablet are the participants of the visit from the agency
that owns the conflicted item (coordinators may too, as through the API). The resolution
itself is the one in otto.inspections.resolution: written through the same services, audited, and
announced on the change feed, so every device learns the outcome by pulling.
"""

from marshmallow import Schema, ValidationError, fields, validates_schema

from otto import errors
from otto.changes.models import Conflict
from otto.extensions import db
from otto.inspections.resolution import apply_resolution
from otto.inspections.schemas import JsonInteger
from otto.inspections.visibility import may_act_for_agency

ENTITY = "conflict_resolution"


class ConflictResolutionFields(Schema):
    candidate = JsonInteger(minimum=0)
    value = fields.Raw(allow_none=True)

    @validates_schema
    def _one_choice(self, data, **kwargs):
        if ("candidate" in data) == ("value" in data):
            raise ValidationError("Give either candidate or value.", "candidate")


def may_resolve(user, conflict: Conflict) -> bool:
    """Coordinators, and participants of the visit from the agency that owns the item."""
    return may_act_for_agency(user, conflict.visit_id, conflict.agency_code)


def apply_conflict_resolution(write, mutation: dict) -> dict:
    """Apply one `conflict_resolution` mutation; a DomainError refuses it by name."""
    # The envelope (MutationSchema) has checked that entity_id is a conflict id.
    conflict = db.session.get(Conflict, int(mutation["entity_id"]))
    user = write.actor.user
    if conflict is None or not may_resolve(user, conflict):
        # Someone who may not resolve it is not told whether it exists.
        raise errors.Forbidden("You may not resolve this conflict.")
    if conflict.visit_id != mutation["visit_id"]:
        raise errors.Invalid("The conflict belongs to another visit.", code="invalid_field")
    fields_ = mutation["fields"]
    resolved = apply_resolution(
        write.actor, conflict.id, candidate=fields_.get("candidate"), value=fields_.get("value")
    )
    return {"status": "applied", "version": 1, "conflict_status": str(resolved.status)}
