"""Pull: an ordered feed of what this user may see, resumable and safe to repeat."""

from otto.extensions import db
from otto.inspections.models import Finding
from tests.test_errors import assert_error


def by_entity(changes, entity):
    return {c["id"]: c for c in changes if c["entity"] == entity}


def polis_finding(tablet, visit, fid, **fields):
    return tablet.mutation(
        "finding",
        fid,
        visit.id,
        {"severity": "major", "description": "Misstänkt stöldgods i förrådet"} | fields,
        base_version=0,
    )


FID = "5a1d4a36-0d7e-4f0b-8c5e-3f4f6f7e8a01"


def test_bootstrap_brings_assigned_visits_and_published_templates(device, joint_visit, make_visit):
    visit, _, miljo, _ = joint_visit
    make_visit()  # a visit miljo is not part of
    changes, cursor = device(miljo).pull_all()
    assert list(by_entity(changes, "visit")) == [visit.id]
    templates = by_entity(changes, "template_version")
    assert any(
        t["data"]["agency"] == "miljo" and t["data"]["body"]["sections"] for t in templates.values()
    )
    tablet_changes, _ = device(miljo).pull_all(cursor)
    assert tablet_changes == []  # nothing new after the bootstrap's cursor


def test_agency_finding_never_reaches_another_agencys_device(device, joint_visit):
    visit, coordinator, miljo, polis = joint_visit
    police_tablet = device(polis)
    police_tablet.push([polis_finding(police_tablet, visit, FID)])
    assert FID not in by_entity(device(miljo).pull_all()[0], "finding")
    assert FID in by_entity(police_tablet.pull_all()[0], "finding")
    assert FID in by_entity(device(coordinator).pull_all()[0], "finding")


def test_joint_finding_made_agency_only_is_withdrawn_from_others(device, joint_visit):
    visit, _, miljo, polis = joint_visit
    police_tablet, miljo_tablet = device(polis), device(miljo)
    police_tablet.push([polis_finding(police_tablet, visit, FID, visibility="joint")])
    changes, cursor = miljo_tablet.pull_all()
    assert by_entity(changes, "finding")[FID]["data"]["description"]
    police_tablet.push(
        [police_tablet.mutation("finding", FID, visit.id, {"visibility": "agency"}, base_version=1)]
    )
    later, _ = miljo_tablet.pull_all(cursor)
    assert by_entity(later, "finding")[FID] == {
        "seq": by_entity(later, "finding")[FID]["seq"],
        "entity": "finding",
        "id": FID,
        "deleted": True,
    }


def test_deleted_finding_arrives_as_a_tombstone(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    tablet.push(
        [
            tablet.mutation(
                "finding",
                FID,
                visit.id,
                {"severity": "minor", "description": "Trasig lampa"},
                base_version=0,
            )
        ]
    )
    _, cursor = tablet.pull_all()
    tablet.push([tablet.mutation("finding", FID, visit.id, {"deleted": True}, base_version=1)])
    later, _ = tablet.pull_all(cursor)
    assert by_entity(later, "finding")[FID]["data"]["deleted"] is True
    assert db.session.get(Finding, FID).deleted_at is not None


def test_pages_are_bounded_and_a_repeated_page_is_identical(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    tablet.push([tablet.answer(visit, "ok", "yes"), tablet.answer(visit, "antal", 2)])
    first = tablet.pull("0", limit=1).json
    assert first["has_more"] is True
    again = tablet.pull("0", limit=1).json  # the page was applied but the cursor not saved
    assert again == first
    rest, _ = tablet.pull_all(first["next_cursor"], limit=1)
    seen = [c["seq"] for c in first["changes"] + rest if c["seq"]]
    assert seen == sorted(seen)
    assert {"visit", "answer"} <= {c["entity"] for c in first["changes"] + rest}


def test_pull_reports_the_acked_seq(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    tablet.push([tablet.answer(visit, "ok", "yes"), tablet.answer(visit, "antal", 2)])
    assert tablet.pull().json["acked_seq"] == 2


def test_cursor_from_another_epoch_gets_epoch_reset(device, joint_visit):
    _, _, miljo, _ = joint_visit
    assert_error(device(miljo).pull("old-epoch:12"), 409, "epoch_reset")


def test_revoked_device_cannot_pull_or_push(client, device, joint_visit, token_for):
    visit, coordinator, miljo, _ = joint_visit
    tablet = device(miljo)
    tablet.push([tablet.answer(visit, "ok", "yes")])
    revoked = client.post(f"/api/devices/{tablet.id}/revoke", headers=token_for(miljo))
    assert revoked.status_code == 200
    assert_error(tablet.pull(), 401, "device_revoked")
    assert_error(tablet.push([tablet.answer(visit, "antal", 1)]), 401, "device_revoked")
    assert client.get(f"/api/visits/{visit.id}/answers", headers=token_for(coordinator)).json
