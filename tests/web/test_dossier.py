"""The dossier page: answers with who/when/device, findings by agency and severity, photos,
conflicts and their resolution, status changes with audit, and confidentiality."""

import io

import pytest
from sqlalchemy import select

from otto.audit import AuditEvent
from otto.auth import Actor
from otto.changes.merge import Write
from otto.changes.models import Conflict
from otto.extensions import db
from otto.inspections import answers, photos
from otto.inspections.findings import create_finding
from otto.inspections.photo_storage import storage_from_config
from tests.inspections.test_photos import photo_bytes, sha
from tests.sync.conftest import Device
from tests.web.conftest import text


@pytest.fixture
def joint(make_user, make_visit, coordinator):
    """A visit with a miljö and a polis inspector, a joint answer and finding from miljö and
    an agency-only finding from polis."""
    miljo = make_user(agency="miljo", name="Maria Öberg")
    polis = make_user(agency="polis", name="Peter Sjöström")
    visit = make_visit(coordinator=coordinator, inspectors=[miljo, polis])
    version = {a.agency_code: a.template_version_id for a in visit.assignments}
    answers.set_answer(
        Write(Actor(miljo)),
        visit_id=visit.id,
        template_version_id=version["miljo"],
        question_id="antal",
        value=7,
    )
    answers.set_answer(
        Write(Actor(polis)),
        visit_id=visit.id,
        template_version_id=version["polis"],
        question_id="antal",
        value=4,
    )  # polis answers are agency-only by default
    create_finding(
        Write(Actor(miljo)), visit_id=visit.id, severity="minor", description="Trasig kyl"
    )
    create_finding(
        Write(Actor(polis)),
        visit_id=visit.id,
        severity="critical",
        description="Misstänkt penningtvätt",
        visibility="agency",
    )
    db.session.commit()
    return {"visit": visit, "miljo": miljo, "polis": polis, "coordinator": coordinator}


def test_the_coordinator_sees_every_agencys_answers_and_findings(client, login, joint):
    login(joint["coordinator"])
    body = text(client.get(f"/besok/{joint['visit'].id}"))
    assert "Antal anställda" in body  # question text from the pinned version
    assert "Maria Öberg" in body and "Peter Sjöström" in body and "Webben" in body
    assert ">7<" in body and ">4<" in body
    assert "Trasig kyl" in body and "Mindre avvikelse" in body
    assert "Misstänkt penningtvätt" in body and "Allvarlig avvikelse" in body
    assert body.index("Allvarlig avvikelse") > body.index("Polismyndigheten")
    assert 'src="/static/dossier.js"' in body and "<script>" not in body  # no inline script


def test_an_inspector_never_sees_another_agencys_agency_items(client, login, joint):
    login(joint["miljo"])
    for url in (f"/besok/{joint['visit'].id}", f"/besok/{joint['visit'].id}/innehall"):
        body = text(client.get(url))
        assert "Trasig kyl" in body  # joint, from their own agency
        assert "Misstänkt penningtvätt" not in body
        assert ">4<" not in body  # polis's agency-only answer
        assert "Du ser bara myndighetens gemensamma svar" in body
    assert "penningtvätt" not in text(client.get("/besok"))


def test_the_audit_timeline_hides_item_events_from_inspectors(client, login, joint):
    login(joint["miljo"])
    body = text(client.get(f"/besok/{joint['visit'].id}"))
    assert "skapade besöket" in body and "skapade en avvikelse" not in body
    client.post("/logout")
    login(joint["coordinator"])
    assert "skapade en avvikelse" in text(client.get(f"/besok/{joint['visit'].id}"))


def test_an_inspector_cannot_open_a_visit_they_are_not_on(client, login, joint, make_user):
    login(make_user(agency="miljo"))
    assert client.get(f"/besok/{joint['visit'].id}").status_code == 404
    assert client.get(f"/besok/{joint['visit'].id}/innehall").status_code == 404


def test_the_live_section_is_served_alone(client, login, joint):
    login(joint["coordinator"])
    response = client.get(f"/besok/{joint['visit'].id}/innehall")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Trasig kyl" in text(response) and "<html" not in text(response)


