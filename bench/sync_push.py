"""Benchmark: push throughput.

10,000 answer mutations from 20 devices into 50 visits (each device answers its own 10
questions of a 200-question checklist in every visit), pushed over the HTTP API in batches
of 100, against bare SQLAlchemy Core `executemany` inserts of the same rows in the same run:
the 10,000 answer rows alone, and every row the pushes stored (answers, audit events, feed
entries, idempotency records; read back, deleted and inserted again). Prints mutations per
second, both baselines and the ratios, and the SQL statements the pushes sent (an
executemany or a COPY counts once).

Run from the repository root: `.venv/bin/python bench/sync_push.py [--runs 3] [--profile]`.
`--runs N` repeats the whole run on N fresh databases and prints the medians; `--profile`
first profiles the pushes of an extra run with cProfile (not counted: it slows what it
watches) and prints the top entries by own time and the application's own functions by
cumulative time.
With `OTTO_BENCH_POSTGRES_URL=postgresql://user@host/db` it runs on throwaway PostgreSQL
databases created on that server (and dropped afterwards) instead of SQLite.
"""

import argparse
import cProfile
import datetime as dt
import io
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, event, func, insert, select  # noqa: E402

from bench.common import bench_database, integer_checklist, team  # noqa: E402
from otto.accounts import devices  # noqa: E402
from otto.audit import AuditEvent  # noqa: E402
from otto.auth import Actor  # noqa: E402
from otto.changes.feed import current_epoch  # noqa: E402
from otto.changes.models import Change  # noqa: E402
from otto.extensions import db  # noqa: E402
from otto.inspections.models import Answer  # noqa: E402
from otto.inspections.visits import plan_visit  # noqa: E402
from otto.sync.models import SyncMutation  # noqa: E402
from otto.timeutil import utcnow  # noqa: E402

VISITS, QUESTIONS, BATCH = 50, 10, 100


def count_statements(engine) -> list[int]:
    """A one-element list counting the statements sent on `engine` from now on."""
    counter = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args):
        counter[0] += 1

    return counter


def setup(device_count: int):
    """Inspectors with devices, all assigned to 50 visits of a checklist with 10 questions per
    inspector."""
    coordinator, users, business = team(device_count)
    version = integer_checklist("bench", QUESTIONS * device_count)
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


