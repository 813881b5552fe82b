"""Risk-based selection: the ranking's factors say exactly what the data holds, signals follow
the agency rule, admins set the weights, and one click leads to a prefilled planning form."""

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from otto.analysis import selection
from otto.audit import AuditEvent
from otto.auth import Actor
from otto.changes.merge import Write
from otto.errors import Forbidden, Invalid
from otto.extensions import db
from otto.inspections import findings, persons, signals
from otto.inspections.models import Finding, FollowUp, Visit, VisitStatus
from otto.timeutil import local_today, utcnow
from tests.web.conftest import text

DAY = dt.timedelta(days=1)


@pytest.fixture
def history(make_user, make_business, make_visit):
    """A pizzeria with a past visit 14 months and 5 days ago: 4 deviations in the last year
    (plus an older one, an observation and a deleted one, which do not count), one of them
    with a follow-up 21 days late, a joint tip from Botkyrkabyggen and a police-only tip."""
    coordinator = make_user(role="coordinator")
    miljo, polis = make_user(agency="miljo"), make_user(agency="polis")
    business = make_business(name="Pizzeria Risk", category="pizzeria")
    today = local_today()
    old = utcnow() - dt.timedelta(days=14 * 31 + 5)
    earlier = make_visit(
        coordinator=coordinator,
        inspectors=[miljo, polis],
        business_id=business.id,
        planned_start=old,
        planned_end=old + dt.timedelta(hours=2),
    )
    recent = make_visit(  # planned, not carried out: the last visit stays the old one
        coordinator=coordinator, inspectors=[miljo, polis], business_id=business.id
    )
    db.session.get(Visit, earlier.id).status = VisitStatus.COMPLETED

    def finding(visit, severity="minor", age_days=10, **fields):
        made = findings.create_finding(
            Write(Actor(miljo)), visit_id=visit.id, severity=severity, description="Fel", **fields
        )
        made.created_at = utcnow() - dt.timedelta(days=age_days)
        return made

    for age in (10, 100, 300):
        finding(recent, age_days=age, follow_up_due=today + dt.timedelta(days=30))
    finding(earlier, age_days=400)  # older than a year
    finding(recent, severity="info")
    findings.delete_finding(Write(Actor(miljo)), finding(recent).id)
    late = finding(recent, age_days=40, follow_up_due=today - dt.timedelta(days=21))
    db.session.flush()
    signals.record_signal(
        Actor(coordinator),
        business.id,
        source="Botkyrkabyggen",
        received_on=today - dt.timedelta(days=5),
        text="Många personer sover i lokalen.",
    )
    signals.record_signal(
        Actor(coordinator),
        business.id,
        source="Polisen",
        received_on=today - dt.timedelta(days=2),
        text="Misstänkt narkotikaförsäljning.",
        visibility="agency",
        agency_code="polis",
    )
    db.session.commit()
    return {
        "business": business,
        "coordinator": coordinator,
        "miljo": miljo,
        "polis": polis,
        "late": late,
        "today": today,
        "recent": recent,
    }


def ranked(user, name):
    ranking = selection.rank(user, utcnow(), per_page=100)
    return next(row for row in ranking.rows if row.business.name == name)


