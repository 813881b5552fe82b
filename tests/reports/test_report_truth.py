"""What leaves the system is true: control point outcomes from the checker, summaries that
count what is listed, each agency's sender and own case number, internal notes kept out of
every report, and sentences about photos, signatures and follow-ups only when there are some.
"""

import io
import re
import subprocess

import pytest
from PIL import Image
from sqlalchemy import select

from otto.accounts.models import Agency, User
from otto.auth import Actor
from otto.changes.merge import Write
from otto.checklists.library import install_library
from otto.demo import seed_demo
from otto.extensions import db
from otto.inspections import answers, findings
from otto.inspections.models import Visit
from otto.reports.content import load_content, participating_agencies
from otto.reports.render import render_html
from tests.reports.conftest import CASE_NUMBERS, INTERNAL_NOTE, SENDERS, VISIT_CASE
from tests.reports.test_reports import close, embedded_images, pdf_of


def pdftotext(data: bytes) -> str:
    """The PDF's text as poppler's pdftotext reads it (a test system dependency, like
    pdftoppm: scripts/system-deps.sh test)."""
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return re.sub(r"[ \t]+", " ", result.stdout.decode())


@pytest.fixture
def miljo_visit(make_user, make_visit):
    """A visit with the shipped environmental checklist (its 81 show_if conditions)."""
    versions = {v.template.agency_code: v for v in install_library()}
    inspector = make_user(agency="miljo", name="Maria Öberg")
    coordinator = make_user(role="coordinator")
    visit = make_visit(
        coordinator=coordinator,
        inspectors=[inspector],
        participants=[
            {
                "user_id": inspector.id,
                "template_version_ids": [versions["miljo"].id],
                "case_number": "MHN 2026-0101",
            }
        ],
    )
    db.session.commit()

    def answer(question_id, value):
        answers.set_answer(
            Write(Actor(inspector)),
            visit_id=visit.id,
            template_version_id=versions["miljo"].id,
            question_id=question_id,
            value=value,
        )
        db.session.commit()

    return visit, coordinator, inspector, answer


def _row(content, question_id):
    for checklist in content.checklists:
        for section in checklist.sections:
            for row in section.rows:
                if row.question_id == question_id:
                    return row
    raise AssertionError(f"{question_id} is not in the report")


def test_a_question_hidden_after_its_parent_was_corrected_is_not_applicable(miljo_visit, fetch):
    visit, coordinator, inspector, answer = miljo_visit
    answer("kem-hanteras", "yes")
    answer("kem-forteckning", "no")
    answer("kem-hanteras", "no")  # corrected: no chemicals, so the list is not asked for

    content = load_content(coordinator, visit.id, "miljo")
    assert _row(content, "kem-forteckning").outcome == "not_applicable"
    assert content.summary.outcomes["deviation"] == 0
    text = pdftotext(pdf_of(fetch(coordinator, visit.id, "miljo")))
    line = next(x for x in text.splitlines() if "förteckning över de kemiska" in x)
    assert "Ej tillämplig" in line and "Avvikelse" not in line
    assert "0 med avvikelse" in text


def test_a_control_point_with_a_linked_finding_is_a_deviation_even_unanswered(miljo_visit, fetch):
    visit, coordinator, inspector, answer = miljo_visit
    findings.create_finding(
        Write(Actor(inspector)),
        visit_id=visit.id,
        severity="minor",
        description="Egenkontrollen saknar rutin för avfall.",
        question_id="egenkontroll",
    )
    db.session.commit()
    content = load_content(coordinator, visit.id, "miljo")
    assert _row(content, "egenkontroll").outcome == "deviation"
    summary = content.summary
    assert (summary.findings, summary.findings_without_point) == (1, 0)
    assert summary.outcomes["deviation"] == 1


def test_each_agency_report_carries_its_own_sender_and_case_number(report_visit, fetch):
    coordinator, visit = report_visit["coordinator"], report_visit["visit"]
    for code, (organisation, unit, phone) in SENDERS.items():
        text = pdftotext(pdf_of(fetch(coordinator, visit.id, code)))
        assert organisation in text and unit in text and phone in text
        assert "147 80 Tumba" in text and f"{code}@example.se" in text
        assert f"Diarienummer {CASE_NUMBERS[code]}" in text
        for other, number in CASE_NUMBERS.items():
            if other != code:
                assert number not in text, (code, other)
        assert VISIT_CASE not in text
    joint = pdftotext(pdf_of(fetch(coordinator, visit.id)))
    assert f"Diarienummer {VISIT_CASE}" in joint
    assert all(organisation in joint for organisation, _unit, _phone in SENDERS.values())


