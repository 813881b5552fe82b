"""One length for every text field (issue 21): for each field and each way it is written
(API, sync push, page, import), exactly its limit from otto.limits is accepted and one
character more is refused with a 4xx that names the limit in Swedish — never a 5xx, and the
same on SQLite (which would store anything) as on PostgreSQL (which would raise)."""

import uuid
from dataclasses import dataclass

import pytest

from otto import limits
from otto.accounts.models import Agency, Device, User
from otto.checklists.models import Template
from otto.extensions import db
from otto.inspections.models import (
    Answer,
    Business,
    Finding,
    FollowUp,
    PersonObservation,
    Signal,
    Signature,
    SitePerson,
    Visit,
)
from tests.checklists.test_xlsform import SURVEY, SURVEY_HEADER, workbook
from tests.sync.conftest import Device as TabletDevice
from tests.web.test_planning import DAY


def fill(limit: int, field: str) -> str:
    """A valid value of exactly `limit` characters for `field`."""
    if field == "email":
        return "a" * (limit - len("@exempel.se")) + "@exempel.se"
    return "x" * limit


@dataclass
class Setting:
    """What a path needs: the client, a coordinator's and an inspector's bearer headers and
    a visit the inspector is on."""

    client: object
    login: object
    coordinator: User
    coordinator_headers: dict
    inspector: User
    inspector_headers: dict
    visit: Visit
    admin: User


# --- the paths: each writes `value` to `field` and answers (accepted?, refusal text) -----------


def api_business(s: Setting, field: str, value: str):
    body = {"name": "Kiosk", "org_number": "556677-8899", "address": "Storgatan 1"}
    body |= {"category": "kiosk", field: value}
    response = s.client.post("/api/businesses", json=body, headers=s.coordinator_headers)
    return api_outcome(response, 201, field)


def page_business(s: Setting, field: str, value: str):
    form = {"name": "Kiosk", "org_number": "556677-8899", "address": "Storgatan 1"}
    form |= {"category": "kiosk", field: value}
    return page_outcome(s.login(s.coordinator).post("/verksamheter/ny", data=form))


def api_visit(s: Setting, field: str, value: str):
    response = s.client.patch(
        f"/api/visits/{s.visit.id}", json={field: value}, headers=s.coordinator_headers
    )
    return api_outcome(response, 200, field)


def page_visit(s: Setting, field: str, value: str):
    version = s.visit.assignments[0].template_version_id
    form = {"date": DAY, "start": "09:00", "end": "11:00", "inspector": [str(s.inspector.id)]}
    form |= {f"version-{s.inspector.agency_code}": [str(version)], field: value}
    return page_outcome(s.login(s.coordinator).post(f"/besok/{s.visit.id}/redigera", data=form))


def api_finding(s: Setting, field: str, value: str):
    body = {"severity": "minor", "description": "Trasig kyl", field: value}
    response = s.client.post(
        f"/api/visits/{s.visit.id}/findings", json=body, headers=s.inspector_headers
    )
    return api_outcome(response, 201, field)


def sync_finding(s: Setting, field: str, value: str):
    fields = {"severity": "minor", "description": "Trasig kyl", field: value}
    tablet = TabletDevice(s.client, s.inspector)
    return push_outcome(tablet, tablet.mutation("finding", str(uuid.uuid4()), s.visit.id, fields))


def api_answer(s: Setting, field: str, value: str):
    version = s.visit.assignments[0].template_version_id
    body = {"template_version_id": version, "question_id": "antal", "value": 3, field: value}
    response = s.client.put(
        f"/api/visits/{s.visit.id}/answers", json=body, headers=s.inspector_headers
    )
    return api_outcome(response, 200, field)


def sync_answer(s: Setting, field: str, value: str):
    tablet = TabletDevice(s.client, s.inspector)
    mutation = tablet.answer(s.visit, "antal", 3)
    mutation["fields"][field] = value
    return push_outcome(tablet, mutation)


def sync_person(s: Setting, field: str, value: str, person_id: str | None = None):
    fields = {"name": "Ali Rahimi", "role": "Kock", "id_number": None}
    fields |= {"missing_reason": "Visade inget ID", "birth_date": "1990-01-01", field: value}
    tablet = TabletDevice(s.client, s.inspector)
    person_id = person_id or str(uuid.uuid4())
    return push_outcome(tablet, tablet.mutation("site_person", person_id, s.visit.id, fields))


def sync_observation(s: Setting, field: str, value: str):
    person_id = str(uuid.uuid4())
    assert sync_person(s, "name", "Ali Rahimi", person_id) == (True, "")
    tablet = TabletDevice(s.client, s.inspector)
    fields = {"person_id": person_id, "in_ledger": "no", field: value}
    return push_outcome(
        tablet, tablet.mutation("person_observation", str(uuid.uuid4()), s.visit.id, fields)
    )


