"""An inspector added to a visit after others have worked on it receives what they may see."""

from otto.auth import Actor
from otto.extensions import db
from otto.inspections.visits import set_participants
from tests.sync.test_pull import FID, by_entity, polis_finding

JOINT_FID = "7c2e1b0a-3d4f-4a5b-9c6d-7e8f9a0b1c2d"


def test_added_inspector_gets_the_items_made_before_without_other_agencies_secrets(
    device, joint_visit, make_user, template_version
):
    visit, coordinator, miljo, polis = joint_visit
    police_tablet, miljo_tablet = device(polis), device(miljo)
    police_tablet.push([polis_finding(police_tablet, visit, FID, visibility="agency")])
    miljo_tablet.push(
        [
            miljo_tablet.mutation(
                "finding",
                JOINT_FID,
                visit.id,
                {"severity": "minor", "description": "Kemikalier förvaras nära golvbrunn"},
                base_version=0,
            )
        ]
    )
    brand = make_user(agency="brand")
    brand_tablet = device(brand)
    before, cursor = brand_tablet.pull_all()
    assert visit.id not in by_entity(before, "visit")

    participants = [
        {"user_id": a.user_id, "template_version_ids": [a.template_version_id]}
        for a in visit.assignments
    ] + [{"user_id": brand.id, "template_version_ids": [template_version("brand").id]}]
    set_participants(Actor(coordinator), visit.id, participants)
    db.session.commit()

    changes, _ = brand_tablet.pull_all(cursor)
    assert visit.id in by_entity(changes, "visit")
    findings = by_entity(changes, "finding")
    assert findings[JOINT_FID]["data"]["description"] == "Kemikalier förvaras nära golvbrunn"
    assert FID not in findings or findings[FID].get("deleted")

    # The police still see their own finding, exactly once, after the re-announcement.
    police_changes, _ = police_tablet.pull_all()
    assert list(by_entity(police_changes, "finding")).count(FID) == 1
