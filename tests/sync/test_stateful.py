"""A Hypothesis state machine: several devices edit one visit offline while the network
loses responses, duplicates, reorders and cuts batches, devices pull at random, and the
coordinator closes the visit, lets it leave the working set (archived) and reopens it.

After every step: each device's mutations are recorded exactly once, the server's answers
come from real writes, every conflict outcome is recorded once. A device drops the visit on
its eviction only once its own unsent work there is acknowledged. At the end every device
syncs and converges to the server's state: the visit's answers, or nothing once archived.
"""

import datetime as dt
import os
import random
import uuid

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select

from otto.accounts import devices as device_registry
from otto.accounts.models import Device
from otto.auth import Actor
from otto.changes.models import Conflict, ConflictStatus, SyncState
from otto.extensions import db
from otto.inspections.conflicts import open_conflict_count
from otto.inspections.models import Answer, Visit, VisitStatus
from otto.inspections.visits import archive_ended_visits, plan_visit, set_visit_status
from otto.sync.models import SyncMutation
from otto.timeutil import utcnow

QUESTIONS = {"ok": ["yes", "no", "na"], "antal": [0, 1, 2, 3]}
EXAMPLES = 100 if os.environ.get("CI") else 40  # CI: the suite budget (20 min on 2 cores)


class FieldDevice:
    """The device's own state: outbox, sequence, known versions, cursor, local answers."""

    def __init__(self, client, user):
        self.user = user
        self.id = str(uuid.uuid4())
        _, token = device_registry.register_device(user, self.id, "Platta")
        db.session.commit()
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.seq = 0
        self.outbox = []
        self.known = {}  # question → server version the device last saw
        self.last_mutation = {}  # question → id of this device's latest edit
        self.local = {}  # question → value shown on the device
        self.seen = {}  # question → the server's value as last pulled
        self.cursor = "0"
        self.evicting = False  # the visit was evicted; dropped once the outbox is acked

    def drop_visit(self):
        """What the app does on an eviction with nothing left to send: forget the visit."""
        assert self.outbox == []  # never before its own work is acknowledged
        self.known, self.last_mutation, self.local, self.seen = {}, {}, {}, {}
        self.evicting = False


