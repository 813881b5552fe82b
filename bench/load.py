"""Benchmark: 50 field devices syncing at once against gunicorn (4 workers) on PostgreSQL.

Creates a fresh PostgreSQL database, runs `flask db upgrade` and `flask seed-demo`, adds 50
inspectors (ten per agency with a library checklist) assigned to ten joint visits, starts
`gunicorn -w 4` on a free loopback port and runs the locust scenario of
bench/load_locust.py headless: each simulated device registers (POST /api/auth/device),
bootstraps (pull from cursor 0), then pushes answer batches, uploads photos (HEAD + PUT, linked
by the next push) and pulls incrementally. Prints requests/s, p50/p95/p99 latency per request
type and overall, for the ramp-up (devices starting over --ramp seconds, 20 by default) and
for the steady state that follows (--seconds long), the server's CPU time in the steady state,
and the error count; drops the database and stops every process at the end.

The read log (otto.inspections.read_log) costs a pull a row per visit with agency-only items.
Its in-run baseline (`--read-log split`, the default): the visits alternate between devices
whose requests the server handles with the read log and devices it handles without (a
request header this benchmark's server honours, see `app_for_bench`), so both halves share
the same server, database and moment, and the push and pull p95 of each half are printed
side by side. `--read-log on` or `off` runs every device one way.

The ceiling (`--ceiling 500,1000,2000,…`): one server, database and locust run; after the
ramp-up, one step of --seconds per device count until push or pull p95 reaches 250 ms or a
request fails, printing devices → requests/s, push and pull p95, errors and the server's
CPU share. Time is compressed: the --users tablets locust runs stand for N devices by
waiting --wait × users / N between syncs (500 devices at 30–90 s with 100 tablets: 6–18
s), so the server sees the request rate of N devices at the same mix of pushes, photos
and pulls; what it does not see is N devices' connections, registrations and visits (the
tablets register once, five to a visit). A tablet waits for its answer before it thinks,
so once latency is no longer small beside the scaled think time the rate falls short of
N devices': the printed requests/s is what the server got.

Needs the bench extra (`.venv/bin/pip install -e '.[bench]'`) and a PostgreSQL server.
Run from the repository root:

    .venv/bin/python bench/load.py [--seconds 60] [--users 50] [--read-log split|on|off]
    .venv/bin/python bench/load.py --ceiling 500,1000,2000,4000,6000,8000 --users 100 \
        --wait 30,90 --seconds 60 --ramp 60

The server is reached through OTTO_BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), a database used only to create and drop the
benchmark's own.
"""

import argparse
import csv
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get(
    "OTTO_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AGENCIES = ("miljo", "brand", "livsmedel", "polis", "skatt")
PASSWORD = "ett-långt-lösenord-för-last"
TARGET_MS = 250
# Devices start over this many seconds (registration checks a password hash: CPU-heavy by
# design); the steady-state figures start once all are up, and last --seconds.
RAMP_SECONDS = 20
# A request with this header set to "off" is handled without the read log (app_for_bench).
READ_LOG_HEADER = "X-Bench-Read-Log"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long locust runs")
    parser.add_argument("--users", type=int, default=50, help="simulated devices")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--database", default="otto_load_bench", help="created and dropped")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--wait", default="2,6", help="think time MIN,MAX seconds per device")
    parser.add_argument(
        "--ramp",
        type=int,
        default=RAMP_SECONDS,
        help="seconds over which the devices start (each registers: a slow password check)",
    )
    parser.add_argument(
        "--read-log",
        choices=("split", "on", "off"),
        default="split",
        help="half the visits' devices without the read log (split), or all one way",
    )
    parser.add_argument(
        "--ceiling",
        metavar="DEVICES,…",
        help="steps of simulated devices: --users tablets with think time scaled to each "
        "(see the module docstring); stops at the first step over target (--read-log on)",
    )
    parser.add_argument(
        "--all-steps",
        action="store_true",
        help="run every --ceiling step, also past the first over target (the trend)",
    )
    return parser.parse_args()


