"""The batched answer path of push gives exactly what applying each mutation alone gives.

The same script of pushes runs twice, on two identical visits: once with answers applied a
run at a time (`push`'s normal path), once one mutation at a time (`batch_answers=False`,
the path every mutation took before). Outcomes, answer rows, conflicts, audit events, the
change feed and the idempotency records must match, with ids and clock times set aside.
"""

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from otto.accounts import devices
from otto.audit import AuditEvent
from otto.auth import Actor
from otto.changes.feed import current_epoch
from otto.changes.models import Change, Conflict
from otto.checklists.services import install_template
from otto.extensions import db
from otto.inspections.models import Answer
from otto.inspections.visits import plan_visit
from otto.sync import push
from otto.sync.models import SyncMutation
from otto.timeutil import utcnow

QUESTIONS = [
    {"id": "ok", "type": "yesno", "text": "Är allt i ordning?"},
    {"id": "antal", "type": "integer", "text": "Antal anställda", "min": 0},
    {"id": "temp", "type": "number", "text": "Temperatur", "max": 8},
    {"id": "beskr", "type": "text", "text": "Beskrivning"},
    {"id": "tom", "type": "text", "text": "Lämnas tom"},
    {"id": "kommentar", "type": "text", "text": "Kommentar"},
]


class World:
    """One visit with two miljö inspectors, each with a tablet, pushed to in one mode."""

    def __init__(self, coordinator, version_id, business_id, make_user, batch: bool):
        self.batch = batch
        self.users = [make_user(agency="miljo") for _ in range(2)]
        start = utcnow() + dt.timedelta(hours=1)
        participants = [{"user_id": u.id, "template_version_ids": [version_id]} for u in self.users]
        self.visit_id = plan_visit(
            Actor(coordinator),
            business_id=business_id,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=2),
            participants=participants,
        ).id
        self.other_visit_id = plan_visit(
            Actor(coordinator),
            business_id=business_id,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=2),
            participants=[],
        ).id
        self.version_id = version_id
        self.devices = [
            devices.register_device(u, str(uuid.uuid4()), "Platta")[0] for u in self.users
        ]
        db.session.commit()
        self.seq = [0, 0]
        self.names = {}  # mutation id → its name in the script

    def mutation(self, tablet: int, name: str, entity: str, entity_id: str, fields: dict, **extra):
        self.seq[tablet] += 1
        mutation_id = str(uuid.uuid4())
        self.names[mutation_id] = name
        if "prev" in extra:
            prev = extra.pop("prev")
            extra["prev_id"] = next(m for m, n in self.names.items() if n == prev)
        return {
            "id": mutation_id,
            "device_seq": self.seq[tablet],
            "entity": entity,
            "entity_id": entity_id,
            "visit_id": self.visit_id,
            "fields": fields,
            **extra,
        }

    def answer(self, tablet, name, question_id, value, **extra):
        return self.mutation(
            tablet,
            name,
            "answer",
            question_id,
            {"value": value},
            template_version=self.version_id,
            **extra,
        )

    def push(self, tablet: int, mutations: list[dict]) -> dict:
        actor = Actor(self.users[tablet], self.devices[tablet].id)
        result = push.push(
            actor, actor.device_id, current_epoch(), mutations, batch_answers=self.batch
        )
        db.session.commit()
        return result


def script(world: World) -> list[dict]:
    """Pushes of every kind: new answers, updates, duplicates, conflicts, invalid values."""
    finding_id = str(uuid.uuid4())
    world.names[finding_id] = "the-finding"
    first = [
        world.answer(0, "a-ok", "ok", "yes", base_version=0),
        world.answer(0, "a-antal", "antal", 4, base_version=0),
    ]
    other = [world.answer(1, "b-temp", "temp", 5.5, base_version=0)]
    responses = [world.push(0, first), world.push(1, other)]
    big = [
        first[0],  # a duplicate of an earlier push (by sequence number and id)
        world.answer(0, "ok-no", "ok", "no", base_version=1, prev="a-ok"),  # an update
        world.answer(0, "ok-no-again", "ok", "no", base_version=2),  # equal value: no write
        world.answer(0, "temp-7", "temp", 7, base_version=0),  # conflicts with tablet 1
        world.answer(0, "temp-9", "temp", 9, base_version=0),  # over the maximum: rejected
        world.answer(0, "nope", "finns-inte", "yes"),  # unknown question: rejected
        world.answer(0, "beskr-1", "beskr", "Smutsigt", base_version=0),
        world.answer(0, "beskr-2", "beskr", "Rent", base_version=0),  # conflicts in the batch
        world.mutation(0, "bad-fields", "answer", "beskr", {"value": 1, "x": 2}, base_version=0),
        world.mutation(0, "no-version", "answer", "beskr", {"value": "a"}),
        world.mutation(
            0,
            "finding",
            "finding",
            finding_id,
            {"severity": "minor", "description": "Kylen är varm"},
            base_version=0,
        ),
        world.answer(0, "antal-5", "antal", 5, base_version=1, prev="a-antal"),
        world.mutation(
            0,
            "antal-private",
            "answer",
            "antal",
            {"value": 6, "visibility": "agency", "note": "Enligt ägaren"},
            base_version=2,
            template_version=world.version_id,
            prev="antal-5",
        ),
        world.answer(0, "tom", "tom", None, base_version=0),  # a new row left empty
        world.mutation(  # a new row, agency-only from its first write on
            0,
            "private",
            "answer",
            "kommentar",
            {"value": "Privat", "visibility": "agency"},
            base_version=0,
            template_version=world.version_id,
        ),
        world.mutation(
            0,
            "edit",
            "answer",
            "kommentar",
            {"value": "Privat, ändrad"},
            base_version=1,
            template_version=world.version_id,
            prev="private",
        ),
        world.answer(0, "foreign-visit", "ok", "yes") | {"visit_id": world.other_visit_id},
        world.answer(0, "late-clock", "temp", 4, base_version=3, client_time="2027-01-01T00:00Z"),
    ]
    big.append(dict(big[7]))  # the same mutation twice in one push
    big.append(world.answer(0, "after-repeat", "ok", "yes", base_version=0))  # conflict
    responses.append(world.push(0, big))
    responses.append(world.push(0, big[-6:]))  # a lost response: the tail is sent again
    responses.append(
        world.push(1, [world.answer(1, "b-beskr", "beskr", "Fläckigt", base_version=1)])
    )
    return responses


