"""A seeded tertial (May–August 2026) and the end of the one before, built through the
services: visits across agencies and categories, findings (one agency-only, one deleted,
one that looks like a spreadsheet formula) and follow-ups answered on time, late or not."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from otto.audit import AuditEvent
from otto.auth import Actor
from otto.changes.merge import Write
from otto.extensions import db
from otto.inspections import findings, followups, visits
from otto.inspections.models import FollowUp
from otto.inspections.org_number import with_check_digit

TZ = ZoneInfo("Europe/Stockholm")
INJECTION = '=HYPERLINK("http://evil.example","Klicka")'


def local(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=TZ)


@dataclass
class Seeded:
    coordinator: object
    inspectors: dict
    visits: dict
    findings: dict
    follow_ups: dict


@pytest.fixture
def seeded(make_user, make_business, make_visit):
    """The period's data; see the module docstring and the comments for the figures."""
    coordinator = make_user(role="coordinator")
    boss = Actor(coordinator)
    inspectors = {a: make_user(agency=a) for a in ("miljo", "polis", "livsmedel", "brand")}
    roma = make_business(
        name="Pizzeria Roma", org_number=with_check_digit("556101010"), category="pizzeria"
    )
    kiosk = make_business(
        name="Kiosk Centrum", org_number=with_check_digit("556202020"), category="kiosk"
    )
    nails = make_business(
        name="Nagelstudio Lux", org_number=with_check_digit("556303030"), category="nagelsalong"
    )

    def visit(business, start, agencies, case):
        return make_visit(
            coordinator=coordinator,
            inspectors=[inspectors[a] for a in agencies],
            business_id=business.id,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=2),
            case_number=case,
        )

    def finding(visit_, agency, severity, text, **fields):
        made = findings.create_finding(
            Write(Actor(inspectors[agency])),
            visit_id=visit_.id,
            severity=severity,
            description=text,
            **fields,
        )
        db.session.commit()
        return made

    def move(visit_, *statuses):
        for status in statuses:
            visits.set_visit_status(boss, visit_.id, status)
        db.session.commit()

    v = {
        # Tertial 2: three carried-out visits at two businesses.
        "roma_may": visit(roma, local("2026-05-12"), ("miljo", "polis"), "OTTO 2026-11"),
        "kiosk_june": visit(kiosk, local("2026-06-03"), ("livsmedel",), "OTTO 2026-12"),
        "roma_aug": visit(roma, local("2026-08-20"), ("brand",), "OTTO 2026-13"),
        # Tertial 2 but not counted: still planned, and cancelled.
        "nails_july": visit(nails, local("2026-07-01"), ("miljo",), "OTTO 2026-14"),
        "kiosk_cancelled": visit(kiosk, local("2026-07-15"), ("livsmedel",), "OTTO 2026-15"),
        # Half an hour before tertial 2 begins (Swedish time): tertial 1.
        "nails_april": visit(nails, local("2026-04-30", "23:30"), ("miljo",), "OTTO 2026-10"),
    }
    f = {
        "cold": finding(
            v["roma_may"],
            "miljo",
            "minor",
            "Kylskåp håller 10 °C",
            legal_ref="852/2004 bilaga II",
            follow_up_due=dt.date(2026, 5, 20),
        ),
        "police": finding(
            v["roma_may"],
            "polis",
            "major",
            "Misstänkt svartarbete i köket",
            legal_ref="BrB 9:1",
            visibility="agency",
            follow_up_due=dt.date(2026, 6, 1),
        ),
        "deleted": finding(v["roma_may"], "miljo", "info", "Felregistrerad"),
        "formula": finding(
            v["kiosk_june"],
            "livsmedel",
            "critical",
            INJECTION,
            legal_ref="@SUM(1)",
            follow_up_due=dt.date(2026, 6, 10),
        ),
        "april": finding(
            v["nails_april"], "miljo", "minor", "-5 °C i frysen", follow_up_due=dt.date(2026, 5, 5)
        ),
    }
    findings.delete_finding(
        Write(Actor(inspectors["miljo"]), base_version=f["deleted"].version), f["deleted"].id
    )
    move(v["roma_may"], "in_progress", "completed")
    move(v["kiosk_june"], "in_progress", "completed", "closed")
    move(v["roma_aug"], "in_progress", "completed")
    move(v["nails_april"], "in_progress", "completed")
    visits.cancel_visit(boss, v["kiosk_cancelled"].id)
    db.session.commit()

    def follow_up_of(finding_):
        return db.session.scalar(db.select(FollowUp).where(FollowUp.finding_id == finding_.id))

    fu = {name: follow_up_of(f[name]) for name in ("cold", "police", "formula", "april")}
    # The business answered the cold-storage follow-up the day before its deadline, the
    # police one four days late; the food-control one (due 10 June) was never answered.
    answered(boss, fu["cold"], "closed", local("2026-05-19", "15:00"))
    answered(boss, fu["police"], "received", local("2026-06-05", "09:00"))
    return Seeded(coordinator, inspectors, v, f, fu)


def answered(actor, follow_up, status, when):
    """Record a follow-up's outcome and date its audit event to when it happened."""
    followups.update_follow_up(actor, follow_up.id, status=status)
    db.session.flush()
    db.session.execute(
        update(AuditEvent)
        .where(
            AuditEvent.entity == "follow_up",
            AuditEvent.entity_id == str(follow_up.id),
            AuditEvent.action == "update",
        )
        .values(at=when.astimezone(dt.UTC))
    )
    db.session.commit()