def app_for_bench():
    """The app gunicorn serves here: OTTO's, except that a request with READ_LOG_HEADER
    "off" gathers no reads (so writes none): the baseline half of --read-log split. Only
    for this benchmark; OTTO itself has no way to switch the read log off."""
    from flask import has_request_context, request

    from otto import create_app
    from otto.inspections import read_log

    def switched(record):
        def maybe(*args, **kwargs):
            if has_request_context() and request.headers.get(READ_LOG_HEADER) != "off":
                record(*args, **kwargs)

        return maybe

    read_log.saw, read_log.saw_keys = switched(read_log.saw), switched(read_log.saw_keys)
    return create_app()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def create_database(name: str) -> str:
    """Create the benchmark's database (dropping a leftover one); return its URL."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(ADMIN_URL).set(database=name).render_as_string(False)


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flask(env: dict, *args: str) -> None:
    subprocess.run(
        [str(BIN / "flask"), "--app", "otto", *args],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def seed_devices(url: str, users: int, folder: Path, read_log: str = "on") -> Path:
    """Add `users` inspectors (spread over the agencies with a library checklist) and plan
    one joint visit per five of them, each with their agency's pinned checklist. Writes the
    accounts the locust devices use (login, visit, checklist version, question ids, and
    whether the server keeps the read log for them: every other visit's devices for `split`)
    to a JSON file and returns its path."""
    from sqlalchemy import select

    from otto import create_app
    from otto.accounts.models import User
    from otto.accounts.services import create_user
    from otto.auth import Actor
    from otto.checklists.models import Template, TemplateVersion, VersionStatus
    from otto.extensions import db
    from otto.inspections.businesses import create_business
    from otto.inspections.org_number import with_check_digit
    from otto.inspections.visits import plan_visit
    from otto.timeutil import utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PHOTO_DIR": str(folder / "photos")})
    accounts = []
    with app.app_context():
        coordinator = db.session.scalar(select(User).where(User.username == "samordnare"))
        versions = {
            v.template.agency_code: v
            for v in db.session.scalars(
                select(TemplateVersion)
                .join(Template)
                .where(TemplateVersion.status == VersionStatus.PUBLISHED)
            )
        }
        start = utcnow().replace(microsecond=0)
        team = []
        for n in range(users):
            agency = AGENCIES[n % len(AGENCIES)]
            user = create_user(
                None,
                username=f"last{n:02d}",
                name=f"Lastinspektör {n}",
                email=f"last{n}@botkyrka.example",
                role="inspector",
                agency=agency,
                password=PASSWORD,
            )
            team.append(user)
        for first in range(0, users, len(AGENCIES)):
            members = team[first : first + len(AGENCIES)]
            business = create_business(
                None,
                name=f"Lastbolaget {first // len(AGENCIES)}",
                org_number=with_check_digit(f"5590{first:05d}"),
                address="Lastgatan 1",
                category="restaurang",
            )
            visit = plan_visit(
                Actor(coordinator),
                business_id=business.id,
                planned_start=start,
                planned_end=start + dt.timedelta(hours=3),
                participants=[
                    {"user_id": u.id, "template_version_ids": [versions[u.agency_code].id]}
                    for u in members
                ],
            )
            logged = read_log == "on" or (read_log == "split" and first // len(AGENCIES) % 2 == 0)
            for user in members:
                version = versions[user.agency_code]
                questions = [q for s in version.body["sections"] for q in s["questions"]]
                accounts.append(
                    {
                        "username": user.username,
                        "password": PASSWORD,
                        "visit_id": visit.id,
                        "template_version": version.id,
                        "yesno": [q["id"] for q in questions if q["type"] == "yesno"],
                        "photo": [q["id"] for q in questions if q["type"] == "photo"],
                        "read_log": logged,
                        "label": f" (read log {'on' if logged else 'off'})"
                        if read_log == "split"
                        else "",
                    }
                )
        db.session.commit()
        db.engine.dispose()
    path = folder / "devices.json"
    path.write_text(json.dumps(accounts))
    return path


def start_server(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    """gunicorn with `workers` sync workers on loopback, in its own process group."""
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "bench.load:app_for_bench()",
        ],
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=5)
            return server
        except urllib.error.HTTPError:
            return server  # it answers
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {log}") from None
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer; see {log}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def server_cpu_seconds(server: subprocess.Popen, database: str) -> float:
    """CPU time used so far by the gunicorn processes and the PostgreSQL backends serving
    the benchmark's database (backends that ended are not counted)."""
    import psutil  # a dependency of locust

    processes = [psutil.Process(server.pid), *psutil.Process(server.pid).children(recursive=True)]
    for process in psutil.process_iter(["cmdline"]):
        if any(f" {database} " in f" {part} " for part in process.info["cmdline"] or []):
            processes.append(process)
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def start_locust(
    env: dict, port: int, users: int, ramp: int, folder: Path, *extra: str
) -> subprocess.Popen:
    """Start bench/load_locust.py headless against the server: `users` tablets spawned over
    `ramp` seconds, its output in folder/locust.log; `extra` locust options."""
    return subprocess.Popen(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "load_locust.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            f"{users / ramp:.3f}",
            "--host",
            f"http://127.0.0.1:{port}",
            *extra,
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        env=env,
        cwd=ROOT,
        stdout=(folder / "locust.log").open("w"),
        stderr=subprocess.STDOUT,
    )


def run_locust(
    env: dict, port: int, users: int, seconds: int, folder: Path, cpu, ramp: int = RAMP_SECONDS
) -> float:
    """Run the scenario; return the server's CPU seconds during the steady state (`cpu()`
    read when the ramp-up ends and at the end)."""
    locust = start_locust(
        env,
        port,
        users,
        ramp,
        folder,
        "--run-time",
        f"{seconds + ramp}s",
        "--csv",
        str(folder / "locust"),
    )
    while not (folder / "ramp.json").exists() and locust.poll() is None:
        time.sleep(0.1)
    at_start = cpu()
    if locust.wait() != 0:
        raise SystemExit(f"locust failed; see {folder / 'locust.log'}")
    return cpu() - at_start


def table(rows: list[dict]) -> None:
    """Print one table of figures (locust's CSV column names)."""
    header = f"{'request':<48}{'count':>8}{'errors':>8}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}"
    print(header + "   (latencies in ms)")
    print("-" * len(header))
    for row in rows:
        if int(row["Request Count"]) == 0:
            continue
        name = "overall" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        print(
            f"{name:<48}{row['Request Count']:>8}{row['Failure Count']:>8}"
            f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
        )


def report(prefix: Path, ramp: Path, cpu_seconds: float, seconds: int) -> dict[str, float]:
    """Print the figures of the ramp-up and of the steady state, and every error; return the
    steady state's p50 and p95 (ms) of each push and pull row by name."""
    print("Ramp-up: every device registers (password check) and bootstraps (pull from 0)")
    ramp_up = json.loads(ramp.read_text())
    table(ramp_up["stats"])
    with open(f"{prefix}_stats.csv", newline="") as stats:
        rows = list(csv.DictReader(stats))
    print("\nSteady state: pushes of answers, photo uploads, incremental pulls")
    table(rows)
    requests = sum(int(r["Request Count"]) for r in rows if r["Name"] == "Aggregated")
    print(
        f"server CPU in the steady state (gunicorn + PostgreSQL backends): {cpu_seconds:.1f} s "
        f"in {seconds} s ({cpu_seconds / seconds / (os.cpu_count() or 1):.0%} of the machine), "
        f"{1000 * cpu_seconds / max(requests, 1):.0f} ms per request"
    )
    with open(f"{prefix}_failures.csv", newline="") as failures:
        errors = ramp_up["errors"] + list(csv.DictReader(failures))
    with open(f"{prefix}_exceptions.csv", newline="") as exceptions:
        crashes = list(csv.DictReader(exceptions))  # the scenario itself failed
    total = sum(int(e["Occurrences"]) for e in errors) + sum(int(c["Count"]) for c in crashes)
    print(f"\nerrors: {total}")
    for error in errors:
        print(f"  {error['Occurrences']} × {error['Method']} {error['Name']}: {error['Error']}")
    for crash in crashes:
        print(f"  {crash['Count']} × exception in the scenario: {crash['Message']}")
    sync = [r for r in rows if "/api/sync/" in r["Name"] and int(r["Request Count"])]
    slow = [r["Name"] for r in sync if float(r["95%"]) >= TARGET_MS]
    verdict = "met" if not slow and total == 0 else "NOT met"
    print(f"target (zero errors, p95 < {TARGET_MS} ms for push and pull): {verdict}")
    return {r["Name"]: (float(r["50%"]), float(r["95%"])) for r in sync}


def compare_read_log(figures: dict[str, tuple[float, float]], read_events: int) -> None:
    """Print the push and pull p50 and p95 of the devices without and with the read log."""
    print(f"\nRead log cost, steady state, ms ({read_events} read events written)")
    print(f"{'request':<26}{'without':>10}{'with':>10}{'change':>10}   (issue 21: p95 < 10%)")
    for kind in ("push", "pull"):
        off = figures.get(f"/api/sync/{kind} (read log off)")
        on = figures.get(f"/api/sync/{kind} (read log on)")
        if not (off and on):
            continue
        for name, index in (("p50", 0), ("p95", 1)):
            before, after = off[index], on[index]
            print(
                f"{f'/api/sync/{kind} {name}':<26}{before:>10.0f}{after:>10.0f}"
                f"{(after - before) / before:>+10.0%}"
            )


def step_figures(figures: dict) -> dict:
    """One ceiling step's figures (a step file of bench/load_locust.py): requests/s, push
    and pull p95 (ms), errors."""
    rows = {row["Name"]: row for row in figures["stats"]}

    def p95(name):
        row = rows.get(name)
        return float(row["95%"] or 0) if row and row["Request Count"] else float("nan")

    return {
        "rps": float(rows["Aggregated"]["Requests/s"]),
        "push": p95("/api/sync/push"),
        "pull": p95("/api/sync/pull"),
        "errors": sum(int(e["Occurrences"]) for e in figures["errors"]),
    }


def ceiling(args, env: dict, port: int, server: subprocess.Popen, folder: Path) -> None:
    """One locust run: the --users tablets register and bootstrap, then the think time
    steps through --ceiling (bench/load_locust.py); print each step's row as it ends, and
    stop at the first whose push or pull p95 reaches TARGET_MS or that has errors."""
    steps = [int(n) for n in args.ceiling.split(",")]
    low, high = (float(s) for s in args.wait.split(","))
    env = {
        **env,
        "OTTO_LOAD_STEPS": args.ceiling,
        "OTTO_LOAD_STEP_SECONDS": str(args.seconds),
        "OTTO_LOAD_STEP_STATS": str(folder / "step-{}.json"),
    }
    locust = start_locust(env, port, args.users, args.ramp, folder)
    header = (
        f"{'devices':>8}{'think s':>12}{'req/s':>8}{'push p95':>10}{'pull p95':>10}"
        f"{'errors':>8}{'server CPU':>12}{'load avg':>10}"
    )
    rows, over = [], None
    try:
        while not (folder / "ramp.json").exists():
            if locust.poll() is not None:
                raise SystemExit(f"locust ended in the ramp-up; see {folder / 'locust.log'}")
            time.sleep(0.2)
        ramp = json.loads((folder / "ramp.json").read_text())
        print("ramp-up (every tablet registers and bootstraps):")
        table(ramp["stats"])
        print(
            f"\nceiling: {args.users} tablets standing for each step's devices (p95 in ms; "
            "the machine's 1-minute load average at the step's end: other work shares "
            f"the CPUs)\n{header}",
            flush=True,
        )
        cpu = server_cpu_seconds(server, args.database)
        for devices in steps:
            step = folder / f"step-{devices}.json"
            while not step.exists():
                if locust.poll() is not None:
                    raise SystemExit(f"locust ended early; see {folder / 'locust.log'}")
                time.sleep(0.2)
            time.sleep(0.2)  # written whole
            figures = step_figures(json.loads(step.read_text()))
            now = server_cpu_seconds(server, args.database)
            used, cpu = now - cpu, now
            scale = args.users / devices
            print(
                f"{devices:>8}{f'{low * scale:.1f}–{high * scale:.1f}':>12}"
                f"{figures['rps']:>8.1f}{figures['push']:>10.0f}{figures['pull']:>10.0f}"
                f"{figures['errors']:>8}"
                f"{used / args.seconds / (os.cpu_count() or 1):>12.0%}"
                f"{os.getloadavg()[0]:>10.1f}",
                flush=True,
            )
            rows.append(devices)
            if figures["errors"] or max(figures["push"], figures["pull"]) >= TARGET_MS:
                over = over or devices
                if not args.all_steps:
                    break
    finally:
        if locust.poll() is None:
            locust.send_signal(signal.SIGTERM)
            locust.wait(timeout=60)
    under = [devices for devices in rows if devices < (over or steps[-1] + 1)]
    if over is None:
        print(f"p95 stayed under {TARGET_MS} ms with 0 errors up to {steps[-1]} devices")
    else:
        print(
            f"ceiling: p95 ≥ {TARGET_MS} ms or errors at {over} devices"
            + (f", under at {under[-1]}" if under else "")
        )
    print(f"each step's figures: {folder}/step-*.json")


def count_read_events(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM read_event").fetchone()[0]


def main():
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="otto-load-"))
    url = create_database(args.database)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "load-benchmark",
        "OTTO_INSTANCE_DIR": str(folder),
        "OTTO_PHOTO_DIR": str(folder / "photos"),
        "OTTO_RUN_SCHEDULER": "0",
        "OTTO_LOAD_DEVICES": "",
        "OTTO_LOAD_WAIT": args.wait,
        "OTTO_LOAD_RAMP_STATS": str(folder / "ramp.json"),
    }
    server = None
    try:
        flask(env, "db", "upgrade")
        flask(env, "seed-demo")
        read_log = "on" if args.ceiling else args.read_log
        env["OTTO_LOAD_DEVICES"] = str(seed_devices(url, args.users, folder, read_log))
        server = start_server(env, port, args.workers, folder / "gunicorn.log")
        if args.ceiling:
            print(
                f"gunicorn -w {args.workers} on PostgreSQL, {os.cpu_count()} CPUs "
                f"({time.strftime('%Y-%m-%d')}), think time {args.wait} s per device, "
                f"{args.seconds} s steady state per step; load average before: "
                "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
            )
            ceiling(args, env, port, server, folder)
            print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
            return
        print(
            f"{args.users} devices, think time {args.wait} s, {args.seconds} s, "
            f"gunicorn -w {args.workers} on "
            f"PostgreSQL, {os.cpu_count()} CPUs ({time.strftime('%Y-%m-%d')}); load average "
            "before: {:.1f} {:.1f} {:.1f}\n".format(*os.getloadavg())
        )
        cpu_seconds = run_locust(
            env,
            port,
            args.users,
            args.seconds,
            folder,
            lambda: server_cpu_seconds(server, args.database),
            args.ramp,
        )
        figures = report(folder / "locust", folder / "ramp.json", cpu_seconds, args.seconds)
        if args.read_log == "split":
            compare_read_log(figures, count_read_events(url))
        print(
            "load average (1, 5, 15 min) at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
        )
        print(f"\nlogs: {folder / 'gunicorn.log'}, {folder / 'locust.log'}")
    finally:
        if server is not None:
            stop(server)
        if not args.keep:
            drop_database(args.database)


if __name__ == "__main__":
    main()
