"""Benchmark: bootstrap and incremental pull against the length of history.

One miljö inspector has `--open` visits in their working set (planned, through the services:
30 answers and 5 findings each) and `--visits` visits of history (closed and archived long
ago, with the same 30 answers and 5 findings each and their feed entries, bulk inserted;
half of them before the open visits on the feed and half after). The inspector's device
bootstraps from cursor 0 over the HTTP API (pages of 500) until has_more is false, `--runs`
times; then 100 answers are edited and the device pulls them from its cursor, `--runs`
times. The same is run first with no history at all: the in-run baseline.

Prints per run: bootstrap median and worst time, changes, pages, bytes and cost per change,
and the incremental page's time and cost per change; then the ratio of the costs per change
with and without history. `--explain` prints both pull queries' plans (EXPLAIN QUERY PLAN on
SQLite, EXPLAIN ANALYZE on PostgreSQL).

`--read-log` measures the read log's cost instead (issue 21), in process, so the machine's
other load touches both sides alike: on the `--open` visits without history, the answers and
findings are made agency-only (each pull page then writes a read-log row per visit, listing its
items) and bootstraps alternate between the read log on and switched off (its `saw` replaced by
a no-op for the run), `--runs` of each.

Run from the repository root: `.venv/bin/python bench/sync_pull.py --visits 2000 --open 20`.
With `OTTO_BENCH_POSTGRES_URL=postgresql://user@host/db` it runs on throwaway PostgreSQL
databases created on that server (and dropped afterwards) instead of SQLite.
"""

import argparse
import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text, update  # noqa: E402

from bench.common import (  # noqa: E402
    POSTGRES_URL,
    bench_app,
    bench_database,
    integer_checklist,
    team,
)
from otto.accounts import devices  # noqa: E402
from otto.auth import Actor  # noqa: E402
from otto.changes.feed import change_values  # noqa: E402
from otto.changes.merge import Write  # noqa: E402
from otto.changes.models import Change, SyncState  # noqa: E402
from otto.checklists.library import install_library  # noqa: E402
from otto.extensions import db, insert_rows  # noqa: E402
from otto.inspections import read_log  # noqa: E402
from otto.inspections.answers import set_answer  # noqa: E402
from otto.inspections.findings import create_finding  # noqa: E402
from otto.inspections.models import Answer, Assignment, Finding, Visibility, Visit  # noqa: E402
from otto.inspections.visits import plan_visit  # noqa: E402
from otto.sync.pull import bootstrap_query, feed_query  # noqa: E402
from otto.timeutil import utcnow  # noqa: E402

ANSWERS, FINDINGS, PAGE, EDITS = 30, 5, 500, 100


def plan(coordinator, inspector, business, version, start):
    return plan_visit(
        Actor(coordinator),
        business_id=business.id,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=2),
        participants=[{"user_id": inspector.id, "template_version_ids": [version.id]}],
    )


def open_visits(count, coordinator, inspector, business, version):
    """`count` planned visits filled through the services, as a tablet's pushes would."""
    writer = Write(Actor(inspector))
    ids = []
    for n in range(count):
        visit = plan(coordinator, inspector, business, version, utcnow() + dt.timedelta(days=n))
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
        ids.append(visit.id)
    db.session.commit()
    return ids


def history(count, coordinator, inspector, business, version):
    """`count` visits closed a year ago and archived, each with 30 answers and 5 findings
    and their feed entries (bulk inserted: the same rows the services write)."""
    if not count:
        return
    ended = utcnow() - dt.timedelta(days=365)
    visit_ids = [str(uuid.uuid4()) for _ in range(count)]
    insert_rows(
        insert(Visit.__table__),
        [
            {
                "id": vid,
                "business_id": business.id,
                "planned_start": ended,
                "planned_end": ended + dt.timedelta(hours=2),
                "status": "closed",
                "coordinator_id": coordinator.id,
                "ended_at": ended,
                "archived_at": ended + dt.timedelta(days=14),
            }
            for vid in visit_ids
        ],
    )
    insert_rows(
        insert(Assignment.__table__),
        [
            {
                "visit_id": vid,
                "user_id": inspector.id,
                "agency_code": "miljo",
                "template_version_id": version.id,
            }
            for vid in visit_ids
        ],
    )
    answers = [
        {
            "visit_id": vid,
            "agency_code": "miljo",
            "template_version_id": version.id,
            "question_id": f"q{q}",
            "value": q,
            "updated_by_id": inspector.id,
        }
        for vid in visit_ids
        for q in range(ANSWERS)
    ]
    statement = insert(Answer.__table__).returning(Answer.id, sort_by_parameter_order=True)
    answer_ids = iter(db.session.scalars(statement, answers).all())
    findings, changes = [], []
    for vid in visit_ids:
        changes.append(change_values("visit", vid, visit_id=vid))
        for _ in range(ANSWERS):
            changes.append(
                change_values("answer", next(answer_ids), visit_id=vid, agency_code="miljo")
            )
        for _ in range(FINDINGS):
            fid = str(uuid.uuid4())
            findings.append(
                {
                    "id": fid,
                    "visit_id": vid,
                    "agency_code": "miljo",
                    "severity": "minor",
                    "description": "Säkerhetsdatablad saknas",
                    "created_by_id": inspector.id,
                }
            )
            changes.append(change_values("finding", fid, visit_id=vid, agency_code="miljo"))
    changes += [change_values("visit", vid, visit_id=vid) for vid in visit_ids]  # archived
    insert_rows(insert(Finding.__table__), findings)
    insert_rows(insert(Change.__table__), changes)
    db.session.commit()  # numbers the feed entries