def test_each_agency_has_its_own_right_to_comment(report_visit, fetch):
    coordinator, visit = report_visit["coordinator"], report_visit["visit"]
    police = " ".join(pdftotext(pdf_of(fetch(coordinator, visit.id, "polis"))).split())
    food = " ".join(pdftotext(pdf_of(fetch(coordinator, visit.id, "livsmedel"))).split())
    assert "sanktionsavgift" in food and "länsstyrelsen" in food
    assert "föreläggande" not in police and "avgift" not in police
    assert f"ange diarienummer {CASE_NUMBERS['polis']}" in police


def test_an_internal_note_is_in_no_report_but_in_the_dossier(report_visit, fetch, login):
    coordinator, visit = report_visit["coordinator"], report_visit["visit"]
    police = report_visit["polis"]
    drafts = [fetch(coordinator, visit.id, "polis"), fetch(coordinator, visit.id)]
    drafts.append(fetch(police, visit.id, "polis"))
    for response in drafts:
        assert INTERNAL_NOTE not in pdftotext(pdf_of(response))
    close(visit, coordinator)
    for agency in ("polis", None):
        response = fetch(coordinator, visit.id, agency)
        assert response.headers["X-Report-Version"] == "1"  # issued, PDF/A
        assert INTERNAL_NOTE not in pdftotext(pdf_of(response))
    content = load_content(coordinator, visit.id, "polis")
    assert INTERNAL_NOTE not in [e.finding.description for e in content.findings]
    assert len(content.photo_shas & _internal_photo(visit)) == 0

    page = login(coordinator).get(f"/besok/{visit.id}").get_data(as_text=True)
    assert INTERNAL_NOTE in page and "Intern anteckning" in page
    page = login(police).get(f"/besok/{visit.id}").get_data(as_text=True)
    assert INTERNAL_NOTE in page and "Intern anteckning" in page


def _internal_photo(visit) -> set[str]:
    from otto.inspections.models import Finding, PhotoLink

    query = (
        select(PhotoLink.photo_sha256)
        .join(Finding, Finding.id == PhotoLink.finding_id)
        .where(Finding.visit_id == visit.id, Finding.internal.is_(True))
    )
    shas = set(db.session.scalars(query))
    assert shas  # the fixture's internal note has a photo
    return shas


def test_sentences_about_photos_signatures_and_follow_ups_only_when_there_are_some(
    miljo_visit, fetch
):
    visit, coordinator, _inspector, answer = miljo_visit
    answer("egenkontroll", "yes")
    text = " ".join(pdftotext(pdf_of(fetch(coordinator, visit.id, "miljo"))).split())
    assert "foton" not in text.lower()
    assert "underskrift" not in text.lower() and "skrivit under" not in text
    assert "Uppföljning – vad verksamheten ska göra" not in text
    assert "Ingen uppföljning" not in text


def test_every_demo_report_counts_exactly_what_it_lists(app):
    seed_demo()
    db.session.flush()
    coordinator = db.session.scalar(select(User).where(User.username == "samordnare"))
    checked = 0
    for visit in db.session.scalars(select(Visit)):
        for agency in [None, *participating_agencies(visit)]:
            content = load_content(coordinator, visit.id, agency)
            html = render_html(content, stamp=None)
            rows = re.findall(r'<td class="result"><span class="outcome (\w+)">', html)
            summary = dict(re.findall(r'<span class="outcome (\w+)">(\d+) ', html))
            listed = {o: rows.count(o) for o in content.summary.outcomes}
            if rows:
                assert {o: int(n) for o, n in summary.items()} == listed, (visit.id, agency)
            entries = re.findall(r'<article class="finding', html)
            stated = re.search(r"Avvikelser: (\d+)", html)
            assert int(stated.group(1)) == len(entries) == len(content.findings)
            without_point = len(content.findings) - html.count("<dt>Kontrollpunkt</dt>")
            if content.findings:
                assert f"{without_point} utan kontrollpunkt" in html
            for entry in content.findings:  # a control point with a finding is a deviation
                if entry.question_text and entry.finding.question_id:
                    if agency is None or entry.finding.agency_code == agency:
                        assert _row(content, entry.finding.question_id).outcome == "deviation"
            assert "Ärendet är överlämnat" not in html  # the demo's internal note
            checked += 1
    assert checked >= 20


def test_the_senders_logo_is_in_its_letterhead(report_visit, fetch):
    coordinator, visit = report_visit["coordinator"], report_visit["visit"]
    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), (160, 20, 30)).save(buffer, "PNG")
    db.session.get(Agency, "brand").logo = buffer.getvalue()
    db.session.commit()
    assert (300, 100) in embedded_images(pdf_of(fetch(coordinator, visit.id, "brand"))).values()
    assert (300, 100) not in embedded_images(
        pdf_of(fetch(coordinator, visit.id, "livsmedel"))
    ).values()
