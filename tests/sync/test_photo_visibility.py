"""A finding's photos follow its visibility on the change feed, not only on the API."""

from otto.extensions import db
from otto.inspections.models import PhotoLink
from tests.sync.test_pull import FID, by_entity, polis_finding

LINK_ID = "0b6f2c1e-8a3d-4c5e-9f70-1a2b3c4d5e6f"
SHA = "ab" * 32


def test_photo_of_a_finding_made_agency_only_leaves_other_agencies_devices(device, joint_visit):
    visit, _, miljo, polis = joint_visit
    police_tablet, miljo_tablet = device(polis), device(miljo)
    police_tablet.push(
        [
            polis_finding(police_tablet, visit, FID, visibility="joint"),
            police_tablet.mutation(
                "photo_link",
                LINK_ID,
                visit.id,
                {"photo_sha256": SHA, "finding_id": FID, "caption": "Förrådet"},
                base_version=0,
            ),
        ]
    )
    changes, cursor = miljo_tablet.pull_all()
    assert by_entity(changes, "photo_link")[LINK_ID]["data"]["caption"] == "Förrådet"

    police_tablet.push(
        [police_tablet.mutation("finding", FID, visit.id, {"visibility": "agency"}, base_version=1)]
    )
    later, _ = miljo_tablet.pull_all(cursor)
    assert by_entity(later, "photo_link")[LINK_ID].get("deleted") is True
    assert db.session.get(PhotoLink, LINK_ID).visibility == "agency"
    police_changes, _ = police_tablet.pull_all()
    assert by_entity(police_changes, "photo_link")[LINK_ID]["data"]["visibility"] == "agency"
