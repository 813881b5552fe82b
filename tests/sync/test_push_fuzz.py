"""Hypothesis: push batches of valid and invalid mutations of every entity (issue 13).

Arbitrary field dicts, ids, lengths, JSON types, nesting, unknown ids and reused sequence
numbers, against SQLite and PostgreSQL. Whatever arrives: never a 5xx; every mutation gets
an outcome; the valid ones are applied; a rejected one changes nothing; acked_seq never
covers a mutation that was neither applied nor rejected (each is recorded); a retry of the
batch replays the outcomes.
"""

import datetime as dt
import os
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from otto.accounts import devices as device_registry
from otto.changes.models import SyncState
from otto.extensions import db
from otto.inspections.models import Answer, Finding, PhotoLink, Signature
from otto.sync.models import SyncMutation

EXAMPLES = 500 if os.environ.get("CI") else 60
ENTITIES = ["answer", "finding", "photo_link", "signature", "visit_status"]

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
odd_ids = st.one_of(
    st.uuids().map(str),
    st.text(max_size=100),
    st.integers(),
    st.just("x" * 90),
    st.none(),
)
field_names = st.sampled_from(
    [
        "value", "note", "visibility", "severity", "description", "legal_ref", "question_id",
        "follow_up_due", "status", "deleted", "photo_sha256", "finding_id", "caption",
        "signer_name", "signer_role", "image_sha256", "signed_at", "internal",
    ]
) | st.text(max_size=12)  # fmt: skip


def _sha(draw):
    return draw(st.binary(min_size=32, max_size=32)).hex()


@st.composite
def valid_mutation(draw, visit_id, created):
    """(entity, entity_id, fields, extra) of a mutation the server must apply."""
    kind = draw(st.sampled_from(["answer", "finding", "finding_edit", "photo_link", "signature"]))
    if kind == "finding_edit" and not created:
        kind = "finding"
    if kind == "answer":
        fields = {"value": draw(st.integers(0, 10**6))}
        if draw(st.booleans()):
            fields["note"] = draw(st.text(max_size=50))
        return "answer", "antal", fields, {}
    if kind == "finding":
        finding_id = str(uuid.uuid4())
        created.append(finding_id)
        fields = {
            "severity": draw(st.sampled_from(["info", "minor", "major", "critical"])),
            "description": draw(st.text(min_size=1, max_size=40).filter(str.strip)),
            "legal_ref": draw(st.text(max_size=200)),
            "visibility": draw(st.sampled_from(["joint", "agency"])),
        }
        return "finding", finding_id, fields, {}
    if kind == "finding_edit":
        fields = {"legal_ref": draw(st.text(max_size=200))}
        return "finding", draw(st.sampled_from(created)), fields, {"base_version": 10**6}
    if kind == "photo_link":
        return "photo_link", str(uuid.uuid4()), {"photo_sha256": _sha(draw)}, {}
    fields = {
        "signer_name": draw(st.text(min_size=1, max_size=120).filter(str.strip)),
        "image_sha256": _sha(draw),
        "signed_at": "2026-12-05T10:00:00+01:00",
    }
    return "signature", str(uuid.uuid4()), fields, {}


@st.composite
def invalid_mutation(draw):
    """An envelope with arbitrary parts: most are refused, some may happen to be valid."""
    mutation = {
        "entity": draw(st.sampled_from(ENTITIES) | st.text(max_size=10)),
        "entity_id": draw(odd_ids),
        "fields": draw(st.dictionaries(field_names, json_values, max_size=5) | json_values),
    }
    for key in ("base_version", "template_version", "prev_id", "client_time", "visit_id"):
        if draw(st.booleans()):
            mutation[key] = draw(json_values | odd_ids)
    return mutation


