"""Sync API: the device registry (listing, revoking)."""

from otto.api import Blueprint
from otto.extensions import db
from otto.sync import devices
from otto.sync.schemas import DeviceSchema

blp = Blueprint("devices", __name__, url_prefix="/api", description="Devices")


@blp.get("/devices")
@blp.auth()
@blp.response(200, DeviceSchema(many=True))
def list_devices(actor):
    """Devices: every device for coordinators and admins, your own otherwise."""
    result = devices.list_devices(actor)
    db.session.commit()
    return result


@blp.post("/devices/<device_id>/revoke")
@blp.auth()
@blp.response(200, DeviceSchema)
def revoke_device(device_id, actor):
    """Revoke a device: its token stops working at once, with 401 device_revoked."""
    device = devices.revoke_device(actor, device_id)
    db.session.commit()
    return device