class SyncMachine(RuleBasedStateMachine):
    client = None
    make_user = None
    template_version = None

    @initialize()
    def setup(self):
        coordinator = self.make_user(role="coordinator")
        inspectors = [self.make_user(agency="miljo") for _ in range(2)]
        self.version_id = self.template_version("miljo").id
        start = utcnow()
        from tests.conftest import make_business_now

        visit = plan_visit(
            Actor(coordinator),
            business_id=make_business_now().id,
            planned_start=start,
            planned_end=start.replace(year=start.year + 1),
            participants=[
                {"user_id": u.id, "template_version_ids": [self.version_id]} for u in inspectors
            ],
        )
        db.session.commit()
        self.coordinator = coordinator
        self.visit_id = visit.id
        self.epoch = db.session.get(SyncState, 1).epoch
        self.devices = [FieldDevice(self.client, inspectors[i % 2]) for i in range(3)]
        self.written = {}  # mutation id → value, every edit ever made on a device
        self.conflict_outcomes = set()
        # A tablet holds a visit (its first pull) before it can edit it; a device that never
        # pulled would hold nothing for a later eviction to remove.
        for index in range(len(self.devices)):
            self.pull(index, save_cursor=True)

    # --- device actions ------------------------------------------------------------------

    @rule(index=st.integers(0, 2), question=st.sampled_from(sorted(QUESTIONS)), data=st.data())
    def edit(self, index, question, data):
        device = self.devices[index]
        if self._visit().status == VisitStatus.CLOSED or device.evicting:
            return  # the app takes no edits of a closed visit
        value = data.draw(st.sampled_from(QUESTIONS[question]))
        device.seq += 1
        mutation = {
            "id": str(uuid.uuid4()),
            "device_seq": device.seq,
            "entity": "answer",
            "entity_id": question,
            "visit_id": self.visit_id,
            "template_version": self.version_id,
            "fields": {"value": value},
            "base_version": device.known.get(question, 0),
            "prev_id": device.last_mutation.get(question),
        }
        device.outbox.append(mutation)
        device.last_mutation[question] = mutation["id"]
        device.local[question] = value
        self.written[mutation["id"]] = value

    def _push(self, device, mutations):
        return device.client.post(
            "/api/sync/push",
            headers=device.headers,
            json={"device_id": device.id, "epoch": self.epoch, "mutations": mutations},
        )

    def _accept(self, device, response):
        """What the app does with a push answer: drop acknowledged entries."""
        assert response.status_code == 200, response.json
        body = response.json
        for result in body["results"]:
            assert result["status"] in ("applied", "duplicate", "conflict", "rejected"), result
            original = result.get("original", result)
            if original["status"] == "rejected":  # made before closing, arrived after it
                assert original["code"] == "visit_closed", result
                mutation = next(m for m in device.outbox if m["id"] == result["id"])
                question = mutation["entity_id"]
                if device.last_mutation.get(question) == mutation["id"]:
                    device.local.pop(question, None)  # the app shows the server's value again
                    if question in device.seen:
                        device.local[question] = device.seen[question]
            if "conflict" in (result["status"], result.get("original", {}).get("status")):
                self.conflict_outcomes.add(result["id"])
        acked = {r["id"]: r for r in body["results"]}
        for mutation in device.outbox:
            outcome = acked.get(mutation["id"], {})
            if outcome.get("status") in ("applied", "conflict"):
                device.known[mutation["entity_id"]] = outcome["version"]
        device.outbox = [m for m in device.outbox if m["device_seq"] > body["acked_seq"]]

    @rule(
        index=st.integers(0, 2),
        fault=st.sampled_from(
            ["none", "lost_response", "duplicate", "reorder", "cut", "late_half"]
        ),
    )
    def push(self, index, fault):
        device = self.devices[index]
        outbox = list(device.outbox)
        if not outbox:
            return
        if fault == "none":
            self._accept(device, self._push(device, outbox))
        elif fault == "lost_response":
            self._push(device, outbox)  # applied on the server, answer never arrives
        elif fault == "duplicate":
            self._push(device, outbox)
            self._accept(device, self._push(device, outbox + outbox[:1]))
        elif fault == "reorder":
            shuffled = outbox[:]
            random.Random(len(outbox)).shuffle(shuffled)
            self._accept(device, self._push(device, shuffled))
        elif fault == "cut":
            self._push(device, outbox[: max(1, len(outbox) // 2)])
        elif fault == "late_half":
            half = len(outbox) // 2
            if half:
                late = self._push(device, outbox[half:])  # the second half overtakes
                if late.status_code == 409:
                    assert late.json["code"] == "seq_gap"
                else:  # the first half had already arrived (its answer was lost)
                    self._accept(device, late)

    @rule(index=st.integers(0, 2), save_cursor=st.booleans())
    def pull(self, index, save_cursor):
        device = self.devices[index]
        cursor = device.cursor
        while True:
            body = device.client.get(
                f"/api/sync/pull?cursor={cursor}&limit=3", headers=device.headers
            ).json
            for change in body["changes"]:
                if change["entity"] == "visit":
                    device.evicting = change.get("deleted", False)
                if change["entity"] == "answer" and "data" in change:
                    data = change["data"]
                    device.known[data["question_id"]] = data["version"]
                    device.seen[data["question_id"]] = data["value"]
                    pending = any(m["entity_id"] == data["question_id"] for m in device.outbox)
                    if not pending:  # unsent local edits stay on screen
                        device.local[data["question_id"]] = data["value"]
            cursor = body["next_cursor"]
            device.outbox = [m for m in device.outbox if m["device_seq"] > body["acked_seq"]]
            if device.evicting and not device.outbox:
                device.drop_visit()
            if not body["has_more"]:
                break
        if save_cursor:  # otherwise: applied, but the app died before saving the cursor
            device.cursor = cursor

    # --- the coordinator ---------------------------------------------------------------

    def _visit(self):
        return db.session.get(Visit, self.visit_id)

    @rule()
    def close(self):
        visit = self._visit()
        if visit.status == VisitStatus.CLOSED or open_conflict_count(visit.id):
            return
        path = ["in_progress", "completed", "closed"]
        for status in path[path.index(visit.status) + 1 if visit.status in path else 0 :]:
            set_visit_status(Actor(self.coordinator), visit.id, status)
        db.session.commit()

    @rule()
    def archive(self):
        """WORKING_SET_DAYS pass: a closed visit leaves the devices."""
        archive_ended_visits(utcnow() + dt.timedelta(days=15), 14)
        db.session.commit()

    @rule()
    def reopen(self):
        if self._visit().status == VisitStatus.CLOSED:
            set_visit_status(Actor(self.coordinator), self.visit_id, "completed")
            db.session.commit()

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def each_mutation_recorded_once(self):
        if not hasattr(self, "devices"):
            return
        for device in self.devices:
            server = db.session.get(Device, device.id)
            recorded = db.session.scalar(
                select(func.count(func.distinct(SyncMutation.mutation_id))).where(
                    SyncMutation.device_id == device.id
                )
            )
            rows = db.session.scalar(
                select(func.count()).where(SyncMutation.device_id == device.id)
            )
            assert recorded == rows == server.last_seq

    @invariant()
    def server_answers_come_from_real_writes(self):
        if not hasattr(self, "devices"):
            return
        for answer in db.session.scalars(select(Answer).where(Answer.visit_id == self.visit_id)):
            writer = answer.field_meta["value"]["m"]
            assert self.written[writer] == answer.value

    @invariant()
    def conflicts_recorded_once(self):
        if not hasattr(self, "devices"):
            return
        open_per_field = db.session.execute(
            select(Conflict.entity_id, Conflict.field, func.count())
            .where(Conflict.visit_id == self.visit_id, Conflict.status == ConflictStatus.OPEN)
            .group_by(Conflict.entity_id, Conflict.field)
        ).all()
        assert all(count == 1 for _, _, count in open_per_field)
        conflicts = list(
            db.session.scalars(select(Conflict).where(Conflict.visit_id == self.visit_id))
        )
        candidates = {c["mutation_id"] for conflict in conflicts for c in conflict.candidates}
        assert self.conflict_outcomes <= candidates
        for conflict in conflicts:
            # A true conflict: the value a conflicting write met (the candidate just before
            # it) came from another tablet; one tablet's chain of edits never clashes.
            pairs = zip(conflict.candidates, conflict.candidates[1:], strict=False)
            for older, newer in pairs:
                if newer["mutation_id"] in self.conflict_outcomes:
                    assert older["device_id"] != newer["device_id"], conflict.candidates

    def teardown(self):
        if not hasattr(self, "devices"):
            return
        for device in self.devices:  # the network is back: every outbox drains
            if device.outbox:
                self._accept(device, self._push(device, device.outbox))
            assert device.outbox == []
        server = {
            a.question_id: a.value
            for a in db.session.scalars(select(Answer).where(Answer.visit_id == self.visit_id))
        }
        if self._visit().archived_at is not None:
            server = {}  # the visit has left every device
        for device in self.devices:
            self.pull(self.devices.index(device), save_cursor=True)
            assert device.local == server


def test_devices_converge_under_network_faults(client, make_user, template_version):
    SyncMachine.client = client
    SyncMachine.make_user = staticmethod(make_user)
    SyncMachine.template_version = staticmethod(template_version)
    SyncMachine.TestCase.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=12,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    SyncMachine.TestCase("runTest").runTest()
