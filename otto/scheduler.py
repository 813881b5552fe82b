"""The scheduler: which job runs when, in one table, on APScheduler 3 with its job store in
the app's database (table `apscheduler_jobs`, created by APScheduler, outside our
migrations), so the next run times survive a restart and a run missed while the scheduler
was down happens when it is back (within the job's grace time).

Production runs it as its own process (`flask --app otto scheduler`); `make run` runs it
inside the development server (RUN_SCHEDULER). Web workers never start it. The process may
run on several hosts for availability: on PostgreSQL only the holder of an advisory lock (the
leader) runs jobs, the others wait and one takes over when the leader's database session ends
(see LeaderLock). Every job is also safe to run twice (see otto.inspections.tasks), so even
two leaders for a moment send nothing twice.
"""

import atexit
import datetime as dt
import logging
import threading
from collections.abc import Callable

import click
from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask, current_app
from flask.helpers import get_debug_flag
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool
from werkzeug.serving import is_running_from_reloader

from otto.accounts import tasks as account_tasks
from otto.extensions import db
from otto.inspections import tasks
from otto.timeutil import LOCAL_TZ, utcnow

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"  # migrations/env.py leaves apscheduler_* tables alone
HOUR = 3600
# The advisory lock that makes a scheduler the leader: any constant no other code uses.
LEADER_LOCK_KEY = 7_270_501

# id: (job, trigger, grace seconds for a run missed while the scheduler was down).
JOBS = {
    # Every five minutes, so follow-ups become overdue within minutes of midnight.
    "mark_overdue": (tasks.mark_overdue, CronTrigger(minute="*/5", timezone=LOCAL_TZ), HOUR),
    # Reminder windows open at 07:00; each reminder is sent once, whichever run finds it.
    "send_reminders": (tasks.send_reminders, CronTrigger(minute="*/15", timezone=LOCAL_TZ), HOUR),
    # Mails the SMTP server was not there for, when their next attempt is due.
    "retry_mail": (tasks.retry_mail, CronTrigger(minute="*/5", timezone=LOCAL_TZ), HOUR),
    # Thursday from 07:00, before the weekly situation-picture meeting; again every quarter
    # hour that day, so later office hours (OFFICE_HOURS) still send it (once: week_of).
    "weekly_digest": (
        tasks.weekly_digest,
        CronTrigger(day_of_week="thu", hour="7-16", minute="*/15", timezone=LOCAL_TZ),
        4 * HOUR,
    ),
    # Hourly: a visit leaves the tablets within the hour its working-set window ends.
    "archive_ended_visits": (
        tasks.archive_ended_visits,
        CronTrigger(minute=20, timezone=LOCAL_TZ),
        12 * HOUR,
    ),
    "apply_retention": (
        tasks.apply_retention,
        CronTrigger(hour=3, minute=30, timezone=LOCAL_TZ),
        12 * HOUR,
    ),
    # The read log is kept as long as the dossier's personal details (RETENTION_YEARS).
    "prune_read_log": (
        tasks.prune_read_log,
        CronTrigger(hour=3, minute=45, timezone=LOCAL_TZ),
        12 * HOUR,
    ),
    # Old sign-ins and forgotten login counts (the audit trail keeps every sign-in).
    "prune_sign_ins": (
        account_tasks.prune_sign_ins,
        CronTrigger(hour=4, minute=0, timezone=LOCAL_TZ),
        12 * HOUR,
    ),
}


def run_job(job_id: str) -> None:
    """Run one job at the current time (APScheduler calls this by name, in an app context)
    and log its start and outcome. A database that cannot be reached is said in one line;
    any other failure is logged with its traceback. Either way the next run comes."""
    job, _trigger, _grace = JOBS[job_id]
    log.info("Job %s started", job_id)
    try:
        result = job(utcnow())
    except OperationalError as error:
        db.session.rollback()
        log.error("Job %s failed: database unreachable (%s)", job_id, short_error(error))
        return
    except Exception:
        db.session.rollback()
        log.exception("Job %s failed", job_id)
        return
    log.info("Job %s done: %s", job_id, result)


def short_error(error: BaseException) -> str:
    """The first line of a database error's message (not the SQL or the traceback)."""
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0] if message else type(error).__name__


class AppContextExecutor(ThreadPoolExecutor):
    """A thread pool that runs each job inside the app's context.

    Wraps the pool APScheduler 3 submits to (its `_pool`; APScheduler is pinned below 4).
    """

    def __init__(self, app: Flask, max_workers: int = 4):
        super().__init__(max_workers)
        self._pool = _InAppContext(self._pool, app)


class _InAppContext:
    def __init__(self, pool, app: Flask):
        self._pool, self._app = pool, app

    def submit(self, fn, *args, **kwargs):
        def in_context():
            with self._app.app_context():
                return fn(*args, **kwargs)

        return self._pool.submit(in_context)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait)


def _add_missing_jobs(scheduler: BaseScheduler) -> None:
    """Add the jobs the store does not have yet; keep the stored ones with their next run
    time (replacing them would skip a run missed during a restart), updating a trigger
    that changed in JOBS."""
    for job_id, (_job, trigger, grace) in JOBS.items():
        stored = scheduler.get_job(job_id)
        if stored is None:
            scheduler.add_job(
                run_job, trigger, args=[job_id], id=job_id, name=job_id, misfire_grace_time=grace
            )
        elif str(stored.trigger) != str(trigger):
            stored.reschedule(trigger)