def setup(visits, open_count):
    coordinator, [inspector], business = team(1)
    version = integer_checklist("bench-pull", ANSWERS)
    install_library()
    history(visits // 2, coordinator, inspector, business, version)
    ids = open_visits(open_count, coordinator, inspector, business, version)
    history(visits - visits // 2, coordinator, inspector, business, version)
    _, token = devices.register_device(inspector, str(uuid.uuid4()), "Platta")
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return inspector, version, ids, token


def bootstrap(client, headers):
    cursor, changes, pages, size = "0", 0, 0, 0
    while True:
        response = client.get(f"/api/sync/pull?cursor={cursor}&limit={PAGE}", headers=headers)
        body = response.json
        changes += len(body["changes"])
        size += len(response.data)
        pages += 1
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return cursor, changes, pages, size


def explain(query, title):
    """Print the database's plan for a pull query."""
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "sqlite":
        rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        lines = [f"{'  ' * (parent > 0)}{detail}" for _id, parent, _n, detail in rows]
    else:
        rows = db.session.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {compiled}"))
        lines = [row[0] for row in rows]
    print(f"  {title}:")
    for line in lines:
        print(f"    {line}")


def run(app, visits, open_count, runs, show_plans):
    """One set-up and its measurements; returns (bootstrap, incremental) ms per change."""
    with app.app_context():
        inspector, version, ids, token = setup(visits, open_count)
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        cursor, changes, pages, size = bootstrap(client, headers)
        timings.append((time.perf_counter() - began) * 1000)
    with app.app_context():
        writer = Write(Actor(db.session.get(type(inspector), inspector.id)))
        for n in range(EDITS):
            visit_id = ids[n % len(ids)]
            set_answer(
                writer,
                visit_id=visit_id,
                template_version_id=version.id,
                question_id=f"q{n // len(ids) % ANSWERS}",
                value=-n,
            )
        db.session.commit()
        high = db.session.get(SyncState, 1).last_change_seq
        after = int(cursor.split(":")[1])
        if show_plans:
            user = db.session.get(type(inspector), inspector.id)
            explain(bootstrap_query(user, 0, high, PAGE + 1), "bootstrap page (cursor 0)")
            explain(feed_query(user, after, high, PAGE + 1), "pull page after a cursor")
        db.session.remove()
    increments = []
    for _ in range(runs):
        began = time.perf_counter()
        body = client.get(f"/api/sync/pull?cursor={cursor}&limit={PAGE}", headers=headers).json
        increments.append((time.perf_counter() - began) * 1000)
    boot_ms, inc_ms = statistics.median(timings), statistics.median(increments)
    pulled = len(body["changes"])
    print(
        f"  history {visits:>5}, open {open_count}: bootstrap {changes} changes in {pages} pages, "
        f"{size / 1024:.0f} KiB: median {boot_ms:.0f} ms, worst {max(timings):.0f} ms, "
        f"{boot_ms / changes:.3f} ms/change; next pull {pulled} changes: median {inc_ms:.1f} ms, "
        f"{inc_ms / pulled:.3f} ms/change"
    )
    return boot_ms / changes, inc_ms / pulled, boot_ms


def read_log_cost(open_count, runs):
    """Bootstraps with the read log on and off, alternating, on agency-only items."""
    app = bench_app()
    with app.app_context():
        _, _, _, token = setup(0, open_count)
        answers = db.session.execute(update(Answer).values(visibility=Visibility.AGENCY)).rowcount
        findings = db.session.execute(update(Finding).values(visibility=Visibility.AGENCY)).rowcount
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    logged = read_log.saw
    by_mode = {"off": [], "on": []}
    for _ in range(runs):
        for mode in ("off", "on"):
            read_log.saw = logged if mode == "on" else (lambda *args, **kwargs: None)
            began = time.perf_counter()
            bootstrap(client, headers)
            by_mode[mode].append((time.perf_counter() - began) * 1000)
    read_log.saw = logged
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(read_log.ReadEvent))
    off, on = (statistics.median(by_mode[m]) for m in ("off", "on"))
    p95 = {m: statistics.quantiles(t, n=20)[-1] for m, t in by_mode.items()}
    print(
        f"read log, {answers + findings} agency-only items ({rows} read-log rows in {runs} "
        f"bootstraps): median without {off:.0f} ms, with {on:.0f} ms ({(on - off) / off:+.0%}); "
        f"p95 without {p95['off']:.0f} ms, with {p95['on']:.0f} ms (issue 21: < 10%)"
    )


def on_database(kind, visits, open_count, runs, show_plans):
    with bench_database(kind == "PostgreSQL") as (app, _):
        return run(app, visits, open_count, runs, show_plans)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=2000, help="visits of history")
    parser.add_argument("--open", type=int, default=20, help="visits in the working set")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument("--read-log", action="store_true", help="the read log's cost instead")
    args = parser.parse_args()
    if args.read_log:
        return read_log_cost(args.open, args.runs)
    kind = "PostgreSQL" if POSTGRES_URL else "SQLite"
    print(f"sync pull on {kind}, pages of {PAGE}, {ANSWERS} answers + {FINDINGS} findings a visit")
    base_boot, base_inc, _ = on_database(kind, 0, args.open, args.runs, False)
    boot, inc, boot_ms = on_database(kind, args.visits, args.open, args.runs, args.explain)
    print(
        f"cost per change with {args.visits} visits of history vs none: bootstrap "
        f"{boot / base_boot:.2f}x, next pull {inc / base_inc:.2f}x (target < 1.5x); "
        f"bootstrap {boot_ms:.0f} ms (target < 200 ms)"
    )


if __name__ == "__main__":
    main()
