"""Benchmark: push throughput.

10,000 answer mutations from 20 devices into 50 visits (each device answers its own 10
questions of a 200-question checklist in every visit), pushed over the HTTP API in batches
of 100 on SQLite, against the same 10,000 answer rows inserted with one bare SQLAlchemy Core
`executemany` in the same run. Prints mutations per second and the ratio.

Run from the repository root: `.venv/bin/python bench/sync_push.py`.
"""

import datetime as dt
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert  # noqa: E402

from bench.common import bench_app, integer_checklist, team  # noqa: E402
from otto.auth import Actor  # noqa: E402
from otto.extensions import db  # noqa: E402
from otto.inspections.models import Answer  # noqa: E402
from otto.inspections.visits import plan_visit  # noqa: E402
from otto.sync import devices  # noqa: E402
from otto.sync.feed import current_epoch  # noqa: E402
from otto.timeutil import utcnow  # noqa: E402

DEVICES, VISITS, QUESTIONS, BATCH = int(sys.argv[1]) if len(sys.argv) > 1 else 20, 50, 10, 100
TOTAL = DEVICES * VISITS * QUESTIONS  # 10,000


def setup():
    """20 inspectors with devices, all assigned to 50 visits of a 10-question checklist."""
    coordinator, users, business = team(DEVICES)
    version = integer_checklist("bench", QUESTIONS * DEVICES)
    start = utcnow()
    visit_ids = [
        plan_visit(
            Actor(coordinator),
            business_id=business.id,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=2),
            participants=[{"user_id": u.id, "template_version_ids": [version.id]} for u in users],
        ).id
        for _ in range(VISITS)
    ]
    registered = [devices.register_device(u, str(uuid.uuid4()), "Platta") for u in users]
    db.session.commit()
    return (
        version.id,
        visit_ids,
        [(d.id, t, u.id) for (d, t), u in zip(registered, users, strict=True)],
    )


def main():
    app = bench_app()
    with app.app_context():
        version_id, visit_ids, registered = setup()
        epoch = current_epoch()
        db.session.remove()
    client = app.test_client()
    batches = []
    for n, (device_id, token, _) in enumerate(registered):
        mutations = [
            {
                "id": str(uuid.uuid4()),
                "device_seq": seq + 1,
                "entity": "answer",
                "entity_id": f"q{n * QUESTIONS + q}",
                "visit_id": visit_id,
                "template_version": version_id,
                "fields": {"value": n},
                "base_version": 0,
            }
            for seq, (visit_id, q) in enumerate((v, q) for v in visit_ids for q in range(QUESTIONS))
        ]
        for start in range(0, len(mutations), BATCH):
            batches.append((device_id, token, mutations[start : start + BATCH]))
    began = time.perf_counter()
    for device_id, token, mutations in batches:
        response = client.post(
            "/api/sync/push",
            headers={"Authorization": f"Bearer {token}"},
            json={"device_id": device_id, "epoch": epoch, "mutations": mutations},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
    pushed = time.perf_counter() - began

    with app.app_context():
        rows = [
            {
                "visit_id": visit_id,
                "agency_code": "miljo",
                "template_version_id": version_id,
                "question_id": f"q{n * QUESTIONS + q}",
                "value": n,
                "note": "",
                "visibility": "joint",
                "version": 1,
                "updated_by_id": user_id,
                "device_id": device_id,
                "field_meta": {},
                "updated_at": utcnow(),
            }
            for n, (device_id, _, user_id) in enumerate(registered)
            for visit_id in visit_ids
            for q in range(QUESTIONS)
        ]
        db.session.execute(delete(Answer))
        db.session.commit()
        began = time.perf_counter()
        with db.engine.begin() as connection:
            connection.execute(insert(Answer.__table__), rows)
        bare = time.perf_counter() - began

    rate, bare_rate = TOTAL / pushed, TOTAL / bare
    print(
        f"push: {TOTAL} mutations from {DEVICES} devices into {VISITS} visits, "
        f"batches of {BATCH}: {pushed:.2f} s, {rate:,.0f} mutations/s"
    )
    print(f"bare Core executemany of the same rows: {bare:.3f} s, {bare_rate:,.0f} rows/s")
    print(f"ratio: {rate / bare_rate:.3f} (target >= 0.15; target rate >= 3,000/s)")


if __name__ == "__main__":
    main()
