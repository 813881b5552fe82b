"""Persons on site through sync: recorded offline and pushed, validated with Swedish messages,
merged when recorded twice, each agency's observations kept from the other agencies, the
identity number never stored in clear text, a repeat recognised across visits by the keyed
hash, and removed by retention with their counts kept."""

import datetime as dt
import uuid

from sqlalchemy import select, text

from otto.analysis import statistics
from otto.analysis.periods import period_of
from otto.auth import Actor
from otto.extensions import db
from otto.inspections import persons
from otto.inspections.models import PersonObservation, SitePerson, Visit
from otto.inspections.read_log import ReadEvent
from otto.reports.content import load_content
from otto.reports.render import render_html
from otto.timeutil import LOCAL_TZ, utcnow
from tests.sync.conftest import Device

NUMBER = "19811218-9876"  # a valid personnummer (otto/inspections/identity_vectors.json)
SHORT_NUMBER = "811218-9876"
COORDINATION_NUMBER = "811278-9873"
POLICE_NOTE = "Uppger att han började i måndags"
TAX_NOTE = "Saknas i personalliggaren sedan i morse"


def new_id() -> str:
    return str(uuid.uuid4())


def person(device, visit, person_id=None, **fields):
    fields = {"name": "Ali Rahimi", "id_number": SHORT_NUMBER, "role": "Kock"} | fields
    return device.mutation("site_person", person_id or new_id(), visit.id, fields)


def observation(device, visit, person_id, **fields):
    fields = {"person_id": person_id} | fields
    return device.mutation("person_observation", new_id(), visit.id, fields)


def results(response):
    assert response.status_code == 200, response.json
    return response.json["results"]


def test_an_invalid_identity_number_is_refused_naming_what_is_wrong(client, make_user, make_visit):
    inspector = make_user(agency="polis")
    visit = make_visit(inspectors=[inspector])
    tablet = Device(client, inspector)
    wrong_digit, wrong_date, corrected = results(
        tablet.push(
            [
                person(tablet, visit, id_number="811218-9877"),
                person(tablet, visit, id_number="811232-1230"),
                person(tablet, visit, id_number=SHORT_NUMBER),
            ]
        )
    )
    assert wrong_digit["status"] == "rejected"
    assert wrong_digit["code"] == "invalid_identity_number"
    assert wrong_digit["message"] == (
        "Personnumret eller samordningsnumret: "
        "Kontrollsiffran (sista siffran) stämmer inte. Kontrollera numret."
    )
    assert wrong_date["code"] == "invalid_identity_number"
    assert "Datumet i numret finns inte" in wrong_date["message"]
    assert corrected["status"] == "applied"
    stored = db.session.scalar(select(SitePerson).where(SitePerson.visit_id == visit.id))
    assert persons.decrypt_number(stored) == NUMBER
    assert stored.birth_date == dt.date(1981, 12, 18)


def test_the_swedish_message_names_the_check_digit(client, make_user, make_visit):
    from otto.changes.merge import Write
    from otto.errors import Invalid

    inspector = make_user(agency="polis")
    visit = make_visit(inspectors=[inspector])
    try:
        persons.record_person(
            Write(Actor(inspector)),
            visit_id=visit.id,
            person_id=new_id(),
            name="Ali",
            id_number="811218-9877",
        )
    except Invalid as error:
        assert error.details == {
            "id_number": ["Kontrollsiffran (sista siffran) stämmer inte. Kontrollera numret."]
        }
    else:
        raise AssertionError("an invalid number was accepted")


def test_a_samordningsnummer_and_a_person_without_number(client, make_user, make_visit):
    inspector = make_user(agency="polis")
    visit = make_visit(inspectors=[inspector])
    tablet = Device(client, inspector)
    without_reason, missing, coordination = results(
        tablet.push(
            [
                person(tablet, visit, name="Okänd", id_number=None),
                person(
                    tablet,
                    visit,
                    name="Minh Nguyen",
                    id_number=None,
                    missing_reason="Saknar id-handling, uppger att passet finns hemma",
                    birth_date="1990-04-02",
                ),
                person(tablet, visit, name="Jon Doe", id_number=COORDINATION_NUMBER),
            ]
        )
    )
    assert without_reason["status"] == "rejected"
    assert missing["status"] == coordination["status"] == "applied"
    kinds = db.session.scalars(select(SitePerson.id_kind).where(SitePerson.visit_id == visit.id))
    assert sorted(kinds) == ["missing", "samordningsnummer"]


def test_recording_the_same_person_twice_on_a_visit_merges(client, make_user, make_visit):
    inspector = make_user(agency="polis")
    visit = make_visit(inspectors=[inspector])
    tablet = Device(client, inspector)
    first, second = new_id(), new_id()
    outcomes = results(
        tablet.push(
            [
                person(tablet, visit, first, role="Kock"),
                person(
                    tablet, visit, second, id_number=NUMBER, role="Diskare", employer_name="AB Kök"
                ),
            ]
        )
    )
    assert [o["status"] for o in outcomes] == ["applied", "applied"]
    rows = list(db.session.scalars(select(SitePerson).where(SitePerson.visit_id == visit.id)))
    # One person: the first record stands, the second fills in what it left empty.
    assert [(p.id, p.role, p.employer_name) for p in rows] == [(first, "Kock", "AB Kök")]
    # The tablet drops its second copy: the pull says it is gone.
    changes, _ = tablet.pull_all()
    by_id = {c["id"]: c for c in changes if c["entity"] == "site_person"}
    assert by_id[second].get("deleted") is True
    assert by_id[first]["data"]["employer_name"] == "AB Kök"


