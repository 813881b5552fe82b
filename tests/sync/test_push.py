"""Push: idempotent, ordered, per-mutation outcomes, per-field conflicts (DESIGN.md)."""

import datetime as dt
import uuid

from sqlalchemy import func, select

from otto.audit import AuditEvent
from otto.changes.models import Conflict
from otto.extensions import db
from otto.inspections.models import Answer, Finding
from tests.test_errors import assert_error


def statuses(response):
    assert response.status_code == 200, response.json
    return [r["status"] for r in response.json["results"]]


def stored_answer(visit, question_id):
    return db.session.scalar(
        select(Answer).where(Answer.visit_id == visit.id, Answer.question_id == question_id)
    )


def test_applied_mutation_is_stored_and_audited_with_user_and_device(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    response = tablet.push([tablet.answer(visit, "ok", "no")])
    assert statuses(response) == ["applied"]
    assert response.json["acked_seq"] == 1
    answer = stored_answer(visit, "ok")
    assert answer.value == "no" and answer.device_id == tablet.id
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.entity == "answer", AuditEvent.entity_id == str(answer.id)
        )
    )
    assert (event.user_id, event.device_id) == (miljo.id, tablet.id)


def test_resent_batch_after_a_lost_response_is_replayed_not_reapplied(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    batch = [tablet.answer(visit, "ok", "yes"), tablet.answer(visit, "antal", 4)]
    first = tablet.push(batch)
    again = tablet.push(batch)
    assert statuses(first) == ["applied", "applied"]
    assert statuses(again) == ["duplicate", "duplicate"]
    assert again.json["results"][0]["original"]["status"] == "applied"
    assert stored_answer(visit, "antal").version == 1


def test_batch_cut_off_half_way_is_completed_by_resending_it(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    batch = [tablet.answer(visit, "ok", "yes"), tablet.answer(visit, "antal", 2)]
    tablet.push(batch[:1])  # the connection dropped after the first mutation
    assert statuses(tablet.push(batch)) == ["duplicate", "applied"]


def test_gap_in_sequence_is_refused_and_nothing_applied(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    first, second = tablet.answer(visit, "ok", "yes"), tablet.answer(visit, "antal", 2)
    body = assert_error(tablet.push([second]), 409, "seq_gap")
    assert body["details"]["expected_seq"] == 1
    assert stored_answer(visit, "antal") is None
    assert statuses(tablet.push([second, first])) == ["applied", "applied"]  # order restored


def test_rejected_mutation_uses_its_seq_and_the_batch_goes_on(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    batch = [
        tablet.answer(visit, "ok", "kanske"),  # not a yesno value
        tablet.answer(visit, "finns-inte", "yes"),
        tablet.mutation("finding", str(uuid.uuid4()), visit.id, {"severity": 7}),
        tablet.answer(visit, "antal", 3),
    ]
    response = tablet.push(batch)
    assert statuses(response) == ["rejected", "rejected", "rejected", "applied"]
    codes = [r.get("code") for r in response.json["results"]]
    assert codes[:3] == ["invalid", "unknown_question", "invalid_fields"]
    assert response.json["acked_seq"] == 4


def test_two_devices_on_one_answer_make_one_conflict_with_both_values(device, joint_visit):
    visit, coordinator, miljo, _ = joint_visit
    tablet_a, tablet_b = device(miljo), device(miljo)
    tablet_a.push([tablet_a.answer(visit, "antal", 3, base_version=0)])
    response = tablet_b.push([tablet_b.answer(visit, "antal", 5, base_version=0)])
    assert statuses(response) == ["conflict"]
    conflicts = list(db.session.scalars(select(Conflict).where(Conflict.visit_id == visit.id)))
    assert len(conflicts) == 1
    assert [c["value"] for c in conflicts[0].candidates] == [3, 5]
    assert {c["device_id"] for c in conflicts[0].candidates} == {tablet_a.id, tablet_b.id}
    assert stored_answer(visit, "antal").value == 5  # the last received is current


def test_equal_values_are_never_a_conflict(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet_a, tablet_b = device(miljo), device(miljo)
    tablet_a.push([tablet_a.answer(visit, "ok", "yes", base_version=0)])
    assert statuses(tablet_b.push([tablet_b.answer(visit, "ok", "yes", base_version=0)])) == [
        "applied"
    ]


def test_one_device_editing_a_field_three_times_offline_is_no_conflict(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    first = tablet.answer(visit, "antal", 1, base_version=0)
    second = tablet.answer(visit, "antal", 2, base_version=0, prev_id=first["id"])
    third = tablet.answer(visit, "antal", 3, base_version=0, prev_id=second["id"])
    assert statuses(tablet.push([first, second, third])) == ["applied"] * 3
    assert stored_answer(visit, "antal").value == 3
    assert db.session.scalar(select(func.count()).select_from(Conflict)) == 0


def finding_fields(**overrides):
    return {"severity": "minor", "description": "Brandsläckare saknas i köket"} | overrides


def test_edits_to_different_fields_of_a_finding_merge_silently(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet_a, tablet_b = device(miljo), device(miljo)
    create = tablet_a.mutation(
        "finding",
        "0b8f6b1e-3c2a-4a6e-9a57-5d0e0f2f1a01",
        visit.id,
        finding_fields(),
        base_version=0,
    )
    tablet_a.push([create])
    fid = create["entity_id"]
    a = tablet_a.mutation(
        "finding", fid, visit.id, {"severity": "major"}, base_version=1, prev_id=create["id"]
    )
    b = tablet_b.mutation("finding", fid, visit.id, {"legal_ref": "LSO 2 kap. 2 §"}, base_version=1)
    assert statuses(tablet_a.push([a])) == ["applied"]
    assert statuses(tablet_b.push([b])) == ["applied"]
    finding = db.session.get(Finding, fid)
    assert (finding.severity, finding.legal_ref) == ("major", "LSO 2 kap. 2 §")


def test_delete_versus_edit_is_a_hard_conflict(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet_a, tablet_b = device(miljo), device(miljo)
    fid = "0b8f6b1e-3c2a-4a6e-9a57-5d0e0f2f1a02"
    tablet_a.push([tablet_a.mutation("finding", fid, visit.id, finding_fields(), base_version=0)])
    edit = tablet_b.mutation("finding", fid, visit.id, {"description": "Ny text"}, base_version=1)
    delete = tablet_a.mutation("finding", fid, visit.id, {"deleted": True}, base_version=1)
    assert statuses(tablet_b.push([edit])) == ["applied"]
    assert statuses(tablet_a.push([delete])) == ["conflict"]
    [conflict] = db.session.scalars(select(Conflict).where(Conflict.entity_id == fid))
    assert conflict.field == "deleted"
    assert [c["value"] for c in conflict.candidates] == [False, True]
    assert db.session.get(Finding, fid).deleted  # the last received is current


def test_a_tablet_deleting_a_finding_it_edited_offline_is_not_a_conflict(device, joint_visit):
    """Offline: two edits of different fields, then the delete. The delete's prev_id can
    name only one of them; both are the tablet's own, so nothing is contested."""
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    fid = "0b8f6b1e-3c2a-4a6e-9a57-5d0e0f2f1a03"
    create = tablet.mutation("finding", fid, visit.id, finding_fields(), base_version=0)
    tablet.push([create])
    text = tablet.mutation(
        "finding", fid, visit.id, {"description": "Ny text"}, base_version=1, prev_id=create["id"]
    )
    severity = tablet.mutation(
        "finding", fid, visit.id, {"severity": "major"}, base_version=1, prev_id=create["id"]
    )
    delete = tablet.mutation(
        "finding", fid, visit.id, {"deleted": True}, base_version=1, prev_id=severity["id"]
    )
    assert statuses(tablet.push([text, severity, delete])) == ["applied"] * 3
    assert db.session.get(Finding, fid).deleted
    assert not db.session.scalars(select(Conflict).where(Conflict.entity_id == fid)).all()


def test_an_edit_from_another_tablet_of_the_same_agency_still_conflicts_with_a_delete(
    device, joint_visit
):
    visit, _, miljo, _ = joint_visit
    tablet_a, tablet_b = device(miljo), device(miljo)
    fid = "0b8f6b1e-3c2a-4a6e-9a57-5d0e0f2f1a04"
    create = tablet_a.mutation("finding", fid, visit.id, finding_fields(), base_version=0)
    tablet_a.push([create])
    own = tablet_a.mutation(
        "finding", fid, visit.id, {"severity": "major"}, base_version=1, prev_id=create["id"]
    )
    other = tablet_b.mutation("finding", fid, visit.id, {"description": "Ny text"}, base_version=1)
    delete = tablet_a.mutation(
        "finding", fid, visit.id, {"deleted": True}, base_version=1, prev_id=own["id"]
    )
    assert statuses(tablet_a.push([own])) == ["applied"]
    assert statuses(tablet_b.push([other])) == ["applied"]
    assert statuses(tablet_a.push([delete])) == ["conflict"]


def test_device_clock_a_year_off_changes_nothing_but_display(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet_a, tablet_b = device(miljo), device(miljo)
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=365)).isoformat()
    tablet_a.push([tablet_a.answer(visit, "antal", 9, base_version=0, client_time=future)])
    tablet_b.push([tablet_b.answer(visit, "antal", 1, base_version=1)])
    answer = stored_answer(visit, "antal")
    assert answer.value == 1  # server order decides, not the far-future client time


def test_old_epoch_gets_epoch_reset(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    assert_error(tablet.push([tablet.answer(visit, "ok", "yes")], epoch="old"), 409, "epoch_reset")


def test_open_conflict_blocks_closing_until_resolved(client, device, joint_visit, token_for):
    visit, coordinator, miljo, _ = joint_visit
    tablet_a, tablet_b = device(miljo), device(miljo)
    tablet_a.push([tablet_a.answer(visit, "antal", 3, base_version=0)])
    tablet_b.push([tablet_b.answer(visit, "antal", 5, base_version=0)])
    headers = token_for(coordinator)
    for status in ("in_progress", "completed"):
        client.post(f"/api/visits/{visit.id}/status", headers=headers, json={"status": status})
    closing = client.post(
        f"/api/visits/{visit.id}/status", headers=headers, json={"status": "closed"}
    )
    assert_error(closing, 409, "open_conflicts")
    [conflict] = client.get(f"/api/visits/{visit.id}/conflicts", headers=headers).json
    resolved = client.post(
        f"/api/conflicts/{conflict['id']}/resolve", headers=headers, json={"candidate": 0}
    )
    assert resolved.status_code == 200 and resolved.json["status"] == "resolved"
    assert stored_answer(visit, "antal").value == 3
    closing = client.post(
        f"/api/visits/{visit.id}/status", headers=headers, json={"status": "closed"}
    )
    assert closing.status_code == 200
    changes, _ = tablet_b.pull_all()
    [entry] = [c for c in changes if c["entity"] == "conflict"]
    assert entry["data"]["status"] == "resolved"


def test_inspectors_cannot_resolve_conflicts(client, device, joint_visit, token_for):
    visit, _, miljo, _ = joint_visit
    tablet_a, tablet_b = device(miljo), device(miljo)
    tablet_a.push([tablet_a.answer(visit, "antal", 3, base_version=0)])
    tablet_b.push([tablet_b.answer(visit, "antal", 5, base_version=0)])
    conflict_id = db.session.scalar(select(Conflict.id))
    response = client.post(
        f"/api/conflicts/{conflict_id}/resolve", headers=tablet_a.headers, json={"candidate": 1}
    )
    assert_error(response, 403, "forbidden")


def test_thousand_mutations_with_hundred_duplicates(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    batch = [tablet.answer(visit, "antal", n, base_version=0) for n in range(900)]
    for index in range(1, 900):
        batch[index]["prev_id"] = batch[index - 1]["id"]
    duplicates = [dict(batch[n]) for n in range(0, 900, 9)]
    response = tablet.push(batch + duplicates)
    counts = {s: statuses(response).count(s) for s in set(statuses(response))}
    assert counts == {"applied": 900, "duplicate": 100}
    assert stored_answer(visit, "antal").value == 899


def test_push_for_another_device_id_is_refused(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet, other = device(miljo), device(miljo)
    response = tablet.client.post(
        "/api/sync/push",
        headers=tablet.headers,
        json={"device_id": other.id, "epoch": tablet.epoch, "mutations": []},
    )
    assert_error(response, 403, "wrong_device")
