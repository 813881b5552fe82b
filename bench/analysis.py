"""Benchmark: the statistics page and the exports at a year's scale.

1,000 businesses, 2,500 carried-out visits spread over 2026, 10,000 findings (seven
agencies, four severities) and 5,000 follow-ups (half answered, with their audit events).
A signed-in coordinator opens the statistics page for a week, a tertial and the year, and
downloads all 10,000 findings as XLSX and as CSV, through the Flask test client. Prints the
median and worst of the runs.

Run from the repository root: `.venv/bin/python bench/analysis.py`.
"""

import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from bench.common import bench_app, insert_businesses  # noqa: E402
from otto.accounts.services import AGENCIES, create_user, ensure_agencies  # noqa: E402
from otto.audit import AuditEvent  # noqa: E402
from otto.extensions import db  # noqa: E402
from otto.inspections.models import Finding, FollowUp, Visit  # noqa: E402

BUSINESSES, VISITS, FINDINGS, FOLLOW_UPS = 1_000, 2_500, 10_000, 5_000
PASSWORD = "bench-password-1"
YEAR_START = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)


def setup() -> None:
    """Fill the database with a year of carried-out visits."""
    ensure_agencies()
    coordinator = create_user(
        None, username="samordnare", name="S", email="s@x", role="coordinator", password=PASSWORD
    )
    agencies = list(AGENCIES)
    insert_businesses(BUSINESSES)
    visit_ids = [str(uuid.uuid4()) for _ in range(VISITS)]
    db.session.execute(
        insert(Visit),
        [
            {
                "id": visit_id,
                "business_id": 1 + n % BUSINESSES,
                "planned_start": YEAR_START + dt.timedelta(hours=n * 3.5),
                "planned_end": YEAR_START + dt.timedelta(hours=n * 3.5 + 2),
                "status": "closed" if n % 3 else "completed",
                "case_number": f"OTTO 2026-{n}",
                "coordinator_id": coordinator.id,
            }
            for n, visit_id in enumerate(visit_ids)
        ],
    )
    finding_ids = [str(uuid.uuid4()) for _ in range(FINDINGS)]
    db.session.execute(
        insert(Finding),
        [
            {
                "id": finding_id,
                "visit_id": visit_ids[n % VISITS],
                "agency_code": agencies[n % len(agencies)],
                "severity": ("info", "minor", "major", "critical")[n % 4],
                "legal_ref": "852/2004",
                "description": f"Avvikelse nummer {n} med en beskrivning av rimlig längd.",
                "visibility": "joint" if n % 5 else "agency",
                "created_by_id": coordinator.id,
                "field_meta": {},
            }
            for n, finding_id in enumerate(finding_ids)
        ],
    )
    db.session.execute(
        insert(FollowUp),
        [
            {
                "visit_id": visit_ids[n % VISITS],
                "finding_id": finding_ids[n],
                "agency_code": agencies[n % len(agencies)],
                "kind": "document",
                "due_date": dt.date(2026, 1, 1) + dt.timedelta(days=n % 365),
                "status": "closed" if n % 2 else "open",
            }
            for n in range(FOLLOW_UPS)
        ],
    )
    db.session.execute(
        insert(AuditEvent),
        [
            {
                "at": YEAR_START + dt.timedelta(days=n % 365, hours=n % 48 - 24),
                "user_id": coordinator.id,
                "action": "update",
                "entity": "follow_up",
                "entity_id": str(n + 1),
                "before": {"status": "open"},
                "after": {"status": "closed"},
            }
            for n in range(1, FOLLOW_UPS, 2)
        ],
    )
    db.session.commit()


def timed(client, url: str, runs: int) -> list[float]:
    """Milliseconds of `runs` GET requests (after one warm-up)."""
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200
    return times


def main() -> None:
    app = bench_app()
    with app.app_context():
        setup()
        client = app.test_client()
        client.post("/login", data={"username": "samordnare", "password": PASSWORD})
        for label, url, runs in [
            ("statistics, week", "/statistik?period=vecka&datum=2026-06-10", 20),
            ("statistics, tertial", "/statistik?period=tertial&datum=2026-06-10", 20),
            ("statistics, year", "/statistik?period=ar&datum=2026-06-10", 10),
            ("10,000 findings as XLSX", "/statistik/export/avvikelser.xlsx", 5),
            ("10,000 findings as CSV", "/statistik/export/avvikelser.csv", 5),
            ("5,000 follow-ups as XLSX", "/statistik/export/uppfoljningar.xlsx", 5),
        ]:
            times = timed(client, url, runs)
            print(
                f"{label:26} median {statistics.median(times):7.1f} ms  worst {max(times):7.1f} ms"
            )


if __name__ == "__main__":
    main()
