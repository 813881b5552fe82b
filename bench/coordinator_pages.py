"""Benchmark: the business search, the selection ranking and the dossier page at register
scale.

10,000 businesses, 5,000 visits (half carried out) with 50,000 findings between them, 5,000
open follow-ups (a third of them late), 2,000 tips, and one joint visit with two agencies'
answers, findings and audit events. A signed-in coordinator searches the register (a first
page of matches), ranks it for selection (first page and a page deep in the list) and opens
the dossier through the Flask test client. Prints the median and worst of 20 requests each;
the goal is under 150 ms.

Run from the repository root: `.venv/bin/python bench/coordinator_pages.py`.
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
from otto.accounts.services import create_user, ensure_agencies  # noqa: E402
from otto.auth import Actor  # noqa: E402
from otto.changes.merge import Write  # noqa: E402
from otto.checklists.library import install_library  # noqa: E402
from otto.checklists.services import plannable_versions  # noqa: E402
from otto.extensions import db  # noqa: E402
from otto.inspections.answers import set_answer  # noqa: E402
from otto.inspections.findings import create_finding  # noqa: E402
from otto.inspections.models import Finding, FollowUp, Signal, Visit  # noqa: E402
from otto.inspections.visits import plan_visit  # noqa: E402
from otto.timeutil import utcnow  # noqa: E402

BUSINESSES, VISITS, FINDINGS, RUNS, GOAL_MS = 10_000, 5_000, 50_000, 20, 150
FOLLOW_UPS, SIGNALS = 5_000, 2_000
PASSWORD = "bench-password-1"
WORDS = ("Pizzeria", "Kiosk", "Salong", "Biltvätt", "Restaurang", "Nagel", "Däck", "Café")


def setup() -> str:
    """Fill the database; return the id of the visit whose dossier is measured."""
    ensure_agencies()
    install_library()
    coordinator = create_user(
        None, username="samordnare", name="S", email="s@x", role="coordinator", password=PASSWORD
    )
    now = utcnow()
    insert_businesses(BUSINESSES, WORDS)
    visit_ids = [str(uuid.uuid4()) for _ in range(VISITS)]
    db.session.execute(
        insert(Visit),
        [
            {
                "id": visit_id,
                "business_id": 1 + n % BUSINESSES,
                "planned_start": now - dt.timedelta(days=n % 700),
                "planned_end": now - dt.timedelta(days=n % 700, hours=-2),
                "coordinator_id": coordinator.id,
                "status": "completed" if n % 2 else "planned",
            }
            for n, visit_id in enumerate(visit_ids)
        ],
    )
    finding_ids = [str(uuid.uuid4()) for _ in range(FINDINGS)]
    db.session.execute(
        insert(Finding),
        [
            {
                "id": finding_ids[n],
                "visit_id": visit_ids[n % VISITS],
                "agency_code": ("miljo", "polis", "brand")[n % 3],
                "severity": ("info", "minor", "major", "critical")[n % 4],
                "description": f"Avvikelse {n}",
                "visibility": "joint",
                "created_by_id": coordinator.id,
                "field_meta": {},
            }
            for n in range(FINDINGS)
        ],
    )
    today = now.date()
    db.session.execute(
        insert(FollowUp),
        [
            {
                "visit_id": visit_ids[n % VISITS],
                "finding_id": finding_ids[n],
                "agency_code": ("miljo", "polis", "brand")[n % 3],
                "kind": "document",
                "due_date": today + dt.timedelta(days=(n % 90) - 30),
            }
            for n in range(FOLLOW_UPS)
        ],
    )
    db.session.execute(
        insert(Signal),
        [
            {
                "business_id": 1 + (n * 7) % BUSINESSES,
                "source": ("Botkyrkabyggen", "Polisen", "Lägesbild")[n % 3],
                "received_on": today - dt.timedelta(days=n % 400),
                "text": "Tips",
                "visibility": "agency" if n % 3 == 1 else "joint",
                "agency_code": "polis" if n % 3 == 1 else None,
                "created_by_id": coordinator.id,
            }
            for n in range(SIGNALS)
        ],
    )
    return _dossier_visit(coordinator)


def _dossier_visit(coordinator) -> str:
    """One realistic joint visit: miljö and polis with answers and findings."""
    people, participants = {}, []
    for agency in ("miljo", "polis"):
        user = create_user(
            None,
            username=f"insp-{agency}",
            name=agency,
            email="i@x",
            role="inspector",
            agency=agency,
            password=PASSWORD,
        )
        [version, *_] = plannable_versions(agency)
        people[agency] = (user, version)
        participants.append({"user_id": user.id, "template_version_ids": [version.id]})
    start = utcnow()
    visit = plan_visit(
        Actor(coordinator),
        business_id=1,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=2),
        participants=participants,
    )
    for user, version in people.values():
        for section in version.body["sections"]:
            for question in section["questions"]:
                if question["type"] == "yesno":
                    set_answer(
                        Write(Actor(user)),
                        visit_id=visit.id,
                        template_version_id=version.id,
                        question_id=question["id"],
                        value="yes",
                    )
        for n in range(10):
            create_finding(
                Write(Actor(user)), visit_id=visit.id, severity="minor", description=f"Fynd {n}"
            )
    db.session.commit()
    return visit.id


def timed(client, url: str) -> list[float]:
    """Milliseconds of RUNS GET requests (after one warm-up)."""
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(RUNS):
        begin = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200
    return times


def main() -> None:
    app = bench_app()
    with app.app_context():
        visit_id = setup()
        client = app.test_client()
        client.post("/login", data={"username": "samordnare", "password": PASSWORD})
        for label, url in [
            ("business search", "/verksamheter/?q=pizzeria"),
            ("business search, page 40", "/verksamheter/?q=storgatan&sida=40"),
            ("selection ranking", "/verksamheter/urval"),
            ("selection ranking, page 40", "/verksamheter/urval?sida=40"),
            ("dossier", f"/besok/{visit_id}"),
            ("dossier live section", f"/besok/{visit_id}/innehall"),
        ]:
            times = timed(client, url)
            worst, median = max(times), statistics.median(times)
            verdict = "ok" if median < GOAL_MS else "TOO SLOW"
            print(f"{label:28} median {median:6.1f} ms  worst {worst:6.1f} ms  {verdict}")


if __name__ == "__main__":
    main()
