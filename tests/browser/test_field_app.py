"""The field app end to end: offline work, sync, confidentiality, accessibility. The offline
walk-through runs in Chromium and in WebKit (the iPad's engine) through tablets.py.

Each test plans its own visit through the coordinator API, works on it in the app (served
by the live server under /app/), and checks the outcome on the server through the API.
"""

import datetime as dt
import io
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import expect

from otto.demo import DEMO_PASSWORD

AXE = Path(__file__).parents[2] / "pwa" / "node_modules" / "axe-core" / "axe.min.js"
TZ = ZoneInfo("Europe/Stockholm")


class Api:
    """A device's view of the API over HTTP (what another tablet or a coordinator sees)."""

    def __init__(self, base: str, username: str):
        self.base = base
        self.device_id = str(uuid.uuid4())
        status, body = self.call(
            "POST",
            "/api/auth/device",
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "device_id": self.device_id,
                "device_name": f"test {username}",
            },
        )
        assert status == 201, body
        self.token, self.epoch, self.user = body["token"], body["epoch"], body["user"]
        self.seq = 0

    def call(self, method: str, path: str, payload=None):
        request = urllib.request.Request(self.base + path, method=method)
        if getattr(self, "token", None):
            request.add_header("Authorization", f"Bearer {self.token}")
        data = None
        if payload is not None:
            data = json.dumps(payload).encode()
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, data, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None

    def pull_all(self) -> dict:
        """Everything this device may see, by entity and id (tombstones dropped)."""
        seen, cursor, more = {}, "0", True
        while more:
            status, page = self.call("GET", f"/api/sync/pull?cursor={cursor}&limit=2000")
            assert status == 200, page
            for change in page["changes"]:
                bucket = seen.setdefault(change["entity"], {})
                if change.get("deleted"):
                    bucket.pop(change["id"], None)
                else:
                    bucket[change["id"]] = change["data"]
            cursor, more = page["next_cursor"], page["has_more"]
        return seen

    def of_visit(self, entity: str, visit_id: str) -> list[dict]:
        items = self.pull_all().get(entity, {}).values()
        return [item for item in items if item["visit_id"] == visit_id]

    def push(self, visit_id: str, entity: str, entity_id: str, fields: dict, **extra) -> dict:
        self.seq += 1
        mutation = {
            "id": str(uuid.uuid4()),
            "device_seq": self.seq,
            "entity": entity,
            "entity_id": entity_id,
            "visit_id": visit_id,
            "fields": fields,
            "base_version": 0,
            "prev_id": None,
            "client_time": dt.datetime.now(TZ).isoformat(),
            **extra,
        }
        status, body = self.call(
            "POST",
            "/api/sync/push",
            {"device_id": self.device_id, "epoch": self.epoch, "mutations": [mutation]},
        )
        assert status == 200, body
        return body["results"][0]


@pytest.fixture(scope="module")
def coordinator(live_server):
    return Api(live_server, "samordnare")


def plan_visit(coordinator: Api, business_name: str) -> str:
    """Plan a visit today at the named demo business with the seeded visit's participants."""
    visits = coordinator.pull_all()["visit"].values()
    seeded = next(v for v in visits if v["business"]["name"] == "Pizzeria Napoli i Tumba")
    query = urllib.parse.urlencode({"q": business_name})
    status, businesses = coordinator.call("GET", f"/api/businesses?{query}")
    assert status == 200, businesses
    [business] = [b for b in businesses if b["name"] == business_name]
    start = dt.datetime.now(TZ).replace(hour=13, minute=0, second=0, microsecond=0)
    status, visit = coordinator.call(
        "POST",
        "/api/visits",
        {
            "business_id": business["id"],
            "planned_start": start.isoformat(),
            "planned_end": (start + dt.timedelta(hours=2)).isoformat(),
            "participants": [
                {"user_id": p["user_id"], "template_version_ids": [p["template_version_id"]]}
                for p in seeded["participants"]
            ],
        },
    )
    assert status == 201, visit
    return visit["id"]


def open_app(browser, live_server, username: str, **options):
    """A fresh tablet: sign in, wait for the first sync and for the service worker."""
    context = browser.new_context(
        locale="sv-SE",
        timezone_id="Europe/Stockholm",
        viewport={"width": 1000, "height": 1300},
        **options,
    )
    page = context.new_page()
    page.goto(live_server + "/app/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Mina besök")).to_be_visible()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    return context, page