def test_agencies_observations_never_reach_each_other(client, login, make_user, make_visit):
    police, tax = make_user(agency="polis"), make_user(agency="skatt")
    coordinator = make_user(role="coordinator")
    visit = make_visit(inspectors=[police, tax], coordinator=coordinator)
    police_tablet, tax_tablet = Device(client, police), Device(client, tax)
    person_id = new_id()
    outcomes = results(
        police_tablet.push(
            [
                person(police_tablet, visit, person_id),
                observation(police_tablet, visit, person_id, right_to_work="no", note=POLICE_NOTE),
            ]
        )
    )
    assert [o["status"] for o in outcomes] == ["applied", "applied"]

    # The tax inspector's tablet learns that a person was recorded, with role: nothing else.
    changes, cursor = tax_tablet.pull_all()
    seen = [c for c in changes if c["entity"] in ("site_person", "person_observation")]
    assert [c["entity"] for c in seen] == ["site_person"]
    assert seen[0]["data"] == {
        "id": person_id,
        "visit_id": visit.id,
        "agency": "polis",
        "role": "Kock",
        "version": seen[0]["data"]["version"],
        "limited": True,
    }
    assert "Ali Rahimi" not in str(changes) and "9876" not in str(changes)
    assert POLICE_NOTE not in str(changes)

    # It adds its own observation to the same person; the police never get it.
    [added] = results(
        tax_tablet.push([observation(tax_tablet, visit, person_id, in_ledger="no", note=TAX_NOTE)])
    )
    assert added["status"] == "applied"
    police_changes, _ = police_tablet.pull_all()
    assert TAX_NOTE not in str(police_changes)
    assert POLICE_NOTE in str(police_changes)
    tax_changes, _ = tax_tablet.pull_all(cursor)
    assert POLICE_NOTE not in str(tax_changes)

    # The coordinator sees the merged list: the person in full, both agencies' observations.
    [listed] = persons.list_persons(coordinator, visit.id)
    assert listed["name"] == "Ali Rahimi" and listed["id_number"] == NUMBER
    assert {(o["agency"], o["in_ledger"], o["right_to_work"]) for o in listed["observations"]} == {
        ("polis", None, "no"),
        ("skatt", "no", None),
    }
    # And each agency's list holds only its own observations.
    [as_tax] = persons.list_persons(tax, visit.id)
    assert as_tax["limited"] is True and [o["agency"] for o in as_tax["observations"]] == ["skatt"]

    # The pages say the same: the coordinator's dossier has it all, the tax inspector's
    # only "a person, with role" and the tax observation.
    login(coordinator)
    page = client.get(f"/besok/{visit.id}").get_data(as_text=True)
    assert "Ali Rahimi" in page and POLICE_NOTE in page and TAX_NOTE in page
    reads = db.session.scalars(select(ReadEvent).where(ReadEvent.user_id == coordinator.id))
    assert any(f" site_person:{person_id} " in event.items for event in reads)
    login(tax)
    page = client.get(f"/besok/{visit.id}").get_data(as_text=True)
    assert "Person registrerad av Polismyndigheten" in page and TAX_NOTE in page
    assert "Ali Rahimi" not in page and POLICE_NOTE not in page and "9876" not in page
    # The agencies' own reports say how many persons, never who.
    police_report = render_html(load_content(coordinator, visit.id, "polis"), stamp=None)
    assert "Vid kontrollen kontrollerades 1 person." in police_report
    assert "1 av dem saknade rätt att arbeta i Sverige." in police_report
    assert "Ali Rahimi" not in police_report and POLICE_NOTE not in police_report
    tax_report = render_html(load_content(coordinator, visit.id, "skatt"), stamp=None)
    assert "1 av dem fanns inte i personalliggaren." in tax_report
    assert "saknade rätt att arbeta" not in tax_report
    # Never in the joint report.
    joint = render_html(load_content(coordinator, visit.id, None), stamp=None)
    assert "Ali Rahimi" not in joint and POLICE_NOTE not in joint and TAX_NOTE not in joint


def test_a_second_tablet_of_the_same_agency_merges_into_its_observation(
    client, make_user, make_visit
):
    first, second = make_user(agency="skatt"), make_user(agency="skatt")
    visit = make_visit(inspectors=[first, second])
    tablet, other = Device(client, first), Device(client, second)
    person_id = new_id()
    results(
        tablet.push(
            [
                person(tablet, visit, person_id),
                observation(tablet, visit, person_id, in_ledger="no"),
            ]
        )
    )
    [merged] = results(other.push([observation(other, visit, person_id, note=TAX_NOTE)]))
    assert merged["status"] == "applied"
    [row] = db.session.scalars(
        select(PersonObservation).where(PersonObservation.person_id == person_id)
    )
    assert (row.in_ledger, row.note) == ("no", TAX_NOTE)


