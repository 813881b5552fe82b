"""The scheduler runs jobs on one host at a time: on PostgreSQL the holder of an advisory
lock leads, the others wait, and one of them takes over when the leader's database session
ends (its process is killed, or its connection is cut)."""

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from otto import scheduler as otto_scheduler
from otto.extensions import db
from tests.conftest import make_app

pytestmark = [pytest.mark.no_rollback, pytest.mark.postgres_only]

ROOT = Path(__file__).resolve().parent.parent
LEADING, WAITING, LOST = "Leading", "Another scheduler is leading", "Lost the leader lock"
HANG_GUARD = 120  # seconds: only so a broken build fails instead of hanging


class Runner:
    """One scheduler (`run_as_leader`) on a thread, telling `said` of its roles as
    (runner, message)."""

    def __init__(self, app, said: queue.Queue):
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=otto_scheduler.run_as_leader,
            args=(app, self.stop, lambda message: said.put((self, message))),
        )

    def end(self) -> None:
        self.stop.set()
        self.thread.join(timeout=HANG_GUARD)


def lock_holders(url: str) -> list[int]:
    """The server processes (sessions) holding the leader lock in this database."""
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False)) as c:
        rows = c.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND objid = %s AND database = (SELECT oid FROM pg_database"
            " WHERE datname = current_database())",
            (otto_scheduler.LEADER_LOCK_KEY,),
        ).fetchall()
    return [pid for (pid,) in rows]


def test_one_scheduler_leads_and_another_takes_over_when_its_session_ends(
    app, empty_database, tmp_path_factory
):
    url = empty_database("postgres")
    # Two apps, as on two hosts: each has its own engine (a scheduler that stops disposes
    # its engine, which must not pull connections from under the other).
    hosts = [make_app(url, tmp_path_factory, SCHEDULER_POLL_SECONDS=0.02) for _ in range(2)]
    with hosts[0].app_context():
        upgrade()
        db.session.remove()
    said = queue.Queue()

    def next_message(runner, start):
        said_by, message = said.get(timeout=HANG_GUARD)
        return said_by is runner and message.startswith(start)

    first, second = Runner(hosts[0], said), Runner(hosts[1], said)
    try:
        first.thread.start()
        assert next_message(first, LEADING)
        second.thread.start()
        assert next_message(second, WAITING)
        (leader,) = lock_holders(url)  # exactly one session leads

        admin_url = make_url(url).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (leader,))

        # The old leader stops its jobs; whichever scheduler next takes the lock leads
        # (often the waiting one; the process test below shows it takes over alone).
        roles = {first: [], second: []}
        while not any(LEADING in message for message in roles[first] + roles[second]):
            runner, message = said.get(timeout=HANG_GUARD)
            roles[runner].append(message)
        assert roles[first][0].startswith(LOST)
        assert len(lock_holders(url)) == 1 and lock_holders(url) != [leader]
    finally:
        first.end()
        second.end()
        for host in hosts:
            with host.app_context():
                db.engine.dispose()
    assert not first.thread.is_alive() and not second.thread.is_alive()
    assert lock_holders(url) == []  # stopped schedulers leave the lock free


class Process:
    """`flask --app otto scheduler` as a real process, with its output lines."""

    def __init__(self, url: str, instance: Path):
        env = os.environ | {
            "DATABASE_URL": url,
            "OTTO_INSTANCE_DIR": str(instance),
            "OTTO_SCHEDULER_POLL_SECONDS": "0.05",
            "PYTHONUNBUFFERED": "1",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "otto", "scheduler"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, start: str) -> None:
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=HANG_GUARD)
            except queue.Empty:
                raise AssertionError(f"no {start!r} line; it said: {''.join(seen)}") from None
            assert line is not None, "".join(seen)  # the process ended first
            if start in line:
                return
            seen.append(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=HANG_GUARD)
        self.process.stdout.close()


def test_a_killed_scheduler_process_is_replaced_by_a_waiting_one(
    app, empty_database, tmp_path_factory, tmp_path
):
    url = empty_database("postgres")
    other = make_app(url, tmp_path_factory)
    with other.app_context():
        upgrade()
        db.engine.dispose()
    first = Process(url, tmp_path)
    second = None
    try:
        first.wait_for(LEADING)
        second = Process(url, tmp_path)
        second.wait_for(WAITING)
        first.process.kill()  # SIGKILL: no chance to let go of anything
        second.wait_for(LEADING)
    finally:
        first.stop()
        if second is not None:
            second.stop()
