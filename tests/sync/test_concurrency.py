"""Twenty devices push at once to one visit, conflicting and not: nothing is lost, nothing
applied twice, and the change feed stays gap-free. Runs on its own database with real
commits from real threads (on PostgreSQL as in production; on SQLite too)."""

import threading
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from otto.accounts import devices
from otto.accounts.models import Device
from otto.accounts.services import create_user, ensure_agencies
from otto.auth import Actor
from otto.changes.models import Change, Conflict, SyncState
from otto.checklists.services import install_template
from otto.extensions import db
from otto.inspections.models import Answer, Finding
from otto.inspections.visits import plan_visit
from otto.sync.models import SyncMutation
from otto.timeutil import utcnow
from tests.conftest import make_app, make_business_now

THREADS = 20
ROUNDS = 5


def _setup(app):
    """Users, a visit with every inspector on it, and one registered device each."""
    ensure_agencies()
    coordinator = create_user(
        None,
        username="samordnare",
        name="S",
        email="s@x.se",
        role="coordinator",
        password="ett-långt-lösenord",
    )
    version = install_template(
        {
            "key": "miljo-test",
            "agency": "miljo",
            "title": "Test",
            "sections": [
                {
                    "id": "s",
                    "title": "S",
                    "questions": [
                        {"id": "antal", "type": "integer", "text": "Antal"},
                    ],
                }
            ],
        }
    )
    inspectors = [
        create_user(
            None,
            username=f"insp{n}",
            name=f"I {n}",
            email=f"i{n}@x.se",
            role="inspector",
            agency="miljo",
            password="ett-långt-lösenord",
        )
        for n in range(THREADS)
    ]
    start = utcnow()
    visit = plan_visit(
        Actor(coordinator),
        business_id=make_business_now().id,
        planned_start=start,
        planned_end=start.replace(year=start.year + 1),
        participants=[{"user_id": u.id, "template_version_ids": [version.id]} for u in inspectors],
    )
    tokens = [devices.register_device(u, str(uuid.uuid4()), "Platta") for u in inspectors]
    db.session.commit()
    epoch = db.session.get(SyncState, 1).epoch
    return visit.id, version.id, epoch, [(d.id, token) for d, token in tokens]


@pytest.mark.no_rollback
def test_twenty_devices_pushing_at_once(app, empty_database, tmp_path_factory):
    url = empty_database(app.config["DB_KIND"])
    concurrent = make_app(url, tmp_path_factory, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS})
    with concurrent.app_context():
        upgrade()
        visit_id, version_id, epoch, registered = _setup(concurrent)
        db.session.remove()
    failures = []
    barrier = threading.Barrier(THREADS)

    def run(device_id, token):
        client = concurrent.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        barrier.wait()
        for round_ in range(ROUNDS):
            mutations = [
                {  # everyone writes the same answer: conflicts
                    "id": str(uuid.uuid4()),
                    "device_seq": 2 * round_ + 1,
                    "entity": "answer",
                    "entity_id": "antal",
                    "visit_id": visit_id,
                    "template_version": version_id,
                    "fields": {"value": round_ * 100 + registered.index((device_id, token))},
                    "base_version": 0,
                },
                {  # and creates a finding of its own: no conflict
                    "id": str(uuid.uuid4()),
                    "device_seq": 2 * round_ + 2,
                    "entity": "finding",
                    "entity_id": str(uuid.uuid4()),
                    "visit_id": visit_id,
                    "fields": {"severity": "minor", "description": f"Avvikelse {round_}"},
                    "base_version": 0,
                },
            ]
            body = {"device_id": device_id, "epoch": epoch, "mutations": mutations}
            response = client.post("/api/sync/push", headers=headers, json=body)
            if response.status_code != 200:
                failures.append(response.get_data(as_text=True))
                return
            again = client.post("/api/sync/push", headers=headers, json=body)  # lost answer
            if [r["status"] for r in again.json["results"]] != ["duplicate", "duplicate"]:
                failures.append(again.json)

    threads = [threading.Thread(target=run, args=pair) for pair in registered]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []

    with concurrent.app_context():
        assert db.session.scalar(select(func.count()).select_from(Finding)) == THREADS * ROUNDS
        assert db.session.scalar(select(func.count()).select_from(SyncMutation)) == (
            THREADS * ROUNDS * 2
        )
        assert set(db.session.scalars(select(Device.last_seq))) == {ROUNDS * 2}
        answer = db.session.scalar(select(Answer))
        assert answer.version <= THREADS * ROUNDS
        [conflict] = db.session.scalars(select(Conflict))  # one conflict, every candidate
        assert conflict.candidates[-1]["value"] == answer.value
        seqs = sorted(db.session.scalars(select(Change.seq)))
        assert seqs == list(range(1, len(seqs) + 1))  # gap-free, no duplicates
        db.session.remove()
        db.engine.dispose()
