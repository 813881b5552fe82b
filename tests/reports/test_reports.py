"""Inspection reports read back from the PDF: what each report holds and leaves out, the page
furniture, the archived PDF/A with its hash and versions, and the API's refusals."""

import gc
import hashlib
import io
import logging
import os
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter
from pypdf import PdfReader
from sqlalchemy import select

from otto.audit import AuditEvent
from otto.auth import Actor
from otto.changes.merge import Write
from otto.extensions import db
from otto.inspections import findings, photos, visits
from otto.inspections.models import Finding
from otto.inspections.photo_storage import storage_from_config
from otto.reports import render as report_render
from otto.reports import services as report_services
from otto.reports.models import Report
from tests.reports.conftest import (
    FIRE_FINDING,
    FOOD_AGENCY_FINDING,
    FOOD_JOINT_FINDING,
    POLICE_FINDING,
    POLICE_NOTE,
    photo_bytes,
)
from tests.test_errors import assert_error

CASE = "MHN 2026-0815"


def pages_text(data: bytes) -> list[str]:
    """The text of each page, with line breaks and runs of spaces made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def whole(data: bytes) -> str:
    return " ".join(pages_text(data))


def embedded_images(data: bytes) -> dict[int, tuple[int, int]]:
    """The PDF's image objects (shared by pages, so each once) with their pixel sizes."""
    images = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"].get("/XObject", {}).values():
            image = ref.get_object()
            if image["/Subtype"] == "/Image":
                images[ref.idnum] = (image["/Width"], image["/Height"])
    return images


def pdf_of(response) -> bytes:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return response.data


def set_status(visit, coordinator, *statuses):
    for status in statuses:
        visits.set_visit_status(Actor(coordinator), visit.id, status)
    db.session.commit()


def close(visit, coordinator):
    set_status(visit, coordinator, "in_progress", "completed", "closed")


# --- what each report holds ------------------------------------------------------------


def test_an_agency_report_holds_its_own_answers_and_findings_and_nothing_of_others(
    report_visit, fetch
):
    visit = report_visit["visit"]
    food = whole(pdf_of(fetch(report_visit["coordinator"], visit.id, "livsmedel")))
    assert "Livsmedelskontrollen" in food
    assert "Temperatur i kylförvaring" in food and "11 °C" in food
    assert FOOD_JOINT_FINDING in food and FOOD_AGENCY_FINDING in food  # both visibilities
    # Every control point with its outcome, not only the deviations.
    for outcome in ("Ingen avvikelse", "Avvikelse", "Ej kontrollerad", "Ej tillämplig"):
        assert outcome in food
    assert "Fritt från skadedjur?" in food  # unanswered: listed as not checked
    assert "Förordning (EG) nr 852/2004 bilaga II kap. IX p. 5" in food
    assert "Bifoga temperaturprotokoll." in food  # the follow-up and what to do
    assert "2026-12-15" in food
    assert "25 § förvaltningslagen" in food
    assert "Göran Ålund" in food and "Ägare" in food  # the representative's signature
    assert "asa@example.org" in food  # contact details
    for other in (POLICE_FINDING, POLICE_NOTE, "Antal personer på plats", FIRE_FINDING):
        assert other not in food

    police = whole(pdf_of(fetch(report_visit["polis"], visit.id, "polis")))
    assert "Polismyndigheten" in police
    assert POLICE_FINDING in police and POLICE_NOTE in police
    assert "Antal personer på plats" in police
    for other in (FOOD_AGENCY_FINDING, FOOD_JOINT_FINDING, FIRE_FINDING, "Livsmedelskontroll"):
        assert other not in police


def test_the_joint_report_holds_joint_items_of_every_agency_and_no_agency_item(report_visit, fetch):
    visit = report_visit["visit"]
    joint = whole(pdf_of(fetch(report_visit["brand"], visit.id)))
    assert "Gemensam inspektionsrapport" in joint
    assert FOOD_JOINT_FINDING in joint and FIRE_FINDING in joint
    assert "Temperatur i kylförvaring" in joint  # a joint answer
    for agency_item in (
        POLICE_FINDING,
        POLICE_NOTE,
        "Antal personer på plats",
        FOOD_AGENCY_FINDING,
    ):
        assert agency_item not in joint


