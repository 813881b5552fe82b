"""The dossier page's reports: a link per participating agency and the joint report, and
the issued versions listed with their SHA-256 and served exactly as archived."""

import hashlib
import re

from otto.auth import Actor
from otto.extensions import db
from otto.inspections import visits


def page(client, visit) -> str:
    response = client.get(f"/besok/{visit.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_coordinator_gets_draft_reports_per_agency_and_joint_from_the_dossier(
    client, login, report_visit
):
    visit = report_visit["visit"]
    login(report_visit["coordinator"])
    html = page(client, visit)
    links = re.findall(r'href="(/besok/[^"]+/rapport\.pdf[^"]*)"', html)
    assert sorted(links) == sorted(
        [f"/besok/{visit.id}/rapport.pdf"]
        + [
            f"/besok/{visit.id}/rapport.pdf?myndighet={code}"
            for code in ("livsmedel", "brand", "polis")
        ]
    )
    assert "Rapport från Polismyndigheten" in html and "Gemensam rapport" in html
    response = client.get(f"/besok/{visit.id}/rapport.pdf?myndighet=polis")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "utkast" in response.headers["Content-Disposition"]
    assert "Utfärdade rapporter" not in html  # nothing issued while the visit is open


def test_issued_versions_are_listed_with_their_hash_and_served_unchanged(
    client, login, report_visit
):
    visit, coordinator = report_visit["visit"], report_visit["coordinator"]
    for status in ("in_progress", "completed", "closed"):
        visits.set_visit_status(Actor(coordinator), visit.id, status)
    db.session.commit()
    login(coordinator)
    issued = client.get(f"/besok/{visit.id}/rapport.pdf?myndighet=livsmedel")
    sha256 = hashlib.sha256(issued.data).hexdigest()
    assert issued.headers["X-Report-SHA256"] == sha256
    html = page(client, visit)
    assert "Utfärdade rapporter" in html and f"{sha256[:12]}…" in html
    archived = re.search(r'href="(/besok/[^"]+/rapporter/\d+\.pdf)"', html).group(1)
    assert hashlib.sha256(client.get(archived).data).hexdigest() == sha256


def test_an_inspector_cannot_have_another_agencys_report_from_the_pages(
    client, login, report_visit
):
    visit = report_visit["visit"]
    login(report_visit["livsmedel"])
    assert client.get(f"/besok/{visit.id}/rapport.pdf?myndighet=polis").status_code == 403
    assert client.get(f"/besok/{visit.id}/rapport.pdf?myndighet=livsmedel").status_code == 200
    assert "Utfärdade rapporter" not in page(client, visit)