def test_the_factors_shown_equal_the_data(history):
    row = ranked(history["coordinator"], "Pizzeria Risk")
    w = selection.weights()
    # the data, counted here without the selection's code
    deviations = db.session.scalars(
        select(Finding)
        .join(Visit, Visit.id == Finding.visit_id)
        .where(
            Visit.business_id == history["business"].id,
            Finding.deleted_at.is_(None),
            Finding.severity != "info",
            Finding.created_at >= utcnow() - dt.timedelta(days=365),
        )
    ).all()
    open_follow_ups = db.session.scalars(
        select(FollowUp)
        .join(Visit, Visit.id == FollowUp.visit_id)
        .where(Visit.business_id == history["business"].id, FollowUp.status == "open")
    ).all()
    late = [f for f in open_follow_ups if f.due_date < history["today"]]
    days_late = (history["today"] - history["late"].follow_up_due).days
    assert (len(deviations), len(open_follow_ups), len(late), days_late) == (4, 5, 1, 21)
    shown = {factor.key: (factor.text, factor.points) for factor in row.factors}
    signal_texts = [f.text for f in row.factors if f.key == "signals"]
    day = (history["today"] - dt.timedelta(days=5)).isoformat()
    police_day = (history["today"] - dt.timedelta(days=2)).isoformat()
    assert shown["deviations"] == ("4 avvikelser senaste året", 4 * w["deviations"])
    assert shown["overdue_follow_ups"] == (
        "uppföljning försenad 21 dagar",
        w["overdue_follow_ups"],
    )
    assert shown["open_follow_ups"] == ("4 öppna uppföljningar", 4 * w["open_follow_ups"])
    assert shown["months_since_visit"] == (
        "ej besökt på 14 månader",
        14 * w["months_since_visit"],
    )
    assert signal_texts == [f"tips från Polisen {police_day}", f"tips från Botkyrkabyggen {day}"]
    assert shown["category"] == ("kategori Pizzeria", w["category:pizzeria"])
    assert "related" not in shown
    assert row.score == sum(factor.points for factor in row.factors)


def test_a_police_only_tip_counts_only_for_the_police(history):
    polis = ranked(history["polis"], "Pizzeria Risk")
    miljo = ranked(history["miljo"], "Pizzeria Risk")
    assert [f.text.split(" ")[2] for f in polis.factors if f.key == "signals"] == [
        "Polisen",
        "Botkyrkabyggen",
    ]
    assert [f.text.split(" ")[2] for f in miljo.factors if f.key == "signals"] == ["Botkyrkabyggen"]
    assert polis.score - miljo.score == selection.weights()["signals"]
    visible = db.session.scalars(signals.business_signals(history["miljo"], polis.business.id))
    assert [s.source for s in visible] == ["Botkyrkabyggen"]


def test_businesses_sharing_an_org_number_or_address_with_a_deviating_one_rank_higher(
    history, make_business
):
    deviating = history["business"]
    same_owner = make_business(
        name="Pizzeria Syster", org_number=deviating.org_number, address="Annan gata 1"
    )
    same_place = make_business(
        name="Nya Pizzerian",
        org_number="556036-0793",
        address=deviating.address.upper(),
        postal_code=deviating.postal_code,
    )
    stranger = make_business(name="Ensam Kiosk", org_number="556036-0793", address="Ödevägen 2")
    db.session.commit()
    texts = {
        b.name: [
            f.text for f in ranked(history["coordinator"], b.name).factors if f.key == "related"
        ]
        for b in (same_owner, same_place, stranger)
    }
    assert texts == {
        "Pizzeria Syster": ["samma organisationsnummer som 1 verksamhet med avvikelser"],
        "Nya Pizzerian": ["samma adress som 1 verksamhet med avvikelser"],
        "Ensam Kiosk": [],
    }


def test_weights_are_set_by_admins_audited_and_change_the_ranking(history, make_user):
    admin = make_user(role="admin")
    with pytest.raises(Forbidden):
        selection.set_weights(Actor(history["coordinator"]), {"signals": 100})
    with pytest.raises(Invalid) as refused:
        selection.set_weights(Actor(admin), {"signals": -1, "magic": 3})
    assert set(refused.value.details) == {"signals", "magic"}
    selection.set_weights(Actor(admin), {"signals": 100, "category:pizzeria": 0})
    db.session.commit()
    row = ranked(history["coordinator"], "Pizzeria Risk")
    points = {f.key: f.points for f in row.factors if f.key in ("signals", "category")}
    assert points == {"signals": 100}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "selection_weight"))
    assert event.after["signals"] == 100 and event.user_id == admin.id