def test_reports_have_a_findings_table_first_and_a_running_header_and_page_numbers(
    report_visit, fetch
):
    data = pdf_of(fetch(report_visit["coordinator"], report_visit["visit"].id, "livsmedel"))
    pages = pages_text(data)
    assert len(pages) > 1
    assert "Avvikelser i korthet" in pages[0]
    table = pages[0].split("Avvikelser i korthet", 1)[1]
    assert table.index(FOOD_JOINT_FINDING[:30]) < table.index(
        FOOD_AGENCY_FINDING[:30]
    )  # major first
    for number, text in enumerate(pages, start=1):
        assert f"Diarienummer {CASE}" in text
        assert f"Sida {number} av {len(pages)}" in text
        assert "UTKAST" in text  # the visit is not closed: a draft on every page


def test_no_report_names_the_joint_team_and_swedish_letters_survive(report_visit, fetch):
    visit = report_visit["visit"]
    for agency in ("livsmedel", "brand", "polis", None):
        text = whole(pdf_of(fetch(report_visit["coordinator"], visit.id, agency)))
        assert not re.search(r"\botto\b", text, re.IGNORECASE)
        assert "osund konkurrens" not in text.lower()
        assert "Göran Ålund" in text
    assert "Åsa Öhman" in whole(pdf_of(fetch(report_visit["coordinator"], visit.id, "livsmedel")))


def test_photos_come_from_the_report_copies_at_print_size(app, report_visit, fetch, upload):
    """A 2400 × 1800 upload is shown from its 1600-pixel report copy, scaled for print:
    the report still shows it when the original file is gone."""
    visit, inspector = report_visit["visit"], report_visit["brand"]
    sha256 = upload(inspector, photo_bytes(99, size=(2400, 1800)))
    fire = db.session.scalar(select(Finding).where(Finding.description == FIRE_FINDING))
    photos.link_photo(Actor(inspector), visit_id=visit.id, photo_sha256=sha256, finding_id=fire.id)
    db.session.commit()
    storage_from_config(app.config).path(sha256, "original").unlink()
    sizes = list(embedded_images(pdf_of(fetch(inspector, visit.id, "brand"))).values())
    assert (800, 600) in sizes  # the report copy (1600 × 1200) at print size
    assert not any(max(size) > 1600 for size in sizes)


def test_a_photo_in_a_second_report_is_the_same_print_copy(app, report_visit, fetch, upload):
    """The second report showing a photo embeds the same print-size copy as the first (made
    once, then kept), and a photo whose files are deleted stays out of later reports."""
    visit, inspector = report_visit["visit"], report_visit["brand"]
    sha256 = upload(inspector, photo_bytes(98, size=(2400, 1800)))
    fire = db.session.scalar(select(Finding).where(Finding.description == FIRE_FINDING))
    photos.link_photo(Actor(inspector), visit_id=visit.id, photo_sha256=sha256, finding_id=fire.id)
    db.session.commit()
    agency = embedded_images(pdf_of(fetch(inspector, visit.id, "brand")))
    joint = embedded_images(pdf_of(fetch(report_visit["coordinator"], visit.id)))
    assert (800, 600) in agency.values() and (800, 600) in joint.values()
    storage_from_config(app.config).delete(sha256)
    findings.update_finding(Write(Actor(inspector)), fire.id, description="Ny beskrivning")
    db.session.commit()
    later = embedded_images(pdf_of(fetch(inspector, visit.id, "brand")))
    assert (800, 600) not in later.values()


# --- archiving -------------------------------------------------------------------------