def api_follow_up(s: Setting, field: str, value: str):
    finding = s.client.post(
        f"/api/visits/{s.visit.id}/findings",
        json={"severity": "minor", "description": "Trasig kyl"},
        headers=s.inspector_headers,
    ).json
    body = {"finding_id": finding["id"], "kind": "document", "due_date": "2027-01-15"}
    response = s.client.post(
        "/api/follow-ups", json=body | {field: value}, headers=s.coordinator_headers
    )
    return api_outcome(response, 201, field)


def page_signal(s: Setting, field: str, value: str):
    form = {"source": "Polisen", "received_on": "2026-12-01", "text": "Tips", field: value}
    business_id = s.visit.business_id
    return page_outcome(
        s.login(s.coordinator).post(f"/verksamheter/{business_id}/signaler", data=form)
    )


def page_agency(s: Setting, field: str, value: str):
    form = {"name": "Miljöförvaltningen", "colour": "#2e7d32", "default_visibility": "joint"}
    form |= {"enabled": "1", field: value}
    return page_outcome(s.login(s.admin).post("/myndigheter/miljo", data=form))


def api_device(s: Setting, field: str, value: str):
    body = {"username": s.inspector.username, "password": "correct-horse-battery"}
    body |= {"device_id": str(uuid.uuid4()), field: value}
    return api_outcome(s.client.post("/api/auth/device", json=body), 201, field)


def import_xlsform(s: Setting, field: str, value: str):
    survey = [[*SURVEY[2][:3], value, *SURVEY[2][4:]]]  # a question's Swedish label
    response = s.client.post(
        "/api/templates/import-xlsform?agency=miljo",
        data={"file": (workbook(survey, settings=None, header=SURVEY_HEADER), "kyl.xlsx")},
        headers=s.coordinator_headers,
        content_type="multipart/form-data",
    )
    if response.status_code == 201:
        return True, ""
    assert response.status_code == 400, response.json
    return False, str(response.json["details"])


def api_outcome(response, created: int, field: str):
    if response.status_code == created:
        return True, ""
    assert response.status_code == 400, (response.status_code, response.json)
    details = response.json["details"]
    return False, " ".join(details.get("json", details)[field])


def page_outcome(response):
    if response.status_code == 302:
        return True, ""
    assert response.status_code == 400, response.status_code
    return False, response.get_data(as_text=True)


def push_outcome(tablet, mutation):
    response = tablet.push([mutation])
    assert response.status_code == 200, response.json
    result = response.json["results"][0]
    if result["status"] == "applied":
        return True, ""
    assert result["status"] == "rejected", result
    return False, str(result.get("details"))


# --- the table: field -> its column, its limit and the paths that write it ----------------------

# (column, limit, path); the limit is read from otto.limits, the column must agree with it.
FIELDS = [
    (Business.name, limits.NAME, [api_business, page_business]),
    (Business.address, limits.NAME, [api_business, page_business]),
    (Business.city, limits.CITY, [api_business, page_business]),
    (Business.phone, limits.PHONE, [api_business, page_business]),
    (Business.email, limits.EMAIL, [api_business, page_business]),
    (Business.notes, limits.FREE_TEXT, [api_business, page_business]),
    (Visit.case_number, limits.CASE_NUMBER, [api_visit, page_visit]),
    (Visit.briefing, limits.FREE_TEXT, [api_visit, page_visit]),
    (Finding.description, limits.FREE_TEXT, [api_finding, sync_finding]),
    (Finding.legal_ref, limits.LEGAL_REF, [api_finding, sync_finding]),
    (Answer.note, limits.FREE_TEXT, [api_answer, sync_answer]),
    (FollowUp.note, limits.FREE_TEXT, [api_follow_up]),
    (SitePerson.name, limits.PERSON_NAME, [sync_person]),
    (SitePerson.missing_reason, limits.REASON, [sync_person]),
    (SitePerson.role, limits.PERSON_NAME, [sync_person]),
    (SitePerson.employer_name, limits.NAME, [sync_person]),
    (PersonObservation.note, limits.FREE_TEXT, [sync_observation]),
    (Signal.source, limits.PERSON_NAME, [page_signal]),
    (Signal.text, limits.SIGNAL_TEXT, [page_signal]),
    (Agency.organisation, limits.NAME, [page_agency]),
    (Agency.unit, limits.NAME, [page_agency]),
    (Agency.postal_address, limits.POSTAL_ADDRESS, [page_agency]),
    (Agency.phone, limits.PHONE, [page_agency]),
    (Agency.email, limits.EMAIL, [page_agency]),
    (Agency.web, limits.WEB, [page_agency]),
    (Device.name, limits.PERSON_NAME, [api_device]),
    (Signature.signer_name, limits.PERSON_NAME, []),  # column only: sync needs a held photo
    (Template.title, limits.NAME, []),
]
# A field written under another name than its column's.
WRITTEN_AS = {(Device.name, api_device): "device_name"}
# An XLSForm label becomes a question's text: limited by LABEL, read from a workbook.
IMPORTS = [("label::Svenska", limits.LABEL, import_xlsform)]

CASES = [
    pytest.param(
        column, limit, path, id=f"{column.class_.__tablename__}.{column.key}-{path.__name__}"
    )
    for column, limit, paths in FIELDS
    for path in paths
]