def test_photos_show_thumbnails_pending_and_follow_the_agency_rule(app, client, login, joint):
    visit, polis = joint["visit"], joint["polis"]
    data = photo_bytes((400, 300))
    photos.ingest_photo(
        Actor(polis),
        sha(data),
        io.BytesIO(data),
        storage=storage_from_config(app.config),
        max_bytes=app.config["MAX_PHOTO_BYTES"],
        max_pixels=app.config["MAX_PHOTO_PIXELS"],
    )
    photos.link_photo(Actor(polis), visit_id=visit.id, photo_sha256=sha(data), caption="Kassan")
    photos.link_photo(
        Actor(joint["miljo"]), visit_id=visit.id, photo_sha256="a" * 64, caption="Köket"
    )
    db.session.commit()
    login(joint["coordinator"])
    body = text(client.get(f"/besok/{visit.id}"))
    assert f'src="/foto/{sha(data)}?storlek=thumb"' in body and 'alt="Kassan"' in body
    assert "Foto väntar" in body
    thumb = client.get(f"/foto/{sha(data)}?storlek=thumb", buffered=True)
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    client.post("/logout")
    login(joint["miljo"])  # polis photos are agency-only
    assert "Kassan" not in text(client.get(f"/besok/{visit.id}"))
    assert client.get(f"/foto/{sha(data)}?storlek=report", buffered=True).status_code == 404


def make_conflict(client, visit, inspector) -> Conflict:
    """Two tablets of one inspector answer the same question from the same base version."""
    tablet_a, tablet_b = Device(client, inspector), Device(client, inspector)
    tablet_a.push([tablet_a.answer(visit, "antal", 3, base_version=0)])
    tablet_b.push([tablet_b.answer(visit, "antal", 5, base_version=0)])
    return db.session.scalar(select(Conflict).where(Conflict.visit_id == visit.id))


def test_closing_is_blocked_by_conflicts_until_resolved_and_reopen_is_audited(
    client, login, make_user, make_visit, coordinator
):
    brand = make_user(agency="brand", name="Björn Åkesson")
    visit = make_visit(coordinator=coordinator, inspectors=[brand])
    conflict = make_conflict(client, visit, brand)
    login(coordinator)
    page = text(client.get(f"/besok/{visit.id}"))
    assert "Antal anställda" in page and "Lös konflikten" in page and "Björn Åkesson" in page
    for status in ("in_progress", "completed"):
        assert client.post(f"/besok/{visit.id}/status", data={"status": status}).status_code == 302
    refused = client.post(f"/besok/{visit.id}/status", data={"status": "closed"})
    assert refused.status_code == 409
    assert "Besöket har 1 olösta synkkonflikter" in text(refused)

    resolved = client.post(
        f"/besok/{visit.id}/konflikter/{conflict.id}", data={"choice": "0"}, follow_redirects=True
    )
    assert "Konflikten är löst" in text(resolved) and "Inga olösta konflikter" in text(resolved)
    assert db.session.get(Conflict, conflict.id).resolution == {"value": 3, "candidate": 0}

    closed = client.post(
        f"/besok/{visit.id}/status", data={"status": "closed"}, follow_redirects=True
    )
    assert "Ärendet är avslutat och låst" in text(closed) and "Öppna igen" in text(closed)
    client.post(f"/besok/{visit.id}/status", data={"status": "completed"})
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.visit_id == visit.id, AuditEvent.entity == "visit")
        .order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["status", "reopen"]


def test_a_conflict_can_be_resolved_with_a_typed_value(
    client, login, make_user, make_visit, coordinator
):
    brand = make_user(agency="brand")
    visit = make_visit(coordinator=coordinator, inspectors=[brand])
    conflict = make_conflict(client, visit, brand)
    login(coordinator)
    client.post(
        f"/besok/{visit.id}/konflikter/{conflict.id}", data={"choice": "value", "value": "4"}
    )
    assert db.session.get(Conflict, conflict.id).resolution["value"] == 4
    nothing = client.post(f"/besok/{visit.id}/konflikter/{conflict.id}", data={})
    assert nothing.status_code == 400
    assert "Välj ett av värdena eller skriv ett eget värde" in text(nothing)
    twice = client.post(f"/besok/{visit.id}/konflikter/{conflict.id}", data={"choice": "1"})
    assert twice.status_code == 409 and "Konflikten är redan löst" in text(twice)


def test_inspectors_cannot_change_status_or_resolve_on_the_web(client, login, joint):
    login(joint["miljo"])
    response = client.post(f"/besok/{joint['visit'].id}/status", data={"status": "in_progress"})
    assert response.status_code == 403