def test_no_identity_number_is_stored_in_clear_text(client, make_user, make_visit):
    inspector = make_user(agency="polis")
    visit = make_visit(inspectors=[inspector])
    tablet = Device(client, inspector)
    results(tablet.push([person(tablet, visit)]))
    db.session.commit()
    forms = (NUMBER, SHORT_NUMBER, NUMBER.replace("-", ""), SHORT_NUMBER.replace("-", ""))
    found = []
    connection = db.session.connection()
    for table in db.metadata.sorted_tables:
        for row in connection.execute(select(table)):
            cells = " ".join(str(cell) for cell in row)
            found += [(table.name, form) for form in forms if form in cells]
    assert found == []
    raw = connection.execute(text("SELECT number_token, number_hash FROM site_person")).one()
    assert raw.number_token and len(raw.number_hash) == 64


def test_the_keyed_hash_finds_a_repeat_across_visits(
    client, login, make_user, make_visit, make_business
):
    inspector = make_user(agency="polis")
    first = make_visit(inspectors=[inspector])
    second = make_visit(inspectors=[inspector], business_id=make_business(name="Annan").id)
    tablet = Device(client, inspector)
    results(tablet.push([person(tablet, first), person(tablet, second, name="A. Rahimi")]))
    later = db.session.scalar(select(SitePerson).where(SitePerson.visit_id == second.id))
    assert persons.businesses_seen_at(later) == 2
    coordinator = make_user(role="coordinator")
    login(coordinator)
    page = client.get(f"/besok/{second.id}").get_data(as_text=True)
    assert "Sedd hos 2 verksamheter senaste 14 dagarna" in page


def test_retention_removes_persons_and_keeps_the_counts(client, make_user, make_visit):
    police = make_user(agency="polis")
    visit = make_visit(inspectors=[police])
    tablet = Device(client, police)
    person_id = new_id()
    results(
        tablet.push(
            [
                person(tablet, visit, person_id),
                person(tablet, visit, name="Sara Ek", id_number=COORDINATION_NUMBER),
                observation(tablet, visit, person_id, in_ledger="no", right_to_work="no"),
            ]
        )
    )
    row = db.session.get(Visit, visit.id)
    row.status = "completed"
    row.planned_start = utcnow() - dt.timedelta(days=401)
    row.planned_end = utcnow() - dt.timedelta(days=400)
    db.session.commit()
    one = select(Visit.id).where(Visit.id == visit.id)
    before = persons.person_counts(one)
    assert (before.persons, before.not_in_ledger, before.no_right_to_work) == (2, 1, 1)

    coordinator = make_user(role="coordinator")
    period = period_of("year", row.planned_start.astimezone(LOCAL_TZ).date())
    shown = statistics.compute(coordinator, period, utcnow()).persons
    assert shown == {"pizzeria": before}

    assert persons.remove_expired_persons(None, utcnow(), days=365) == 2
    db.session.commit()
    assert statistics.compute(coordinator, period, utcnow()).persons == {"pizzeria": before}
    assert db.session.scalar(select(SitePerson).where(SitePerson.visit_id == visit.id)) is None
    assert persons.person_counts(one) == before
    changes, _ = tablet.pull_all()
    assert all(c.get("deleted") for c in changes if c["entity"] == "site_person")


def test_two_tablets_disagreeing_on_an_observation_make_a_conflict_a_coordinator_resolves(
    client, make_user, make_visit
):
    from otto.changes.models import Conflict
    from otto.inspections import resolution

    first, second = make_user(agency="skatt"), make_user(agency="skatt")
    coordinator = make_user(role="coordinator")
    visit = make_visit(inspectors=[first, second], coordinator=coordinator)
    tablet, other = Device(client, first), Device(client, second)
    person_id = new_id()
    results(
        tablet.push(
            [
                person(tablet, visit, person_id),
                observation(tablet, visit, person_id, in_ledger="no"),
            ]
        )
    )
    [disagreeing] = results(other.push([observation(other, visit, person_id, in_ledger="yes")]))
    assert disagreeing["status"] == "conflict"
    conflict = db.session.scalar(select(Conflict).where(Conflict.entity == "person_observation"))
    assert {c["value"] for c in conflict.candidates} == {"no", "yes"}
    resolution.resolve_conflict(Actor(coordinator), conflict.id, value="no")
    db.session.commit()
    [row] = db.session.scalars(
        select(PersonObservation).where(PersonObservation.person_id == person_id)
    )
    assert row.in_ledger == "no"
    # A corrected number on the person is no conflict: the identity is taken as last written.
    [corrected] = results(
        other.push(
            [other.mutation("site_person", person_id, visit.id, {"id_number": COORDINATION_NUMBER})]
        )
    )
    assert corrected["status"] == "applied"
    assert persons.decrypt_number(db.session.get(SitePerson, person_id)) == "19811278-9873"