def test_a_closed_visits_report_is_pdfa_stored_with_its_hash_and_audited(report_visit, fetch):
    visit, coordinator = report_visit["visit"], report_visit["coordinator"]
    close(visit, coordinator)
    response = fetch(coordinator, visit.id, "livsmedel")
    data = pdf_of(response)
    metadata = PdfReader(io.BytesIO(data)).xmp_metadata
    assert metadata is not None
    xmp = metadata.stream.get_data().decode()
    assert re.search(r"pdfaid:part(>|=\")3", xmp)
    assert re.search(r"pdfaid:conformance(>|=\")B", xmp)
    stored = db.session.scalar(select(Report).where(Report.visit_id == visit.id))
    assert stored.agency_code == "livsmedel" and stored.version == 1
    assert stored.sha256 == hashlib.sha256(data).hexdigest() == response.headers["X-Report-SHA256"]
    assert stored.byte_size == len(data) and stored.pdf_variant == "pdf/a-3b"
    assert "UTKAST" not in whole(data) and "version 1" in whole(data)
    # Asked again (by anyone allowed), the same bytes come back: nothing is issued twice.
    again = fetch(report_visit["livsmedel"], visit.id, "livsmedel")
    assert again.data == data and again.headers["X-Report-Version"] == "1"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "report", AuditEvent.visit_id == visit.id)
    ).all()
    assert [(e.action, e.after["sha256"]) for e in events] == [("issue", stored.sha256)]


def test_reopening_and_changing_a_visit_issues_a_new_version_and_keeps_the_old(report_visit, fetch):
    visit, coordinator = report_visit["visit"], report_visit["coordinator"]
    close(visit, coordinator)
    first = pdf_of(fetch(coordinator, visit.id, "brand"))
    set_status(visit, coordinator, "completed", "closed")  # reopened, nothing changed
    assert fetch(coordinator, visit.id, "brand").data == first
    set_status(visit, coordinator, "completed", "in_progress")
    findings.create_finding(
        Write(Actor(report_visit["brand"])),
        visit_id=visit.id,
        severity="minor",
        description="Nödbelysningen i köket lyser inte",
    )
    set_status(visit, coordinator, "completed", "closed")
    second = fetch(coordinator, visit.id, "brand")
    assert second.headers["X-Report-Version"] == "2"
    assert "Nödbelysningen i köket lyser inte" in whole(second.data)
    rows = db.session.scalars(
        select(Report).where(Report.visit_id == visit.id).order_by(Report.version)
    ).all()
    assert [r.version for r in rows] == [1, 2]
    assert rows[0].content == first and rows[0].sha256 == hashlib.sha256(first).hexdigest()
    assert rows[1].sha256 == hashlib.sha256(second.data).hexdigest()


# --- refusals ----------------------------------------------------------------------------


def test_the_api_refuses_unknown_visits_agencies_and_other_agencies_reports(
    report_visit, fetch, make_user
):
    visit = report_visit["visit"]
    food = report_visit["livsmedel"]
    assert_error(fetch(food, "00000000-0000-4000-8000-000000000000"), 404, "not_found")
    assert_error(fetch(food, visit.id, "nosuch"), 400, "unknown_agency")
    assert_error(fetch(report_visit["coordinator"], visit.id, "skatt"), 400, "unknown_agency")
    assert_error(fetch(food, visit.id, "polis"), 403, "forbidden")
    outsider = make_user(agency="polis")
    assert_error(fetch(outsider, visit.id, "polis"), 404, "not_found")
    assert_error(fetch(outsider, visit.id), 404, "not_found")
    assert pdf_of(fetch(food, visit.id))  # every participant may have the joint report


# --- page images for review --------------------------------------------------------------