def build_scheduler(app: Flask, scheduler_class: type[BaseScheduler] = BackgroundScheduler):
    """A scheduler for the app with its jobs, not started. The jobs are put in the store
    when it starts."""
    with app.app_context():
        engine = db.engine
    scheduler = scheduler_class(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        executors={"default": AppContextExecutor(app)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=LOCAL_TZ,
    )
    scheduler.add_listener(lambda _event: _add_missing_jobs(scheduler), EVENT_SCHEDULER_STARTED)
    return scheduler


def _is_dev_server() -> bool:
    """True in the process of `flask run` that serves requests (not in other commands, not
    under gunicorn, and not in the reloader's watching parent process)."""
    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run":
        return False
    reload = context.params.get("reload")
    if reload is None:
        reload = get_debug_flag()
    return not reload or is_running_from_reloader()


def start_in_dev_server(app: Flask) -> BackgroundScheduler | None:
    """Start a background scheduler when RUN_SCHEDULER is set and this is the development
    server's serving process; otherwise do nothing."""
    if not app.config["RUN_SCHEDULER"] or not _is_dev_server():
        return None
    scheduler = build_scheduler(app, BackgroundScheduler)
    scheduler.start()
    atexit.register(lambda: scheduler.shutdown(wait=False))
    log.info("Scheduler started in the development server")
    return scheduler


def parse_now(value: str | None) -> dt.datetime:
    """`--now` of the job commands: a Swedish local time (ISO), or the current time."""
    if not value:
        return utcnow()
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(dt.UTC)


class LeaderLock:
    """Leadership among scheduler processes on several hosts.

    On PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) taken on a
    connection of its own, kept for as long as the process leads. The server releases it
    when that session ends: the process exits or is killed, or its host or network dies (the
    server's TCP keepalives are shortened on this session so that is noticed within about a
    minute). On SQLite there is one host, which always leads.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._connection = None
        # Why the last acquire() could not ask the database, or None when it could.
        self.unreachable: str | None = None

    def acquire(self) -> bool:
        """Try to become the leader, without waiting; True when this process leads. When
        the database cannot be reached, False with the reason in `unreachable`."""
        self.unreachable = None
        if self.engine.dialect.name != "postgresql":
            return True
        try:
            if self._connection is None:
                # Not from the app's pool: closing this connection must end the session.
                engine = create_engine(self.engine.url, poolclass=NullPool)
                connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                self._connection = connection
                for setting in ("idle = 30", "interval = 10", "count = 3"):
                    connection.execute(text(f"SET tcp_keepalives_{setting}"))
            return bool(
                self._connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY}
                )
            )
        except DBAPIError as error:  # the database is away: nobody can lead through it now
            self.unreachable = short_error(error)
            self.release()
            return False

    def held(self) -> bool:
        """True while the lock's session is alive (a session lock lasts as long as it)."""
        if self.engine.dialect.name != "postgresql":
            return True
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            return True
        except DBAPIError:
            self.release()
            return False

    def release(self) -> None:
        """Give up leadership: closing the session releases the lock."""
        if self._connection is not None:
            try:
                self._connection.close()
            except DBAPIError:
                pass  # a dead session holds nothing
            self._connection = None


def run_as_leader(
    app: Flask,
    stop: threading.Event,
    report: Callable[[str], object] = log.info,
) -> None:
    """Run the scheduler whenever this process leads, until `stop` is set: wait for the
    leader lock, run the jobs while holding it, stop them at once if it is lost (and go
    back to waiting), checking every SCHEDULER_POLL_SECONDS. `report` hears of every
    change of role."""
    poll_seconds = app.config["SCHEDULER_POLL_SECONDS"]
    with app.app_context():
        lock = LeaderLock(db.engine)
    try:
        said = None  # why this process last said it is not leading (each said once)
        while not stop.is_set():
            if not lock.acquire():
                if lock.unreachable and said != "unreachable":
                    report(
                        f"Database unreachable ({lock.unreachable}); no jobs run until it "
                        f"answers. Trying again every {poll_seconds:g} s."
                    )
                    said = "unreachable"
                elif not lock.unreachable and said != "waiting":
                    if said == "unreachable":
                        report("Database reachable again.")
                    report("Another scheduler is leading; this one takes over if it stops.")
                    said = "waiting"
                stop.wait(poll_seconds)
                continue
            if said == "unreachable":
                report("Database reachable again.")
            said = None
            scheduler = build_scheduler(app, BackgroundScheduler)
            scheduler.start()
            report("Leading: this scheduler runs the jobs.")
            try:
                while not stop.wait(poll_seconds):
                    if not lock.held():
                        report("Lost the leader lock (database session ended); jobs stopped.")
                        break
            finally:
                scheduler.shutdown()
    finally:
        lock.release()


def run_blocking(report: Callable[[str], object] = log.info) -> None:
    """Run the scheduler in this process until interrupted (`flask --app otto scheduler`):
    it runs the jobs while it leads (see run_as_leader)."""
    try:
        run_as_leader(current_app._get_current_object(), threading.Event(), report)
    except (KeyboardInterrupt, SystemExit):
        pass