def test_the_weights_page_names_each_factor_with_its_window(client, login, make_user):
    login(make_user(role="admin"))
    page = text(client.get("/verksamheter/urval/vikter"))
    assert f"hos en annan verksamhet inom {persons.SIGNAL_DAYS} dagar (poäng per person)" in page
    assert "{" not in page.split("<main", 1)[1]


def test_the_ranking_page_lists_reasons_and_plans_from_the_list(client, login, history):
    login(history["coordinator"])
    page = text(client.get("/verksamheter/urval"))
    business = history["business"]
    row = page.split(f'id="urval-{business.id}"', 1)[1].split("</tr>", 1)[0]
    assert "4 avvikelser senaste året" in row and "uppföljning försenad 21 dagar" in row
    assert "ej besökt på 14 månader" in row and "tips från Botkyrkabyggen" in row
    plan_url = f"/planering/ny?business_id={business.id}&amp;reason=planned"
    assert plan_url in row
    form = text(client.get(plan_url.replace("&amp;", "&")))
    assert "Planera besök hos Pizzeria Risk" in form


def test_a_signal_is_recorded_on_the_business_page_and_bad_input_changes_nothing(
    client, login, history
):
    business_id = history["business"].id
    login(history["coordinator"])
    bad = client.post(
        f"/verksamheter/{business_id}/signaler",
        data={"source": "", "received_on": "2026-11-30", "visibility": "agency"},
    )
    assert bad.status_code == 400
    assert 'id="source-error">Får inte vara tomt.' in text(bad)
    assert "Välj vilken myndighet tipset tillhör." in text(bad)  # agency-only, none chosen
    count = len(
        db.session.scalars(signals.business_signals(history["coordinator"], business_id)).all()
    )
    assert count == 2
    good = client.post(
        f"/verksamheter/{business_id}/signaler",
        data={
            "source": "Lägesbild",
            "received_on": "2026-11-30",
            "text": "Ny ägare.",
            "visibility": "joint",
        },
    )
    assert good.status_code == 302
    page = text(client.get(f"/verksamheter/{business_id}"))
    assert "2026-11-30 · Lägesbild" in page and "Ny ägare." in page
    assert "Misstänkt narkotikaförsäljning." in page  # coordinators see the police tip


def test_a_person_recorded_at_two_businesses_within_14_days_is_a_signal_for_the_recorder(
    make_user, make_business, make_visit
):
    coordinator = make_user(role="coordinator")
    polis, skatt = make_user(agency="polis"), make_user(agency="skatt")
    salons = [make_business(name=f"Salong {n}", category="nagelsalong") for n in (1, 2, 3)]
    now = utcnow()

    def seen(business, days_ago, number="811218-9876"):
        start = now - dt.timedelta(days=days_ago)
        visit = make_visit(
            coordinator=coordinator,
            inspectors=[polis, skatt],
            business_id=business.id,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=2),
        )
        persons.record_person(
            Write(Actor(polis)),
            visit_id=visit.id,
            person_id=str(uuid.uuid4()),
            name="Ali Rahimi",
            id_number=number,
            role="Nagelteknolog",
        )

    seen(salons[0], 20)
    seen(salons[1], 10)  # 10 days after the first: a repeat at both
    seen(salons[2], 60)  # the same person 40 days earlier: too long ago to be a repeat
    db.session.commit()

    def repeat_factors(user, business):
        row = ranked(user, business.name)
        return [(f.text, f.points) for f in row.factors if f.key == "repeat_persons"]

    weight = selection.weights()["repeat_persons"]
    text = "1 person på plats också registrerad hos en annan verksamhet inom 14 dagar"
    for user in (polis, coordinator):
        assert repeat_factors(user, salons[0]) == [(text, weight)]
        assert repeat_factors(user, salons[1]) == [(text, weight)]
        assert repeat_factors(user, salons[2]) == []
    # The police record is agency-only: the tax agency's ranking learns nothing from it.
    assert repeat_factors(skatt, salons[0]) == []