def run(app, device_count: int, profiler: cProfile.Profile | None) -> dict:
    """One run on a fresh database: the pushes, then both bare baselines. Returns figures."""
    with app.app_context():
        version_id, visit_ids, registered = setup(device_count)
        epoch = current_epoch()
        statements = count_statements(db.engine)
        before = {
            model: db.session.scalar(select(func.coalesce(func.max(model.id), 0)))
            for model in (AuditEvent, Change, SyncMutation)
        }
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
    total = sum(len(mutations) for _, _, mutations in batches)
    began, began_cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    for device_id, token, mutations in batches:
        response = client.post(
            "/api/sync/push",
            headers={"Authorization": f"Bearer {token}"},
            json={"device_id": device_id, "epoch": epoch, "mutations": mutations},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.json["acked_seq"] == mutations[-1]["device_seq"], response.json
    if profiler:
        profiler.disable()
    pushed, pushed_cpu = time.perf_counter() - began, time.process_time() - began_cpu
    pushed_statements = statements[0]

    with app.app_context():
        stored, stored_rows, stored_cpu = reinsert_stored_rows(before)
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
        began, began_cpu = time.perf_counter(), time.process_time()
        with db.engine.begin() as connection:
            connection.execute(insert(Answer.__table__), rows)
        bare, bare_cpu = time.perf_counter() - began, time.process_time() - began_cpu
    rate, bare_rate, stored_rate = total / pushed, total / bare, total / stored
    return {
        "total": total,
        "batches": len(batches),
        "seconds": pushed,
        "rate": rate,
        "cpu_rate": total / pushed_cpu,
        "statements": pushed_statements / total,
        "answers_bare_rate": bare_rate,
        "answers_ratio": rate / bare_rate,
        "stored_rows": stored_rows,
        "stored_bare_rate": stored_rate,
        "ratio": rate / stored_rate,
        "cpu_ratio": stored_cpu / pushed_cpu,
        "answers_cpu_ratio": bare_cpu / pushed_cpu,
    }


def report(kind: str, device_count: int, runs: list[dict]) -> None:
    """Each run's figures, then the medians when there are several runs."""
    first = runs[0]
    print(
        f"push ({kind}): {first['total']:,} answer mutations from {device_count} devices into "
        f"{VISITS} visits, batches of {BATCH} over HTTP; bare Core executemany baselines "
        f"measured in the same run ({first['stored_rows']:,} stored rows: answers, audit "
        "events, feed entries, idempotency records)"
    )
    header = (
        f"{'run':>6} {'mutations/s':>12} {'per CPU-s':>10} {'stmts/mut':>10} "
        f"{'bare stored/s':>14} {'ratio':>6} {'CPU ratio':>10} {'bare answers/s':>15} "
        f"{'ratio':>6}"
    )
    print(header)

    def line(name, r):
        print(
            f"{name:>6} {r['rate']:>12,.0f} {r['cpu_rate']:>10,.0f} {r['statements']:>10.3f} "
            f"{r['stored_bare_rate']:>14,.0f} {r['ratio']:>6.3f} {r['cpu_ratio']:>10.3f} "
            f"{r['answers_bare_rate']:>15,.0f} {r['answers_ratio']:>6.3f}"
        )

    for n, r in enumerate(runs, 1):
        line(str(n), r)
    if len(runs) > 1:
        line("median", {key: statistics.median(r[key] for r in runs) for key in first})
    print(
        "ratio: mutations/s over the bare insert of every row the pushes stored (per mutation); "
        "CPU ratio: the same on this process's CPU time (on PostgreSQL the server's is not in "
        "it). Targets (issue 23): PostgreSQL >= 3,000 mutations/s and ratio >= 0.4; "
        "SQLite >= 6,000/s."
    )


def print_profile(profiler: cProfile.Profile, top: int) -> None:
    """The top entries by own time, then the application's functions by cumulative time."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = stats.total_tt
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(r"/otto/", top)
    print(f"profile of the pushes (cProfile, {total:.2f} s profiled)")
    print(out.getvalue())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=20, help="devices (10,000 mutations: 20)")
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="runs on fresh databases (median; 0 with --profile: the profile only)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=25,
        default=0,
        metavar="TOP",
        help="profile the pushes of an extra run and print the top entries (25)",
    )
    args = parser.parse_args()
    if args.profile:  # an extra run, not counted: cProfile slows everything it watches
        profiler = cProfile.Profile()
        with bench_database() as (app, _):
            run(app, args.devices, profiler)
        print_profile(profiler, args.profile)
    runs = []
    for _ in range(args.runs):
        with bench_database() as (app, kind):
            runs.append(run(app, args.devices, None))
    if runs:
        report(kind, args.devices, runs)


def reinsert_stored_rows(before: dict) -> tuple[float, int, float]:
    """Time a bare Core executemany of exactly the rows the pushes wrote (read back, deleted,
    inserted again in one transaction): what a push must store per mutation, with nothing
    of the work that decides it. Returns wall seconds, row count and CPU seconds."""
    tables = [
        (Answer, Answer.id > 0),
        (AuditEvent, AuditEvent.id > before[AuditEvent]),
        (Change, Change.id > before[Change]),
        (SyncMutation, SyncMutation.id > before[SyncMutation]),
    ]
    with db.engine.begin() as connection:
        saved = [
            (
                model,
                [
                    dict(row._mapping)
                    for row in connection.execute(select(model.__table__).where(where))
                ],
            )
            for model, where in tables
        ]
        for model, where in reversed(tables):
            connection.execute(delete(model.__table__).where(where))
    began, began_cpu = time.perf_counter(), time.process_time()
    with db.engine.begin() as connection:
        for model, rows in saved:
            connection.execute(insert(model.__table__), rows)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    return elapsed, sum(len(rows) for _, rows in saved), cpu


if __name__ == "__main__":
    main()
