"""Every page of the demo, as the coordinator and as each inspector sees it, reads Swedish:
no English system words, no photo or report hashes, no error page."""

import re
from collections import deque
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from otto.accounts.models import User
from otto.auth import Actor
from otto.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo
from otto.extensions import db
from otto.inspections.models import Visit
from otto.inspections.photo_storage import storage_from_config
from otto.reports import services as reports
from otto.reports.content import participating_agencies

FORBIDDEN = ("overdue", "Not Found", "Forbidden", "Expecting")
HEX64 = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
# Links that are not pages: downloads, images, the field app, signing out.
NOT_PAGES = re.compile(
    r"\.(pdf|ics|csv|xlsx|json|png|jpg|css|js)$|^/(app|foto|api|logout)\b|/static/"
)
MAX_PAGES = 250


def visible_text(html: str) -> str:
    """What a reader meets: the text, and the alt, title, aria-label and placeholder
    attributes; not scripts, styles or URLs."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    attributes = re.findall(r'\b(?:alt|title|aria-label|placeholder)="([^"]*)"', html)
    return unescape(" ".join([re.sub(r"<[^>]+>", " ", html), *attributes]))


def crawl(client) -> dict[str, str]:
    """Every page reachable by links from the start page (GET, same site): url → text."""
    seen, pages, queue = {"/"}, {}, deque(["/"])
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        response.close()
        if response.status_code in (301, 302):
            location = urlsplit(response.headers["Location"])
            target = location.path + (f"?{location.query}" if location.query else "")
            if target not in seen:
                seen.add(target)
                queue.append(target)
            continue
        assert response.status_code == 200, url
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        pages[url] = visible_text(html)
        links = re.findall(r'href="([^"#]+)', html) + re.findall(r'data-live-url="([^"]+)', html)
        for href in links:
            target = urljoin(url, unescape(href))
            parts = urlsplit(target)
            if parts.netloc or NOT_PAGES.search(parts.path):
                continue
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return pages


@pytest.fixture
def demo(app):
    """The demo, with the closed visits' reports issued (the dossier lists them)."""
    seed_demo()
    coordinator = db.session.scalar(select(User).where(User.username == "samordnare"))
    storage = storage_from_config(app.config)
    for visit in db.session.scalars(select(Visit).where(Visit.status == "closed")):
        for agency in [None, *participating_agencies(visit)]:
            reports.report_pdf(Actor(coordinator), visit.id, agency, storage=storage)
    db.session.commit()


def test_no_demo_page_shows_english_or_hashes(app, demo, subtests):
    # One seeded demo (with its reports rendered) for every user: seeding is the slow part.
    for username in [u[0] for u in DEMO_USERS if u[0] != "admin"]:
        with subtests.test(username=username):
            client = app.test_client()
            response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
            assert response.status_code == 302
            pages = crawl(client)
            dossiers = [url for url in pages if re.fullmatch(r"/besok/[0-9a-f-]{36}", url)]
            # The dossiers were reached, and their live sections.
            assert len(dossiers) >= (6 if username == "samordnare" else 2)
            assert all(f"{url}/innehall" in pages for url in dossiers)
            for url, text in pages.items():
                for word in FORBIDDEN:
                    assert word not in text, (username, url, word)
                assert not HEX64.search(text), (username, url, HEX64.search(text).group())


def test_the_dossier_shows_photo_answers_as_thumbnails_and_device_time(app, demo):
    client = app.test_client()
    client.post("/login", data={"username": "samordnare", "password": DEMO_PASSWORD})
    visit = db.session.scalar(select(Visit).where(Visit.case_number.like("MHN %-0002")))
    html = client.get(f"/besok/{visit.id}").get_data(as_text=True)
    thumbs = re.findall(
        r'<img class="answer-thumb" src="(/foto/[0-9a-f]{64}\?storlek=thumb)"', html
    )
    assert len(thumbs) >= 3  # the fire, chemical and police photo questions
    for url in thumbs:
        response = client.get(url)
        response.close()
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
    # The timeline: recorded on the tablet during the visit, reached the server afterwards.
    rows = re.findall(
        r"<tr>\s*<td>([\d-]+ [\d:]+)</td>\s*<td>([\d-]+ [\d:]+)</td>\s*<td>([^<]*)", html
    )
    assert rows, "no timeline row with a device time"
    for server, device, _what in rows:
        assert device < server
    assert "Tid på plattan" in html and "Mottaget av servern" in html
