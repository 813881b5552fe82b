"""Login throttling: failures lock a user name only at the address that made them, with a
lock that doubles from 30 s up to 15 min; many user names from one address are slowed too;
locks are audited and shown to admins. Time is the `now` given, never a sleep."""

import datetime as dt

import pytest
from sqlalchemy import select

from otto.accounts import services, sessions, throttle
from otto.accounts.models import LoginThrottle, WebSession
from otto.accounts.throttle import Policy
from otto.errors import TooManyRequests, Unauthorized
from otto.extensions import db
from otto.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.web.conftest import text

GUESSER, OFFICE = "203.0.113.66", "198.51.100.7"
POLICY = Policy(
    free_failures=5,
    address_free_failures=20,
    backoff_seconds=30,
    max_lock_seconds=900,
    forget_seconds=3600,
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = utcnow()

    def advance(self, seconds):
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return Clock()


def attempt(clock, username, password, address=GUESSER):
    """One login attempt: "ok", "wrong", or the seconds to wait when locked."""
    try:
        services.authenticate(username, password, address=address, policy=POLICY, now=clock.now)
        return "ok"
    except Unauthorized:
        return "wrong"
    except TooManyRequests as locked:
        return locked.details["retry_after"]


def test_the_lock_doubles_from_30_seconds_up_to_15_minutes(clock, make_user):
    user = make_user()
    for _ in range(4):
        assert attempt(clock, user.username, "gissning") == "wrong"
    locks = []
    for _ in range(7):
        assert attempt(clock, user.username, "gissning") == "wrong"
        waited = attempt(clock, user.username, PASSWORD)  # refused, not checked
        locks.append(waited)
        clock.advance(waited - 1)
        assert attempt(clock, user.username, PASSWORD) == 1
        clock.advance(1)
    assert locks == [30, 60, 120, 240, 480, 900, 900]
    assert attempt(clock, user.username, PASSWORD) == "ok"


def test_a_locked_attempt_is_not_counted(clock, make_user):
    user = make_user()
    for _ in range(5):
        attempt(clock, user.username, "gissning")
    for _ in range(10):
        assert attempt(clock, user.username, "gissning") == 30
    clock.advance(30)
    assert attempt(clock, user.username, PASSWORD) == "ok"


def test_anonymous_guesses_never_lock_out_the_real_user_elsewhere(clock, make_user):
    admin = make_user(role="admin")
    for _ in range(12):
        attempt(clock, admin.username, "gissning")
    assert isinstance(attempt(clock, admin.username, PASSWORD), int)
    assert attempt(clock, admin.username, PASSWORD, address=OFFICE) == "ok"


def test_guessing_over_many_user_names_from_one_address_is_slowed(clock, make_user):
    user = make_user()
    for n in range(19):
        assert attempt(clock, f"namn{n}", "gissning") == "wrong"
    assert attempt(clock, "namn19", "gissning") == "wrong"
    assert attempt(clock, user.username, PASSWORD) == 30
    assert attempt(clock, user.username, PASSWORD, address=OFFICE) == "ok"
    clock.advance(30)
    assert attempt(clock, "namn20", "gissning") == "wrong"
    assert attempt(clock, "namn21", "gissning") == 60


def test_a_successful_login_clears_the_users_count(clock, make_user):
    user = make_user()
    for _ in range(4):
        attempt(clock, user.username, "gissning")
    assert attempt(clock, user.username, PASSWORD) == "ok"
    for _ in range(4):
        assert attempt(clock, user.username, "gissning") == "wrong"
    assert attempt(clock, user.username, PASSWORD) == "ok"


def test_counts_are_forgotten_after_a_quiet_hour(clock, make_user):
    user = make_user()
    for _ in range(4):
        attempt(clock, user.username, "gissning")
    clock.advance(3601)
    for _ in range(4):
        assert attempt(clock, user.username, "gissning") == "wrong"
    assert attempt(clock, user.username, PASSWORD) == "ok"


def test_the_web_login_and_the_api_lock_only_the_guessers_address(client, app, make_user):
    user = make_user(role="coordinator")
    guesser = {"REMOTE_ADDR": GUESSER}
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post(
            "/login", data={"username": user.username, "password": "x"}, environ_base=guesser
        )
    refused = client.post(
        "/login", data={"username": user.username, "password": PASSWORD}, environ_base=guesser
    )
    assert refused.status_code == 429
    assert "För många misslyckade försök" in text(refused)
    registration = {
        "username": user.username,
        "password": PASSWORD,
        "device_id": "0b1c7b7e-8f0e-4f55-a0a5-2f1f3c9d7a11",
        "device_name": "Surfplatta",
    }
    api = client.post("/api/auth/device", json=registration, environ_base=guesser)
    assert (api.status_code, api.json["code"]) == (429, "login_locked")
    office = {"REMOTE_ADDR": OFFICE}
    assert (
        client.post("/api/auth/device", json=registration, environ_base=office).status_code == 201
    )
    signed_in = client.post(
        "/login", data={"username": user.username, "password": PASSWORD}, environ_base=office
    )
    assert signed_in.status_code == 302


def test_locks_are_audited_and_shown_to_admins(client, app, login, make_user):
    user = make_user(name="Låst Person")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post(
            "/login",
            data={"username": user.username, "password": "x"},
            environ_base={"REMOTE_ADDR": GUESSER},
        )
    login(make_user(role="admin"))
    page = text(client.get("/personer/sparrar"))
    assert user.username in page and GUESSER in page and "30 s" in page
    assert "Spärrade inloggningar" in text(client.get("/personer"))


def test_forgotten_counts_and_old_sign_ins_are_pruned(clock, make_user):
    quiet, recent = make_user(), make_user()
    for _ in range(2):
        attempt(clock, quiet.username, "gissning")
    clock.advance(3601)
    attempt(clock, recent.username, "gissning")
    assert throttle.prune(clock.now, POLICY) == 1  # the quiet user's count, nothing else
    kept = db.session.scalars(select(LoginThrottle.username)).all()
    assert sorted(kept) == sorted([recent.username, throttle.ADDRESS_WIDE])

    old, _ = sessions.start_session(quiet, address=GUESSER, user_agent="Firefox")
    live, _ = sessions.start_session(recent, address=GUESSER, user_agent="Safari")
    old.last_seen_at = old.ended_at = clock.now - dt.timedelta(days=100)
    db.session.flush()
    assert sessions.prune(clock.now - dt.timedelta(days=90)) == 1
    assert db.session.scalars(select(WebSession.id)).all() == [live.id]
