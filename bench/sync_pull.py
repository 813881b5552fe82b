"""Benchmark: bootstrap pull for an inspector with 20 assigned visits and all templates.

Each visit holds 30 answers and 5 findings; the inspector's device pulls from cursor 0 over
the HTTP API (pages of 500) until has_more is false. Prints the median and worst time of
20 bootstraps, the number of changes and the number of pages.

Run from the repository root: `.venv/bin/python bench/sync_pull.py`.
"""

import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_app, integer_checklist, team  # noqa: E402
from otto.accounts import devices  # noqa: E402
from otto.auth import Actor  # noqa: E402
from otto.changes.merge import Write  # noqa: E402
from otto.checklists.library import install_library  # noqa: E402
from otto.extensions import db  # noqa: E402
from otto.inspections.answers import set_answer  # noqa: E402
from otto.inspections.findings import create_finding  # noqa: E402
from otto.inspections.visits import plan_visit  # noqa: E402
from otto.timeutil import utcnow  # noqa: E402

VISITS, ANSWERS, FINDINGS, RUNS = 20, 30, 5, 20


def setup():
    """A miljö inspector on 20 visits with answers and findings; the whole library."""
    coordinator, [inspector], business = team(1)
    version = integer_checklist("bench-pull", ANSWERS)
    install_library()
    writer = Write(Actor(inspector))
    for n in range(VISITS):
        start = utcnow() + dt.timedelta(days=n)
        visit = plan_visit(
            Actor(coordinator),
            business_id=business.id,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=2),
            participants=[{"user_id": inspector.id, "template_version_ids": [version.id]}],
        )
        for q in range(ANSWERS):
            set_answer(
                writer,
                visit_id=visit.id,
                template_version_id=version.id,
                question_id=f"q{q}",
                value=q,
            )
        for _ in range(FINDINGS):
            create_finding(
                writer, visit_id=visit.id, severity="minor", description="Säkerhetsdatablad saknas"
            )
    _, token = devices.register_device(inspector, str(uuid.uuid4()), "Platta")
    db.session.commit()
    return token


def main():
    app = bench_app()
    with app.app_context():
        token = setup()
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for _ in range(RUNS):
        began = time.perf_counter()
        cursor, changes, pages = "0", 0, 0
        while True:
            body = client.get(f"/api/sync/pull?cursor={cursor}&limit=500", headers=headers).json
            changes += len(body["changes"])
            pages += 1
            cursor = body["next_cursor"]
            if not body["has_more"]:
                break
        timings.append((time.perf_counter() - began) * 1000)
    print(
        f"bootstrap pull: {VISITS} visits, {changes} changes in {pages} pages: "
        f"median {statistics.median(timings):.0f} ms, worst {max(timings):.0f} ms "
        f"(target < 200 ms)"
    )


if __name__ == "__main__":
    main()
