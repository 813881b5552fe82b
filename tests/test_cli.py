"""The demo seed and the account command a real installation uses."""

import datetime as dt

from sqlalchemy import func, select

from otto.accounts.models import User
from otto.checklists.models import Template
from otto.extensions import db
from otto.inspections.models import Business, Visit
from otto.inspections.org_number import normalize_org_number


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_loads_a_realistic_demo_and_prints_logins(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "samordnare" in result.output and "otto-demo-2026" in result.output
    assert "Maria Öberg" in result.output
    agencies = set(db.session.scalars(select(User.agency_code).where(User.role == "inspector")))
    assert {"miljo", "brand", "livsmedel", "polis"} <= agencies
    businesses = list(db.session.scalars(select(Business)))
    assert len(businesses) >= 12
    assert len({b.category for b in businesses}) >= 6
    for business in businesses:
        assert normalize_org_number(business.org_number) == business.org_number
    visit = db.session.scalar(select(Visit).order_by(Visit.planned_start.desc()))  # today's
    today = dt.datetime.now(dt.UTC).astimezone().date()
    assert abs((visit.planned_start.date() - today).days) <= 1
    assert {a.agency_code for a in visit.assignments} == {"miljo", "brand", "livsmedel", "polis"}
    assert all(a.template_version_id for a in visit.assignments)
    assert count(Template) >= 5


def test_seed_demo_twice_creates_nothing_new(runner):
    runner.invoke(args=["seed-demo"])
    counts = [count(User), count(Business), count(Visit), count(Template)]
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "already present" in result.output
    assert [count(User), count(Business), count(Visit), count(Template)] == counts


def test_create_user_command(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--username",
            "kerstin",
            "--name",
            "Kerstin Å",
            "--email",
            "k@kommun.se",
            "--role",
            "inspector",
            "--agency",
            "livsmedel",
        ],
        input="ett-långt-lösenord\nett-långt-lösenord\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "kerstin"))
    assert user.agency_code == "livsmedel" and user.password_hash != "ett-långt-lösenord"


def test_create_user_command_reports_bad_input(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--username",
            "x y",
            "--name",
            "N",
            "--email",
            "e@x.se",
            "--role",
            "inspector",
        ],
        input="kort\nkort\n",
    )
    assert result.exit_code != 0
    assert "agency" in result.output and "password" in result.output