def sync(page):
    """Sync from the sync screen and wait until nothing is left to send."""
    page.get_by_test_id("sync-status").click()
    page.get_by_role("button", name="Synka nu").click()
    expect(page.get_by_test_id("pending-changes")).to_have_text("0")
    expect(page.get_by_role("button", name="Synka nu")).to_be_enabled()


def visit_link(page, visit_id: str):
    """The link to a visit (its card in the list, or the way back to it)."""
    return page.locator(f'a[href="#/besok/{visit_id}"]')


def question(page, question_id: str):
    return page.locator(f'[data-question="{question_id}"]')


def jpeg(path: Path, color: tuple[int, int, int], unique: bool = False) -> Path:
    """A small JPEG of one colour; `unique` adds a patch of random pixels, so that the
    tablet's own re-encoding (which keeps only the pixels) still gives bytes of this run."""
    image = Image.new("RGB", (64, 48), color)
    if unique:
        image.paste(Image.frombytes("RGB", (16, 16), os.urandom(16 * 16 * 3)), (0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def draw_signature(page):
    box = page.locator("canvas.signature-canvas").bounding_box()
    x, y = box["x"] + 40, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + step * 25, y + (20 if step % 2 else -20), steps=3)
    page.mouse.up()


MILJO_ANSWERS = {
    "verksamhetstyp": ("Restaurang, café eller gatukök", "restaurang"),
    "egenkontroll": ("Nej", "no"),
    "stickande": ("Nej", "no"),
    "kem-hanteras": ("Nej", "no"),
    "fa-uppkommer": ("Nej", "no"),
    "tobak-saljs": ("Nej", "no"),
}


BADGE = '[data-testid="sync-status"]'
NOTICE = '[data-testid="storage-notice"]'
AT_RISK = "lagringen är inte skyddad"


def test_a_visit_done_offline_reaches_the_server_whole(tablet, coordinator, tmp_path):
    """The offline walk-through, in Chromium and in WebKit (tablets.py)."""
    visit_id = plan_visit(coordinator, "Alby Livs & Kiosk")
    visit = f'a[href="#/besok/{visit_id}"]'  # its card in the list, or the way back to it
    tablet.sign_in("miljo")
    # Neither engine here promises to keep the data (Chromium grants no persistence to a
    # site, WebKitGTK has no storage API): the inspector is told once how and why to install.
    tablet.see("Installera appen på plattan", within=NOTICE)
    tablet.see("även avvikelser, foton och signaturer", within=NOTICE)
    tablet.see("Installera app", within=f"{NOTICE} ol")
    tablet.click("button", "Jag förstår")
    tablet.see_no("Installera appen på plattan")
    tablet.see("Alby Livs & Kiosk", within=visit)

    tablet.offline()
    tablet.reload()
    tablet.see("Mina besök")
    tablet.see_no("Installera appen på plattan")  # once is enough
    tablet.tap(visit)
    tablet.see("Kiosk/livsmedelsbutik")
    tablet.click("button", "Starta besöket")
    tablet.see("Pågår, oanmält")
    tablet.see(AT_RISK, within=BADGE)
    tablet.click("link", "OTTO Fält")
    tablet.see("Synka innan du loggar ut")
    tablet.tap(visit)
    tablet.click("link", "Miljö- och hälsoskydd – grundkontroll")
    tablet.see("6 obligatoriska frågor kvar")
    for question_id, (label, _) in MILJO_ANSWERS.items():
        tablet.choose(label, within=f'[data-question="{question_id}"]')
    tablet.see("Alla obligatoriska frågor är besvarade")

    tablet.see("Avvikelse föreslås", within='[data-question="egenkontroll"]')
    tablet.click("button", "Skapa avvikelse", within='[data-question="egenkontroll"]')
    tablet.see_value("Beskrivning", "Verksamheten saknar dokumenterad egenkontroll")
    tablet.see_checked("Mindre avvikelse", within="main")
    tablet.fill("Uppföljning senast", "2030-01-31")
    # Pixels of this run alone: a photo the tablet already holds from the server (the other
    # engine's run, pulled) would not be kept as pending. (A random colour channel was not
    # enough: JPEG's quantisation makes only 139 different files of its 256 values.)
    photos = [
        jpeg(tmp_path / "a.jpg", (200, 30, 30), unique=True),
        jpeg(tmp_path / "b.jpg", (30, 30, 200), unique=True),
    ]
    tablet.attach("Välj från galleri", photos)
    tablet.see_image("Avvikelse, foto 2")
    tablet.click("link", "Klar")
    tablet.see("Avvikelse registrerad", within='[data-question="egenkontroll"]')
    tablet.tap(visit)

    tablet.click("link", "Ta signatur")
    tablet.fill("Namn", "Ali Karimi")
    tablet.fill("Roll", "Ägare")
    tablet.draw_signature()
    tablet.click("button", "Spara signatur")
    tablet.see("Ali Karimi, Ägare")

    tablet.reload()  # still offline: everything comes back from IndexedDB
    tablet.see("Ali Karimi, Ägare")
    tablet.see_image("Signatur av Ali Karimi")
    tablet.see(AT_RISK, within=BADGE)
    # The photos' bytes as stored, read back after the reload: WebKit has lost Blobs kept
    # in IndexedDB, so they are ArrayBuffers, whole (they hash to their ids).
    captured = [photo for photo in tablet.stored_photos() if photo["state"] == "pending"]
    assert sorted(photo["type"] for photo in captured) == ["image/jpeg", "image/jpeg", "image/png"]
    assert all(
        (photo["data"], photo["thumb"], photo["intact"]) == ("ArrayBuffer", "ArrayBuffer", True)
        for photo in captured
    ), captured
    tablet.click("link", "Verksamheten saknar dokumenterad egenkontroll")
    tablet.see_image("Avvikelse, foto 1")
    tablet.see_image("Avvikelse, foto 2")
    tablet.see_value("Uppföljning senast", "2030-01-31")
    tablet.back()
    tablet.click("link", "Miljö- och hälsoskydd – grundkontroll")
    for question_id, (label, _) in MILJO_ANSWERS.items():
        tablet.see_checked(label, within=f'[data-question="{question_id}"]')

    tablet.tap(BADGE)
    tablet.see("Lagringen på plattan är inte skyddad")
    tablet.online()
    tablet.click("button", "Synka nu")
    tablet.see("Allt skickat", within=BADGE)
    tablet.see_no(AT_RISK)
    tablet.see("Inget väntar. Allt är skickat.")
    tablet.click("link", "OTTO Fält")
    tablet.click("button", "Logga ut")
    tablet.click("button", "Ja, logga ut och radera")
    tablet.see("Du har loggat ut.")
    tablet.see("Användarnamn")

    assert coordinator.pull_all()["visit"][visit_id]["status"] == "in_progress"
    answers = {a["question_id"]: a["value"] for a in coordinator.of_visit("answer", visit_id)}
    assert answers == {question_id: value for question_id, (_, value) in MILJO_ANSWERS.items()}
    [finding] = coordinator.of_visit("finding", visit_id)
    assert finding["question_id"] == "egenkontroll"
    assert finding["description"] == "Verksamheten saknar dokumenterad egenkontroll"
    assert finding["severity"] == "minor"
    assert finding["follow_up_due"] == "2030-01-31"
    links = coordinator.of_visit("photo_link", visit_id)
    assert len(links) == 2 and {link["finding_id"] for link in links} == {finding["id"]}
    for link in links:
        assert coordinator.call("HEAD", f"/api/photos/{link['photo_sha256']}")[0] == 200
    [signature] = coordinator.of_visit("signature", visit_id)
    assert (signature["signer_name"], signature["signer_role"]) == ("Ali Karimi", "Ägare")
    assert coordinator.call("HEAD", f"/api/photos/{signature['image_sha256']}")[0] == 200


def test_two_agencies_offline_get_the_union_a_conflict_and_keep_their_secrets(
    browser, live_server, coordinator
):
    visit_id = plan_visit(coordinator, "Nails by Linh")
    miljo_context, miljo = open_app(browser, live_server, "miljo")
    polis_context, polis = open_app(browser, live_server, "polis")
    for page in (miljo, polis):
        expect(visit_link(page, visit_id)).to_be_visible()
    miljo_context.set_offline(True)
    polis_context.set_offline(True)

    visit_link(miljo, visit_id).click()
    miljo.get_by_role("link", name="Miljö- och hälsoskydd – grundkontroll").click()
    question(miljo, "tobak-saljs").get_by_label("Ja", exact=True).check()
    visit_link(miljo, visit_id).click()
    miljo.get_by_role("button", name="Ny avvikelse", exact=True).click()
    miljo.get_by_label("Beskrivning").fill("Kemikalier förvaras vid golvbrunn")
    miljo.get_by_role("link", name="Klar").click()
    expect(miljo.get_by_text("Kemikalier förvaras vid golvbrunn")).to_be_visible()

    visit_link(polis, visit_id).click()
    polis.get_by_role("button", name="Ny avvikelse", exact=True).click()
    expect(
        polis.get_by_label("Endast egen myndighet – andra myndigheter ser den inte")
    ).to_be_checked()
    polis.get_by_label("Beskrivning").fill("Misstänkt människohandel, hemlig uppgift")
    polis.get_by_role("link", name="Klar").click()
    expect(polis.get_by_text("Misstänkt människohandel, hemlig uppgift")).to_be_visible()

    # Meanwhile a second miljö tablet answered the same question differently and synced.
    other_tablet = Api(live_server, "miljo")
    template_version = next(
        t["id"]
        for t in other_tablet.pull_all()["template_version"].values()
        if t["key"] == "miljo-grund"
    )
    result = other_tablet.push(
        visit_id, "answer", "tobak-saljs", {"value": "no"}, template_version=template_version
    )
    assert result["status"] == "applied"

    for context, page in ((miljo_context, miljo), (polis_context, polis)):
        context.set_offline(False)
        sync(page)
    sync(miljo)  # once more: what polis sent after miljo's first sync

    findings = {f["description"]: f for f in coordinator.of_visit("finding", visit_id)}
    assert set(findings) == {
        "Kemikalier förvaras vid golvbrunn",
        "Misstänkt människohandel, hemlig uppgift",
    }
    status, conflicts = coordinator.call("GET", f"/api/visits/{visit_id}/conflicts")
    assert status == 200
    [conflict] = [c for c in conflicts if c["entity_id"].endswith(":tobak-saljs")]
    assert {c["value"] for c in conflict["candidates"]} == {"yes", "no"}

    expect(
        miljo.get_by_role("heading", name="Säljs tobaksvaror (cigaretter, snus, rulltobak m.m.)?")
    ).to_be_visible()
    card = miljo.locator(".conflict-card")
    expect(card.get_by_text("Ja", exact=True)).to_be_visible()
    expect(card.get_by_text("Nej", exact=True)).to_be_visible()

    polis.goto(f"{live_server}/app/#/besok/{visit_id}")
    expect(polis.get_by_text("Kemikalier förvaras vid golvbrunn")).to_be_visible()
    miljo.goto(f"{live_server}/app/#/besok/{visit_id}")
    expect(miljo.get_by_text("Kemikalier förvaras vid golvbrunn")).to_be_visible()
    expect(miljo.get_by_text("Misstänkt människohandel")).to_have_count(0)
    stored = miljo.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open('otto-field');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
                const read = open.result.transaction('findings').objectStore('findings').getAll();
                read.onsuccess = () => resolve(read.result.map((f) => f.description));
            };
        })"""
    )
    assert "Kemikalier förvaras vid golvbrunn" in stored
    assert not [d for d in stored if "människohandel" in d]
    miljo_context.close()
    polis_context.close()


def serious_accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the current screen."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})
            .then((result) => result.violations)"""
    )
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def test_main_screens_have_no_serious_accessibility_problems(browser, live_server, coordinator):
    visit_id = plan_visit(coordinator, "Salong Fönix")
    # axe is injected as an inline script, which the app's CSP rightly forbids.
    context, page = open_app(browser, live_server, "miljo", bypass_csp=True)
    assert serious_accessibility_problems(page) == [], "visit list"
    visit_link(page, visit_id).click()
    assert serious_accessibility_problems(page) == [], "visit"
    page.get_by_role("link", name="Miljö- och hälsoskydd – grundkontroll").click()
    question(page, "egenkontroll").get_by_label("Nej", exact=True).check()
    expect(page.get_by_text("Avvikelse föreslås")).to_be_visible()
    assert serious_accessibility_problems(page) == [], "checklist"
    question(page, "egenkontroll").get_by_role("button", name="Skapa avvikelse").click()
    expect(page.get_by_label("Beskrivning")).not_to_be_empty()
    assert serious_accessibility_problems(page) == [], "finding"
    page.get_by_test_id("sync-status").click()
    expect(page.get_by_role("button", name="Synka nu")).to_be_visible()
    assert serious_accessibility_problems(page) == [], "sync"
    context.close()