def test_the_first_pages_become_images_a_reviewer_can_look_at(report_visit, fetch, tmp_path):
    """pdftoppm turns the first pages of the draft agency and joint reports, and of the
    issued agency report, into PNGs in $OTTO_REPORT_PNG_DIR (or the test's temporary
    folder); the path is printed."""
    folder = Path(os.environ.get("OTTO_REPORT_PNG_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    visit, coordinator = report_visit["visit"], report_visit["coordinator"]
    kind = db.engine.dialect.name

    def to_png(name: str, agency: str | None) -> None:
        pdf = folder / f"rapport-{name}-{kind}.pdf"
        pdf.write_bytes(pdf_of(fetch(coordinator, visit.id, agency)))
        command = ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "3", str(pdf)]
        subprocess.run([*command, str(folder / pdf.stem)], check=True, timeout=120)

    to_png("livsmedel-utkast", "livsmedel")
    to_png("gemensam-utkast", None)
    close(visit, coordinator)
    to_png("livsmedel-utfardad", "livsmedel")
    print(f"Report page images: {folder}")
    images = sorted(folder.glob(f"rapport-*-{kind}-*.png"))
    assert len(images) == 9
    for path in images:
        with Image.open(path) as image:
            assert image.width < image.height  # A4 portrait
            assert image.convert("L").getextrema()[0] < 100  # something dark: text was drawn


# --- size ------------------------------------------------------------------------------


def test_a_report_with_sixty_photos_stays_under_fifteen_megabytes(report_visit, fetch, upload):
    """60 photo-like uploads (1800 × 1350, noisy, so their 1600-pixel report copies weigh
    what real photos do) on 20 findings, through the real photo service."""
    visit, inspector = report_visit["visit"], report_visit["livsmedel"]
    size = (1800, 1350)
    noise = Image.merge("RGB", [Image.effect_noise(size, sigma) for sigma in (40, 55, 70)])
    base = Image.blend(Image.linear_gradient("L").resize(size).convert("RGB"), noise, 0.5)
    base = base.filter(ImageFilter.GaussianBlur(0.8))
    copies = 0
    for n in range(20):
        finding = findings.create_finding(
            Write(Actor(inspector)),
            visit_id=visit.id,
            severity="minor",
            description=f"Brist nummer {n} med foton",
        )
        for _ in range(3):
            image = base.copy()
            ImageDraw.Draw(image).rectangle([copies * 20, 0, copies * 20 + 200, 300], fill="red")
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=90)
            sha256 = upload(inspector, buffer.getvalue())
            photos.link_photo(
                Actor(inspector), visit_id=visit.id, photo_sha256=sha256, finding_id=finding.id
            )
            copies += 1
    db.session.commit()
    data = pdf_of(fetch(inspector, visit.id, "livsmedel"))
    embedded = embedded_images(data)
    assert len(embedded) == 60 + 3  # the 60, the seeded visit's two and the signature
    assert sorted(set(embedded.values()))[-1] == (800, 600)  # report copies at print size
    print(f"A report with {len(embedded)} photos: {len(data) / 1e6:.1f} MB")
    assert len(data) < 15 * 1024 * 1024


# --- what a render leaves behind -------------------------------------------------------


def test_a_render_leaves_the_garbage_collector_on_and_writes_no_progress_lines(
    report_visit, fetch, caplog, monkeypatch
):
    """render_pdf pauses Python's garbage collector while WeasyPrint works (a fifth of its
    time, bench/report_render.py): it is on again after a report, also after a render
    that failed, and WeasyPrint's progress logger (a line per laid-out page) stays quiet."""
    visit, coordinator = report_visit["visit"], report_visit["coordinator"]
    monkeypatch.setattr(
        report_services, "_drafts", report_render.BytesCache(report_services.DRAFT_CACHE_BYTES)
    )  # render
    with caplog.at_level(logging.INFO):
        assert pdf_of(fetch(coordinator, visit.id, "livsmedel"))
    assert gc.isenabled()
    assert not [r for r in caplog.records if r.name.startswith("weasyprint.progress")]

    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint failed")

    monkeypatch.setattr(report_render.weasyprint.HTML, "write_pdf", broken)
    with pytest.raises(RuntimeError):
        report_render.render_pdf("<p>Å</p>", storage=None, photos=set())
    assert gc.isenabled()
