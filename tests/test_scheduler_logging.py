"""The scheduler says what it does: each job run and its outcome, and, in one line per
outage, that the database cannot be reached (no traceback every poll)."""

import logging
import threading

import pytest

from otto import create_app
from otto import scheduler as otto_scheduler


def test_a_job_run_is_logged_with_its_outcome(app, caplog):
    with caplog.at_level(logging.INFO, logger="otto.scheduler"):
        otto_scheduler.run_job("mark_overdue")
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["Job mark_overdue started", "Job mark_overdue done: 0"]


@pytest.mark.no_rollback
def test_an_unreachable_database_is_said_once_without_traceback(tmp_path, caplog, monkeypatch):
    # Nothing listens on port 1: every connection attempt is refused at once.
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://otto@127.0.0.1:1/otto",
            "SCHEDULER_POLL_SECONDS": 0,
        }
    )
    stop, attempts = threading.Event(), []
    acquire = otto_scheduler.LeaderLock.acquire

    def counted(lock):
        attempts.append(1)
        if len(attempts) == 5:
            stop.set()
        return acquire(lock)

    monkeypatch.setattr(otto_scheduler.LeaderLock, "acquire", counted)
    said = []
    with caplog.at_level(logging.DEBUG):
        otto_scheduler.run_as_leader(app, stop, said.append)
        with app.app_context():
            otto_scheduler.run_job("mark_overdue")
    assert len(attempts) == 5
    assert len(said) == 1 and said[0].startswith("Database unreachable (")
    assert "Trying again every 0 s" in said[0]
    (job_failure,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert job_failure.getMessage().startswith("Job mark_overdue failed: database unreachable")
    assert not any(record.exc_info for record in caplog.records)