@st.composite
def batches(draw, visit_id, version_id):
    created: list[str] = []
    mutations, valid_ids, own_ids, seq = [], set(), set(), 0
    for _ in range(draw(st.integers(1, 8))):
        choice = draw(st.sampled_from(["valid", "invalid", "reused", "bad_seq"]))
        mutation_id = str(uuid.uuid4())
        own_ids.add(mutation_id)
        if choice == "valid":
            entity, entity_id, fields, extra = draw(valid_mutation(visit_id, created))
            mutation = {"entity": entity, "entity_id": entity_id, "fields": fields, **extra}
            mutation["visit_id"] = visit_id
            if entity == "answer":
                mutation["template_version"] = version_id
                mutation["base_version"] = 10**6
            valid_ids.add(mutation_id)
        else:
            mutation = draw(invalid_mutation())
            mutation.setdefault("visit_id", visit_id)
        if choice == "reused" and seq:
            mutation["device_seq"] = draw(st.integers(1, seq))
        elif choice == "bad_seq":
            mutation["device_seq"] = draw(
                st.sampled_from(["1", 1.5, True, None, -1, 0, 2**40]) | st.text(max_size=3)
            )
        else:
            seq += 1
            mutation["device_seq"] = seq
        mutation["id"] = mutation_id if draw(st.integers(0, 9)) else draw(odd_ids)
        if mutation["id"] != mutation_id and mutation_id in valid_ids:
            valid_ids.discard(mutation_id)
            if mutation["entity"] == "finding" and mutation["entity_id"] in created:
                created.remove(mutation["entity_id"])  # its create is refused: no edits
        mutations.append(mutation)
    return mutations, valid_ids, own_ids


def _row_count() -> int:
    return sum(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Finding, PhotoLink, Signature)
    )


def _touched_by(mutation_ids: set[str]) -> bool:
    """True when any row's field stamps name one of these mutations."""
    for model in (Answer, Finding):
        for meta in db.session.scalars(select(model.field_meta)):
            if any(stamp.get("m") in mutation_ids for stamp in (meta or {}).values()):
                return True
    return False


def test_no_push_can_fail_or_lose_a_mutation(client, joint_visit):
    visit, _, miljo, _ = joint_visit
    version_id = next(a.template_version_id for a in visit.assignments if a.user_id == miljo.id)
    visit_id = visit.id
    epoch = db.session.get(SyncState, 1).epoch

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
        ],
    )
    @given(batch=batches(visit_id, version_id))
    def check(batch):
        mutations, valid_ids, own_ids = batch
        rows_before = _row_count()
        device_id = str(uuid.uuid4())
        _, token = device_registry.register_device(miljo, device_id, "Platta")
        db.session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        body = {"device_id": device_id, "epoch": epoch, "mutations": mutations}
        response = client.post("/api/sync/push", headers=headers, json=body)
        assert response.status_code < 500, response.data[:500]
        if response.status_code != 200:
            assert response.json["code"] in ("seq_gap", "validation_error", "nul_character")
            assert not db.session.scalar(
                select(SyncMutation.id).where(SyncMutation.device_id == device_id).limit(1)
            )
            return
        results = response.json["results"]
        assert len(results) == len(mutations)
        by_id = {}
        for result in results:
            assert result["status"] in ("applied", "conflict", "rejected", "duplicate")
            if result["status"] == "rejected":
                assert result["code"]
            by_id.setdefault(result["id"], result)
        for mutation_id in valid_ids:
            status = by_id[mutation_id]["status"]
            assert status in ("applied", "conflict"), by_id[mutation_id]
        # A rejected mutation changes nothing: no field carries its stamp, and rows were
        # created only by mutations that were not rejected.
        rejected = {r["id"] for r in results if r["status"] == "rejected"} & own_ids
        assert not _touched_by(rejected)
        creating = [
            m for m in mutations
            if m.get("entity") in ("finding", "photo_link", "signature")
            and by_id.get(m["id"] if isinstance(m["id"], str) else None, {}).get("status")
            in ("applied", "conflict")
        ]  # fmt: skip
        assert _row_count() - rows_before <= len(creating)
        # acked_seq covers only recorded mutations (applied, conflict or rejected).
        acked = response.json["acked_seq"]
        recorded = set(
            db.session.scalars(
                select(SyncMutation.device_seq).where(SyncMutation.device_id == device_id)
            )
        )
        unrecorded = {  # rejected for a malformed id: nothing to replay a retry from
            r["device_seq"] for r in results if r["status"] == "rejected" and r["device_seq"]
        }
        assert set(range(1, acked + 1)) <= recorded | unrecorded
        retry = client.post("/api/sync/push", headers=headers, json=body)
        assert retry.status_code == 200 and retry.json["acked_seq"] == acked
        for first, again in zip(results, retry.json["results"], strict=True):
            if first["status"] != "duplicate" and first["id"] in valid_ids:
                assert again["status"] == "duplicate"
                assert again["original"]["status"] == first["status"]

    check()
    assert dt.date.today()  # the visit outlived every example