@pytest.fixture
def setting(client, login, make_user, make_visit, token_for):
    coordinator = make_user(role="coordinator")
    inspector = make_user(agency="miljo")
    visit = make_visit(coordinator=coordinator, inspectors=[inspector])
    return Setting(
        client=client,
        login=login,
        coordinator=coordinator,
        coordinator_headers=token_for(coordinator),
        inspector=inspector,
        inspector_headers=token_for(inspector),
        visit=visit,
        admin=make_user(role="admin"),
    )


@pytest.mark.parametrize(
    ("column", "limit", "path"), [p.values for p in CASES], ids=[p.id for p in CASES]
)
def test_a_text_of_its_limit_is_accepted_and_one_more_character_refused(
    setting, column, limit, path
):
    field = WRITTEN_AS.get((column, path), column.key)
    accepted, _ = path(setting, field, fill(limit, field))
    assert accepted
    accepted, refusal = path(setting, field, fill(limit + 1, field))
    assert not accepted
    assert f"högst {limit} tecken" in refusal


@pytest.mark.parametrize(("column", "limit", "paths"), FIELDS, ids=lambda v: getattr(v, "key", ""))
def test_each_column_is_as_long_as_its_declared_limit(column, limit, paths):
    assert column.type.length == limit


@pytest.mark.parametrize(("field", "limit", "path"), IMPORTS)
def test_an_imported_label_of_its_limit_is_accepted_and_one_more_refused(
    setting, field, limit, path
):
    assert path(setting, field, "x" * limit)[0]
    accepted, refusal = path(setting, field, "x" * (limit + 1))
    assert not accepted and f"högst {limit} tecken" in refusal


def test_a_write_that_bypasses_every_schema_is_refused_before_the_database(app, make_business):
    """The net under every path: a service writing an over-long value is refused (400 in
    Swedish), on PostgreSQL too, where the column would raise."""
    from otto.errors import TooLong

    business = make_business()
    business.notes = "x" * (limits.FREE_TEXT + 1)
    with pytest.raises(TooLong) as refused:
        db.session.flush()
    assert refused.value.status == 400
    assert refused.value.details == {"notes": [f"För lång text: högst {limits.FREE_TEXT} tecken."]}
    db.session.rollback()


def test_the_largest_business_import_cell_is_named(app):
    from otto.errors import Invalid
    from otto.inspections.business_import import preview_import

    header = "namn;organisationsnummer;adress;kategori;anteckningar\n"
    row = "Kiosk;556677-8899;Storgatan 1;kiosk;{}\n"
    assert preview_import(header + row.format("x" * limits.IMPORT_CELL)).rows[0].accepted
    for size in (limits.IMPORT_CELL + 1, 200_000):  # 200 000: over the csv module's own limit
        with pytest.raises(Invalid) as refused:
            preview_import(header + row.format("x" * size))
        assert f"gränsen är {limits.IMPORT_CELL} tecken" in refused.value.details["file"][0]


def test_business_import_rows_are_limited_by_name(app):
    from otto.errors import Invalid
    from otto.inspections.business_import import preview_import

    header = "namn;organisationsnummer;adress;kategori\n"
    rows = "".join(
        f"Kiosk {n};556677-8899;Storgatan {n};kiosk\n"
        for n in range(limits.BUSINESS_IMPORT_ROWS + 1)
    )
    with pytest.raises(Invalid) as refused:
        preview_import(header + rows)
    assert refused.value.details["file"] == [limits.too_many_rows(limits.BUSINESS_IMPORT_ROWS)]
    assert f"gränsen är {limits.BUSINESS_IMPORT_ROWS} rader" in refused.value.details["file"][0]


def test_a_text_answer_is_limited_like_free_text(app):
    from otto.checklists.checker import answer_problem

    question = {"id": "fritext", "type": "text", "text": "Övrigt"}
    assert answer_problem(question, "x" * limits.FREE_TEXT) is None
    assert answer_problem(question, "x" * (limits.FREE_TEXT + 1)) == limits.too_long(
        limits.FREE_TEXT
    )


def test_an_over_long_follow_up_note_on_the_page_is_a_400_naming_the_limit(setting):
    """The page's note is appended to the stored note (dated, signed), so only the refusal
    is table-like here: the stored note may not pass FREE_TEXT."""
    s = setting
    finding = s.client.post(
        f"/api/visits/{s.visit.id}/findings",
        json={"severity": "minor", "description": "Trasig kyl"},
        headers=s.inspector_headers,
    ).json
    body = {"finding_id": finding["id"], "kind": "document", "due_date": "2027-01-15"}
    follow_up = s.client.post("/api/follow-ups", json=body, headers=s.coordinator_headers).json
    page = s.login(s.coordinator).post(
        f"/uppfoljning/{follow_up['id']}/status",
        data={"status": "received", "note": "x" * limits.FREE_TEXT},
    )
    assert page.status_code == 400
    assert f"högst {limits.FREE_TEXT} tecken" in page.get_data(as_text=True)
