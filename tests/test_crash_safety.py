"""Crash safety: the server process is killed (SIGKILL) in the middle of a large push,
restarted, and the tablet sends the same push again: every mutation takes effect exactly once.

The server is the real one, gunicorn on a free loopback port, on a database of its own (a
SQLite file, or a PostgreSQL database created for the module). So that the kill lands at a
known point without guessing at timings, the app factory gunicorn runs (`crash_app`, below)
reads a control file at the start of each push; when the test has armed it, the push stops
at the named point, writes a marker file and waits there for the SIGKILL:

- `mid`: once half of the batch's answer rows exist in the push's open transaction;
- `commit`: at the push's commit, every mutation applied, before COMMIT reaches the database;
- `after_commit`: after COMMIT, before the response is sent (the answer is lost).

After the crash, what the server kept must be a clean prefix of the batch: each recorded
mutation with its answer, its audit event and one feed entry, and nothing of the others.
After the restart and the retry, every mutation is applied exactly once, and the retry's
outcomes say which were applied before the crash (`duplicate`, replaying `applied`) and
which now (`applied`).
"""

import concurrent.futures
import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from flask import g, has_request_context, request
from flask_migrate import upgrade
from sqlalchemy import event, func, select

from otto import create_app
from otto.accounts import devices
from otto.accounts.models import Device, User
from otto.accounts.services import create_user, ensure_agencies
from otto.audit import AuditEvent
from otto.auth import Actor
from otto.changes.models import Change, SyncState
from otto.checklists.services import install_template
from otto.extensions import Session, db
from otto.inspections.businesses import create_business
from otto.inspections.models import Answer
from otto.inspections.visits import plan_visit
from otto.sync.models import SyncMutation
from otto.timeutil import utcnow

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
MUTATIONS = 2000
PUSH_PATH = "/api/sync/push"
# Only a guard against a hung server, so a broken run fails instead of blocking the suite.
HANG_GUARD_SECONDS = 300


# --- the server side: the app factory gunicorn runs -----------------------------------


_ANSWER_WRITES = ("INSERT INTO ANSWER", "UPDATE ANSWER", "INSERT INTO AUDIT_EVENT")


def _armed(point: str) -> bool:
    return has_request_context() and g.get("crash_at") == point


def _stop_here() -> None:
    """Tell the test the push has reached the crash point, then wait to be killed."""
    Path(g.crash_marker).write_text(str(os.getpid()))
    threading.Event().wait()


def crash_app():
    """otto's app, whose pushes stop at the point the control file names (if any)."""
    app = create_app()
    control = Path(os.environ["OTTO_TEST_CRASH_CONTROL"])

    @app.before_request
    def arm():
        if request.path == PUSH_PATH and control.exists():
            g.crash_at, g.crash_marker = control.read_text().split("\n")
            g.answers_before = db.session.scalar(select(func.count()).select_from(Answer))

    def after_write(conn, cursor, statement, parameters, context, executemany):
        """At `mid`: after a write to the answers (or their audit trail), count the answer
        rows the open transaction sees; stop once half of the batch's are there."""
        if _armed("mid") and statement.lstrip().upper().startswith(_ANSWER_WRITES):
            check = cursor.connection.cursor()
            check.execute("SELECT count(*) FROM answer")
            (rows,) = check.fetchone()
            check.close()
            if rows - g.answers_before >= MUTATIONS // 2:
                _stop_here()

    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", after_write)

    @event.listens_for(Session, "before_commit")
    def before_commit(session):
        if _armed("commit") and not session.in_nested_transaction():
            _stop_here()

    @event.listens_for(Session, "after_commit")
    def after_commit(session):
        if _armed("after_commit") and not session.in_nested_transaction():
            _stop_here()

    return app