def snapshot(world: World, responses: list[dict]) -> dict:
    """What the pushes left, with database ids, device ids and clock times replaced."""
    device_names = {d.id: f"tablet{n}" for n, d in enumerate(world.devices)}
    user_names = {u.id: f"user{n}" for n, u in enumerate(world.users)}
    answers = list(
        db.session.scalars(
            select(Answer).where(Answer.visit_id == world.visit_id).order_by(Answer.question_id)
        )
    )
    answer_names = {str(a.id): a.question_id for a in answers}
    conflicts = list(
        db.session.scalars(
            select(Conflict).where(Conflict.visit_id == world.visit_id).order_by(Conflict.id)
        )
    )
    conflict_names = {c.id: f"conflict{n}" for n, c in enumerate(conflicts)}

    def plain(value):
        """Replace ids and times inside a value (outcomes, candidates, field_meta)."""
        if isinstance(value, dict):
            return {
                k: plain(v)
                for k, v in value.items()
                if k not in ("at", "t", "updated_at", "recorded_at")
            }
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, str):
            for names in (world.names, device_names):
                if value in names:
                    return names[value]
            return value.replace(world.visit_id, "VISIT").replace(world.other_visit_id, "OTHER")
        return value

    def entity_name(entity, entity_id):
        if entity == "answer" and entity_id in answer_names:
            return answer_names[entity_id]
        if entity == "conflict":
            return conflict_names[int(entity_id)]
        return plain(entity_id)

    def outcome(result):
        result = plain(result)
        for conflict in result.get("conflicts", []) + result.get("original", {}).get(
            "conflicts", []
        ):
            conflict["conflict_id"] = conflict_names[conflict["conflict_id"]]
            for candidate in conflict["candidates"]:
                candidate["user_id"] = user_names.get(candidate["user_id"])
        return result

    synced = ("answer", "finding", "conflict")
    audit = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.visit_id == world.visit_id, AuditEvent.entity.in_(synced))
        .order_by(AuditEvent.id)
    )
    feed = db.session.scalars(
        select(Change)
        .where(Change.visit_id == world.visit_id, Change.entity.in_(synced))
        .order_by(Change.seq)
    )
    records = db.session.scalars(
        select(SyncMutation)
        .where(SyncMutation.device_id.in_(device_names))
        .order_by(SyncMutation.id)
    )
    return {
        "responses": [
            {
                "acked_seq": r["acked_seq"],
                "results": [outcome(result) for result in r["results"]],
            }
            for r in responses
        ],
        "answers": [
            (
                a.question_id,
                a.value,
                a.note,
                a.visibility,
                a.version,
                user_names[a.updated_by_id],
                device_names.get(a.device_id),
                {f: plain(m) | {"u": user_names[m["u"]]} for f, m in a.field_meta.items()},
                a.client_time,
            )
            for a in answers
        ],
        "conflicts": [
            (
                entity_name(c.entity, c.entity_id),
                c.field,
                c.status,
                c.visibility,
                [plain(x) | {"user_id": user_names.get(x["user_id"])} for x in c.candidates],
            )
            for c in conflicts
        ],
        "audit": [
            (
                user_names.get(e.user_id),
                device_names.get(e.device_id),
                e.action,
                e.entity,
                entity_name(e.entity, e.entity_id),
                e.before,
                (e.after or {})
                | (
                    {"conflict_id": conflict_names[e.after["conflict_id"]]}
                    if e.after and "conflict_id" in e.after
                    else {}
                ),
            )
            for e in audit
        ],
        "feed": [
            (c.entity, entity_name(c.entity, c.entity_id), c.agency_code, c.visibility)
            for c in feed
        ],
        "records": [
            (world.names[r.mutation_id], device_names[r.device_id], r.device_seq, outcome(r.result))
            for r in records
        ],
    }


@pytest.fixture
def worlds(make_user, make_business):
    coordinator = make_user(role="coordinator")
    version = install_template(
        {
            "key": "miljo-batch",
            "agency": "miljo",
            "title": "Batch",
            "sections": [{"id": "s", "title": "S", "questions": QUESTIONS}],
        }
    )
    business = make_business()
    db.session.commit()
    return [
        World(coordinator, version.id, business.id, make_user, batch=batch)
        for batch in (True, False)
    ]


def test_a_batched_push_matches_applying_each_mutation_alone(worlds):
    batched, one_by_one = worlds
    expected = snapshot(one_by_one, script(one_by_one))
    got = snapshot(batched, script(batched))
    assert got == expected
    # The script really covers what it claims to.
    statuses = [r["status"] for push in expected["responses"] for r in push["results"]]
    assert {"applied", "duplicate", "conflict", "rejected"} <= set(statuses)
    assert len(expected["conflicts"]) == 3 and expected["feed"] and expected["audit"]
    codes = {r.get("code") for push in expected["responses"] for r in push["results"]}
    assert {"invalid", "unknown_question", "invalid_fields", "invalid_field", "not_found"} <= codes
