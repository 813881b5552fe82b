"""Sync API: the device registry (listing, revoking)."""

from otto.api import BEARER, Blueprint
from otto.auth import api_auth
from otto.extensions import db
from otto.sync import devices
from otto.sync.schemas import DeviceSchema

blp = Blueprint("devices", __name__, url_prefix="/api", description="Devices")


@blp.get("/devices")
@blp.response(200, DeviceSchema(many=True))
@blp.doc(security=BEARER)
@api_auth()
def list_devices(actor):
    """Devices: every device for coordinators and admins, your own otherwise."""
    result = devices.list_devices(actor)
    db.session.commit()
    return result


@blp.post("/devices/<device_id>/revoke")
@blp.response(200, DeviceSchema)
@blp.doc(security=BEARER)
@api_auth()
def revoke_device(device_id, actor):
    """Revoke a device: its token stops working at once, with 401 device_revoked."""
    device = devices.revoke_device(actor, device_id)
    db.session.commit()
    return device