# --- the test side -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn (one worker) serving `crash_app` in its own process group."""

    def __init__(self, url: str, folder: Path):
        self.url, self.folder = url, folder
        self.control = folder / "crash-control"
        self.port = _free_port()
        self.process = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "SECRET_KEY": "crash-test",
            "OTTO_INSTANCE_DIR": str(self.folder),
            "OTTO_PHOTO_DIR": str(self.folder / "photos"),
            "OTTO_RUN_SCHEDULER": "0",
            "OTTO_TEST_CRASH_CONTROL": str(self.control),
        }
        command = [str(GUNICORN), "--workers", "1", "--timeout", str(HANG_GUARD_SECONDS)]
        command += ["--bind", f"127.0.0.1:{self.port}", "tests.test_crash_safety:crash_app()"]
        with (self.folder / "gunicorn.log").open("a") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        guard = time.monotonic() + HANG_GUARD_SECONDS
        while time.monotonic() < guard:
            assert self.process.poll() is None, self.log()
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:  # any HTTP answer: the worker has loaded the app
                connection.request("GET", "/api/me")
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.05)
            finally:
                connection.close()
        pytest.fail(f"gunicorn did not start:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the whole process group: the gunicorn master and its worker."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()

    def log(self) -> str:
        return (self.folder / "gunicorn.log").read_text()

    def call(self, method: str, path: str, token: str, body: dict | None = None):
        """One API request; returns the status and the JSON answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=None)
        try:
            connection.request(
                method,
                path,
                None if body is None else json.dumps(body),
                {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def push(self, token: str, body: dict) -> tuple[int, dict]:
        return self.call("POST", PUSH_PATH, token, body)

    def crash_during(self, crash_at: str, token: str, body: dict) -> None:
        """Push `body` with the server armed to stop at `crash_at`; kill it there."""
        if self.process.poll() is not None:
            self.start()
        marker = self.folder / f"reached-{crash_at}"
        self.control.write_text(f"{crash_at}\n{marker}")
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pushing = pool.submit(self.push, token, body)
            guard = time.monotonic() + HANG_GUARD_SECONDS
            while not marker.exists():
                if pushing.done():
                    outcome = pushing.exception() or pushing.result()
                    pytest.fail(f"the push ended before the crash point: {outcome}\n{self.log()}")
                if time.monotonic() > guard:
                    pytest.fail(f"the push never reached the crash point:\n{self.log()}")
                time.sleep(0.01)
            self.control.unlink()  # the restarted server runs as it comes
            self.kill()
            # The tablet never got an answer: its outbox keeps the whole batch.
            with pytest.raises((http.client.HTTPException, ConnectionError)):
                pushing.result()


class Site:
    """The server, its database, and an inspector with a 2,000-question checklist."""

    def __init__(self, url: str, folder: Path):
        self.app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "PHOTO_DIR": str(folder)}
        )
        with self.app.app_context():
            upgrade()
            ensure_agencies()
            coordinator = create_user(
                None,
                username="sam",
                name="S",
                email="s@x.se",
                role="coordinator",
                password="x" * 12,
            )
            inspector = create_user(
                None,
                username="insp",
                name="I",
                email="i@x.se",
                role="inspector",
                agency="miljo",
                password="x" * 12,
            )
            questions = [
                {"id": f"q{n}", "type": "integer", "text": f"Fråga {n}"} for n in range(MUTATIONS)
            ]
            self.version_id = install_template(
                {
                    "key": "miljo-stor",
                    "agency": "miljo",
                    "title": "Stor checklista",
                    "sections": [{"id": "s", "title": "S", "questions": questions}],
                }
            ).id
            self.business_id = create_business(
                None, name="Kiosken", org_number="556677-8899", address="Gatan 1", category="kiosk"
            ).id
            db.session.commit()
            self.coordinator_id, self.inspector_id = coordinator.id, inspector.id
            db.session.remove()
        self.server = Server(url, folder)

    def new_tablet(self) -> tuple[str, str, str, list[dict]]:
        """A new visit for the inspector and a newly registered tablet, with the push it has
        queued offline: an answer to every question. Returns visit, device, token, push."""
        with self.app.app_context():
            start = utcnow().replace(microsecond=0)
            visit = plan_visit(
                Actor(db.session.get(User, self.coordinator_id)),
                business_id=self.business_id,
                planned_start=start,
                planned_end=start + dt.timedelta(days=1),
                participants=[
                    {"user_id": self.inspector_id, "template_version_ids": [self.version_id]}
                ],
            )
            inspector = db.session.get(User, self.inspector_id)
            device, token = devices.register_device(inspector, str(uuid.uuid4()), "Platta")
            db.session.commit()
            visit_id, device_id, epoch = visit.id, device.id, db.session.get(SyncState, 1).epoch
            db.session.remove()
        mutations = [
            {
                "id": str(uuid.uuid4()),
                "device_seq": n + 1,
                "entity": "answer",
                "entity_id": f"q{n}",
                "visit_id": visit_id,
                "template_version": self.version_id,
                "fields": {"value": n * 7},
                "base_version": 0,
            }
            for n in range(MUTATIONS)
        ]
        body = {"device_id": device_id, "epoch": epoch, "mutations": mutations}
        return visit_id, device_id, token, body

    def state(self, device_id: str, visit_id: str) -> dict:
        """What the database holds of the tablet's push."""
        with self.app.app_context():
            session = db.session
            answer_ids = {
                str(i)
                for i in session.scalars(select(Answer.id).where(Answer.visit_id == visit_id))
            }
            state = {
                "recorded": list(
                    session.execute(
                        select(
                            SyncMutation.device_seq, SyncMutation.mutation_id, SyncMutation.result
                        )
                        .where(SyncMutation.device_id == device_id)
                        .order_by(SyncMutation.device_seq)
                    )
                ),
                "answers": {
                    a.question_id: (a.value, a.version)
                    for a in session.scalars(select(Answer).where(Answer.visit_id == visit_id))
                },
                "answer_ids": answer_ids,
                "audited": list(
                    session.scalars(
                        select(AuditEvent.entity_id).where(
                            AuditEvent.entity == "answer", AuditEvent.device_id == device_id
                        )
                    )
                ),
                "answer_changes": list(
                    session.scalars(
                        select(Change.entity_id).where(
                            Change.entity == "answer", Change.visit_id == visit_id
                        )
                    )
                ),
                "feed": list(session.scalars(select(Change.seq))),
                "last_change_seq": session.get(SyncState, 1).last_change_seq,
                "last_seq": session.get(Device, device_id).last_seq,
            }
            session.remove()
        return state


@pytest.fixture(scope="module")
def site(app, empty_database, tmp_path_factory):
    """One site per database kind; its server runs between the tests (restarted by them)."""
    site = Site(empty_database(app.config["DB_KIND"]), tmp_path_factory.mktemp("crash"))
    site.server.start()
    yield site
    site.server.stop()
    with site.app.app_context():
        db.engine.dispose()


def _assert_clean_prefix(state: dict, mutations: list[dict]) -> int:
    """The server kept the first k mutations of the batch, each exactly once with all of
    its effects, and nothing of the rest; return k."""
    k = len(state["recorded"])
    assert [seq for seq, _, _ in state["recorded"]] == list(range(1, k + 1))
    assert [mid for _, mid, _ in state["recorded"]] == [m["id"] for m in mutations[:k]]
    assert all(result == {"status": "applied", "version": 1} for *_, result in state["recorded"])
    assert state["last_seq"] == k
    # The pushed values, each written once (version 1); no row for an unrecorded mutation.
    assert state["answers"] == {m["entity_id"]: (m["fields"]["value"], 1) for m in mutations[:k]}
    # One audit event and one feed entry per applied mutation, for exactly those answers.
    assert sorted(state["audited"]) == sorted(state["answer_ids"])
    assert sorted(state["answer_changes"]) == sorted(state["answer_ids"])
    # The whole feed is numbered without gaps or repeats: a killed push used no numbers.
    assert sorted(state["feed"]) == list(range(1, state["last_change_seq"] + 1))
    return k


@pytest.mark.no_rollback
@pytest.mark.parametrize("crash_at", ["mid", "commit", "after_commit"])
def test_a_push_killed_and_retried_takes_effect_exactly_once(site, crash_at):
    visit_id, device_id, token, body = site.new_tablet()
    mutations = body["mutations"]

    site.server.crash_during(crash_at, token, body)

    kept = _assert_clean_prefix(site.state(device_id, visit_id), mutations)
    if crash_at == "after_commit":
        assert kept == MUTATIONS  # committed; only the answer was lost
    else:
        assert kept < MUTATIONS  # the kill really cut the push short

    site.server.start()
    status, pulled = site.server.call("GET", "/api/sync/pull?cursor=0&limit=1", token)
    assert (status, pulled["acked_seq"]) == (200, kept)  # what the tablet learns on reconnect
    status, retry = site.server.push(token, body)  # the same batch: same ids, same seqs

    assert status == 200, retry
    assert retry["acked_seq"] == MUTATIONS
    assert [r["id"] for r in retry["results"]] == [m["id"] for m in mutations]
    applied = {"status": "applied", "version": 1}
    for result in retry["results"][:kept]:
        assert (result["status"], result["original"]) == ("duplicate", applied)
    for result in retry["results"][kept:]:
        assert (result["status"], result["version"]) == ("applied", 1)
    assert _assert_clean_prefix(site.state(device_id, visit_id), mutations) == MUTATIONS
