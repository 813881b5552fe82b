"""Benchmark: bootstrap pull for an inspector with 20 assigned visits and all templates.

Each visit holds 30 answers and 5 findings; the inspector's device pulls from cursor 0 over
the HTTP API (pages of 500) until has_more is false. Prints the median and worst time of
20 bootstraps, the number of changes and the number of pages.

Then the read log's cost (issue 21), in process, so the machine's other load touches both
sides alike: the answers and findings are made agency-only (each pull page then writes a
read-log row per visit, listing its items) and bootstraps alternate between the read log on
and switched off (its `saw` replaced by a no-op for the run), 20 of each.

Run from the repository root: `.venv/bin/python bench/sync_pull.py`.
"""

import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_app, integer_checklist, team  # noqa: E402
from otto.accounts import devices  # noqa: E402
from otto.auth import Actor  # noqa: E402
from otto.changes.merge import Write  # noqa: E402
from otto.checklists.library import install_library  # noqa: E402
from otto.extensions import db  # noqa: E402
from otto.inspections import read_log  # noqa: E402
from otto.inspections.answers import set_answer  # noqa: E402
from otto.inspections.findings import create_finding  # noqa: E402
from otto.inspections.models import Answer, Finding, Visibility  # noqa: E402
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


def bootstrap(client, headers) -> tuple[float, int, int]:
    """One bootstrap pull: milliseconds, changes, pages."""
    began = time.perf_counter()
    cursor, changes, pages = "0", 0, 0
    while True:
        body = client.get(f"/api/sync/pull?cursor={cursor}&limit=500", headers=headers).json
        changes += len(body["changes"])
        pages += 1
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return (time.perf_counter() - began) * 1000, changes, pages


def make_agency_only() -> int:
    """Every answer and finding agency-only (as a police inspector's are by default);
    returns how many items."""
    answers = db.session.execute(update(Answer).values(visibility=Visibility.AGENCY)).rowcount
    findings = db.session.execute(update(Finding).values(visibility=Visibility.AGENCY)).rowcount
    db.session.commit()
    return answers + findings


def main():
    app = bench_app()
    with app.app_context():
        token = setup()
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for _ in range(RUNS):
        took, changes, pages = bootstrap(client, headers)
        timings.append(took)
    print(
        f"bootstrap pull: {VISITS} visits, {changes} changes in {pages} pages: "
        f"median {statistics.median(timings):.0f} ms, worst {max(timings):.0f} ms "
        f"(target < 200 ms)"
    )
    with app.app_context():
        items = make_agency_only()
        db.session.remove()
    logged = read_log.saw
    by_mode = {"off": [], "on": []}
    for _ in range(RUNS):
        for mode in ("off", "on"):
            read_log.saw = logged if mode == "on" else (lambda *args, **kwargs: None)
            by_mode[mode].append(bootstrap(client, headers)[0])
    read_log.saw = logged
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(read_log.ReadEvent))
    off, on = (statistics.median(by_mode[m]) for m in ("off", "on"))
    print(
        f"read log, {items} agency-only items ({rows} read-log rows in {RUNS} bootstraps): "
        f"median without {off:.0f} ms, with {on:.0f} ms ({(on - off) / off:+.0%}); p95 without "
        f"{p95(by_mode['off']):.0f} ms, with {p95(by_mode['on']):.0f} ms (issue 21: < 10%)"
    )


def p95(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=20)[-1]


if __name__ == "__main__":
    main()
