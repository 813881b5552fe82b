"""Sync API: the device registry, push and pull, and conflicts."""

from otto.accounts import devices
from otto.accounts.models import COORDINATORS, Device
from otto.api import Blueprint, committed
from otto.errors import Forbidden
from otto.extensions import db, run_in_transaction
from otto.inspections import resolution, visits
from otto.sync import pull, push
from otto.sync.schemas import (
    ConflictSchema,
    DeviceSchema,
    PullQuerySchema,
    PullResultSchema,
    PushResultSchema,
    PushSchema,
    ResolveSchema,
)

blp = Blueprint("sync", __name__, url_prefix="/api", description="Devices and sync")


@blp.get("/devices")
@blp.auth()
@blp.response(200, DeviceSchema(many=True))
def list_devices(actor):
    """Devices: every device for coordinators and admins, your own otherwise."""
    return committed(devices.list_devices(actor))


@blp.post("/devices/<device_id>/revoke")
@blp.auth()
@blp.response(200, DeviceSchema)
def revoke_device(device_id, actor):
    """Revoke a device: its token stops working at once, with 401 device_revoked."""
    return committed(devices.revoke_device(actor, device_id))


@blp.post("/sync/push")
@blp.auth()
@blp.arguments(PushSchema)
@blp.response(200, PushResultSchema)
def sync_push(data, actor):
    """Push the device's outbox; each mutation gets its own outcome.

    Strict: every mutation is checked on its own by the entity's schema, the one the API
    uses (JSON integers only, UUID ids, lengths as the columns, required fields on create,
    allowed fields on update); a bad one is `rejected` with code `invalid_mutation` or
    `invalid_fields` and the batch goes on, never a 5xx. A device_seq already used by
    another mutation id is `rejected` with code `seq_reused`. A skipped number refuses the
    batch with 409 `seq_gap` and `expected_seq` = acked_seq + 1. Bodies nested deeper than
    64 levels: 400 `too_deep`. Photos by possession: a photo_link or signature grants
    nothing on bytes its author neither uploaded nor may download (see docs/sync-protocol.md).
    """
    if data["device_id"] != actor.device_id:
        raise Forbidden("device_id does not match the token's device.", code="wrong_device")
    return run_in_transaction(
        lambda: push.push(actor, actor.device_id, data["epoch"], data["mutations"])
    )


@blp.get("/sync/pull")
@blp.auth()
@blp.arguments(PullQuerySchema, location="query")
@blp.response(200, PullResultSchema)
def sync_pull(query, actor):
    """Pull the changes after a cursor that this device's user may see."""
    device = db.session.get(Device, actor.device_id)
    return committed(pull.pull(actor.user, device, query["cursor"], query["limit"]))


@blp.get("/visits/<visit_id>/conflicts")
@blp.auth()
@blp.response(200, ConflictSchema(many=True))
def list_conflicts(visit_id, actor):
    """Open sync conflicts of a visit that you may see."""
    visits.get_visit(actor.user, visit_id)
    return committed(resolution.list_conflicts(actor.user, visit_id))


@blp.post("/conflicts/<int:conflict_id>/resolve")
@blp.auth(COORDINATORS)
@blp.arguments(ResolveSchema)
@blp.response(200, ConflictSchema)
def resolve_conflict(data, conflict_id, actor):
    """Resolve a conflict with a candidate (by index) or a new value."""
    return committed(resolution.resolve_conflict(actor, conflict_id, **data))
