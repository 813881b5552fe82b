"""The authorization matrix: every route of the app, called as every kind of user.

`MATRIX` has one row per (method, URL rule) of `app.url_map`; a route without a row fails the
test by name, so a new route cannot ship without a decision about who may call it. Each row
says, for anonymous callers, an admin, a coordinator, an inspector taking part in the visit
(miljö) and an inspector of another agency who does not (polis), what must happen:

- OK: authorised: any status but 401, 403, 404, a redirect to the login page, or a 5xx
  (a 400 for the empty body the test sends means the request got past authorization);
- LOGIN: anonymous: 401 on /api/, a redirect to the login page elsewhere;
- DENY: 403, or 404 where the app hides that the object exists;
- a number: exactly that status.

Path parameters resolve to real, seeded objects (`world`), so a 404 always means "not for
you". Every call runs in a savepoint rolled back afterwards, so calls never see each other's
writes (revoking a device, deactivating a user, logging out).
"""

import datetime as dt
import io
import uuid

import pytest
from flask import g
from sqlalchemy import select

from otto.accounts import devices
from otto.accounts.models import Agency
from otto.auth import Actor
from otto.changes.merge import Write
from otto.changes.models import Conflict
from otto.extensions import db
from otto.inspections import answers, calendar_feed, followups, photos
from otto.inspections.findings import create_finding
from otto.inspections.photo_storage import storage_from_config
from otto.reports.models import Report
from tests.conftest import PASSWORD
from tests.inspections.test_photos import photo_bytes, sha

ANON, ADMIN, COORD, MEMBER, OUTSIDER = (
    "anonymous",
    "admin",
    "coordinator",
    "participant",
    "outsider",
)
ACTORS = (ANON, ADMIN, COORD, MEMBER, OUTSIDER)
OK, LOGIN, DENY = "ok", "login", "deny"


def allow(*actors, anonymous=LOGIN) -> dict:
    """Expectations where `actors` are authorised, other users denied, anonymous `anonymous`."""
    return {ANON: anonymous} | {actor: OK if actor in actors else DENY for actor in ACTORS[1:]}


PUBLIC = allow(ADMIN, COORD, MEMBER, OUTSIDER, anonymous=OK)
SIGNED_IN = allow(ADMIN, COORD, MEMBER, OUTSIDER)
COORDINATORS = allow(ADMIN, COORD)
ADMINS = allow(ADMIN)
PARTICIPANTS = allow(ADMIN, COORD, MEMBER)  # the visit's own people, and the OTTO desk
OWN_AGENCY = allow(ADMIN, COORD, MEMBER)  # the object is the participant's agency's
FIELD_WORK = allow(MEMBER)  # only the visit's own inspectors record findings and photos

MATRIX = {
    # --- pages ------------------------------------------------------------------------------
    ("GET", "/"): SIGNED_IN,  # to the overview, or to the login page
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): dict.fromkeys(ACTORS, 401),  # the test sends no valid credentials
    ("POST", "/logout"): dict.fromkeys(ACTORS, 302),  # back to the login page
    # Single sign-on: open to all, but no provider is configured here (tests/browser/test_sso).
    ("GET", "/login/sso/<name>"): dict.fromkeys(ACTORS, 404),
    ("GET", "/login/sso/<name>/callback"): dict.fromkeys(ACTORS, 404),
    ("GET", "/oversikt"): SIGNED_IN,
    ("GET", "/app/"): PUBLIC,
    ("GET", "/app/<path:filename>"): PUBLIC,
    ("GET", "/besok"): SIGNED_IN,
    ("GET", "/besok/<visit_id>"): PARTICIPANTS,
    ("GET", "/besok/<visit_id>/innehall"): PARTICIPANTS,
    ("POST", "/besok/<visit_id>/konflikter/<int:conflict_id>"): COORDINATORS,
    ("GET", "/besok/<visit_id>/redigera"): COORDINATORS,
    ("POST", "/besok/<visit_id>/redigera"): COORDINATORS,
    ("POST", "/besok/<visit_id>/stall-in"): COORDINATORS,
    ("POST", "/besok/<visit_id>/status"): COORDINATORS,
    ("GET", "/besok/<visit_id>/rapport.pdf"): PARTICIPANTS,  # the joint report
    ("GET", "/besok/<visit_id>/rapporter/<int:report_id>.pdf"): COORDINATORS,
    ("GET", "/planering/ny"): COORDINATORS,
    ("POST", "/planering/ny"): COORDINATORS,
    ("GET", "/planering/varningar"): COORDINATORS,
    ("GET", "/verksamheter/urval"): COORDINATORS,
    ("GET", "/verksamheter/urval/vikter"): ADMINS,
    ("POST", "/verksamheter/urval/vikter"): ADMINS,
    ("POST", "/verksamheter/<int:business_id>/signaler"): COORDINATORS,
    ("GET", "/foto/<sha256>"): OWN_AGENCY,
    ("GET", "/kalender/"): SIGNED_IN,
    ("GET", "/kalender/<token>.ics"): PUBLIC,  # the secret token in the URL is the key
    ("GET", "/kalender/prenumeration"): SIGNED_IN,
    ("POST", "/kalender/prenumeration"): SIGNED_IN,
    ("POST", "/kalender/prenumeration/aterkalla"): SIGNED_IN,
    ("GET", "/checklistor/"): COORDINATORS,
    ("GET", "/checklistor/importera"): COORDINATORS,
    ("GET", "/checklistor/ny"): COORDINATORS,
    ("POST", "/checklistor/ny"): COORDINATORS,
    ("POST", "/checklistor/importera/json"): COORDINATORS,
    ("POST", "/checklistor/importera/xlsform"): COORDINATORS,
    ("POST", "/checklistor/mallar/<int:template_id>/ny-version"): COORDINATORS,
    ("GET", "/checklistor/versioner/<int:version_id>"): COORDINATORS,
    ("GET", "/checklistor/versioner/<int:version_id>/redigera"): COORDINATORS,
    ("GET", "/checklistor/versioner/<int:version_id>/json"): COORDINATORS,
    ("POST", "/checklistor/versioner/<int:version_id>/json"): COORDINATORS,
    ("GET", "/checklistor/versioner/<int:version_id>/andringar"): COORDINATORS,
    ("POST", "/checklistor/versioner/<int:version_id>/kontrollera"): COORDINATORS,
    ("PUT", "/checklistor/versioner/<int:version_id>/utkast"): COORDINATORS,
    ("GET", "/checklistor/redigerare/<filename>"): PUBLIC,  # the editor's bundle: no data
    ("POST", "/checklistor/versioner/<int:version_id>/publicera"): COORDINATORS,
    ("POST", "/checklistor/versioner/<int:version_id>/dra-tillbaka"): COORDINATORS,
    ("GET", "/checklistor/versioner/<int:version_id>/export"): COORDINATORS,
    ("GET", "/checklistor/versioner/<int:version_id>/export.xlsx"): COORDINATORS,
    ("GET", "/verksamheter/"): COORDINATORS,
    ("GET", "/verksamheter/<int:business_id>"): COORDINATORS,
    ("GET", "/verksamheter/<int:business_id>/redigera"): COORDINATORS,
    ("POST", "/verksamheter/<int:business_id>/redigera"): COORDINATORS,
    ("GET", "/verksamheter/ny"): COORDINATORS,
    ("POST", "/verksamheter/ny"): COORDINATORS,
    ("GET", "/verksamheter/import"): COORDINATORS,
    ("POST", "/verksamheter/import"): COORDINATORS,
    ("POST", "/verksamheter/import/bekrafta"): COORDINATORS,
    ("GET", "/uppfoljning"): COORDINATORS,
    ("POST", "/uppfoljning/<int:follow_up_id>/status"): COORDINATORS,
    ("GET", "/personer"): COORDINATORS,
    ("GET", "/personer/ny"): ADMINS,
    ("POST", "/personer/ny"): ADMINS,
    ("POST", "/personer/<int:user_id>/aktiv"): ADMINS,
    ("GET", "/personer/<int:user_id>"): ADMINS,
    ("POST", "/personer/<int:user_id>"): ADMINS,
    ("POST", "/personer/<int:user_id>/losenord"): ADMINS,
    ("GET", "/personer/sparrar"): ADMINS,
    ("GET", "/konto/losenord"): SIGNED_IN,
    ("POST", "/konto/losenord"): SIGNED_IN,  # the form without a password: 400, nothing set
    ("GET", "/enheter"): COORDINATORS,
    ("GET", "/admin/e-post"): ADMINS,  # undelivered mail names recipients
    ("GET", "/admin/lasloggen"): ADMINS,  # who read which agency-only items
    ("GET", "/admin/lasloggen.csv"): ADMINS,
    ("GET", "/healthz"): PUBLIC,  # for load balancers: no data
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/statistik"): COORDINATORS,
    ("GET", "/statistik/export"): COORDINATORS,
    ("GET", "/statistik/export/<name>.<fmt>"): COORDINATORS,
    ("POST", "/enheter/<device_id>/sparra"): allow(ADMIN, MEMBER),  # the member's device
    ("GET", "/myndigheter"): COORDINATORS,
    ("GET", "/myndigheter/ny"): ADMINS,
    ("POST", "/myndigheter/ny"): ADMINS,
    ("GET", "/myndigheter/<code>"): ADMINS,
    ("POST", "/myndigheter/<code>"): ADMINS,
    ("GET", "/myndigheter/<code>/logotyp.png"): COORDINATORS,
    # --- API --------------------------------------------------------------------------------
    ("GET", "/api/openapi.json"): PUBLIC,
    ("POST", "/api/auth/device"): PUBLIC,  # username and password are the credentials
    # A browser's web session is the credential (single sign-on); a device token is not one.
    ("POST", "/api/auth/device/session"): dict.fromkeys(ACTORS, 401),
    ("GET", "/api/auth/providers"): PUBLIC,
    ("GET", "/api/me"): SIGNED_IN,
    ("GET", "/api/exports/findings"): COORDINATORS,
    ("GET", "/api/exports/follow-ups"): COORDINATORS,
    ("GET", "/api/statistics"): COORDINATORS,
    ("GET", "/api/businesses"): COORDINATORS,
    ("POST", "/api/businesses"): COORDINATORS,
    ("GET", "/api/businesses/<int:business_id>"): COORDINATORS,
    ("PATCH", "/api/businesses/<int:business_id>"): COORDINATORS,
    ("GET", "/api/visits"): SIGNED_IN,
    ("GET", "/api/archived-visits"): SIGNED_IN,  # only visits the caller took part in
    ("POST", "/api/visits"): COORDINATORS,
    ("GET", "/api/visits/<visit_id>"): PARTICIPANTS,
    ("PATCH", "/api/visits/<visit_id>"): COORDINATORS,
    ("GET", "/api/visits/<visit_id>/report.pdf"): PARTICIPANTS,  # the joint report
    ("POST", "/api/visits/<visit_id>/status"): PARTICIPANTS,
    ("GET", "/api/visits/<visit_id>/answers"): PARTICIPANTS,
    ("PUT", "/api/visits/<visit_id>/answers"): PARTICIPANTS,
    ("GET", "/api/visits/<visit_id>/findings"): PARTICIPANTS,
    ("POST", "/api/visits/<visit_id>/findings"): FIELD_WORK,
    ("GET", "/api/visits/<visit_id>/conflicts"): PARTICIPANTS,
    ("GET", "/api/visits/<visit_id>/photo-links"): PARTICIPANTS,
    ("POST", "/api/visits/<visit_id>/photo-links"): FIELD_WORK,
    ("GET", "/api/findings/<finding_id>"): OWN_AGENCY,
    ("PATCH", "/api/findings/<finding_id>"): OWN_AGENCY,
    ("DELETE", "/api/findings/<finding_id>"): OWN_AGENCY,
    ("POST", "/api/follow-ups"): OWN_AGENCY,  # of the finding in BODIES
    ("PATCH", "/api/follow-ups/<int:follow_up_id>"): OWN_AGENCY,
    ("DELETE", "/api/photo-links/<link_id>"): OWN_AGENCY,
    ("GET", "/api/photos/<sha256>"): OWN_AGENCY,
    # "May I use these bytes?": only who holds them or may download them (else 404).
    ("HEAD", "/api/photos/<sha256>"): OWN_AGENCY,
    ("PUT", "/api/photos/<sha256>"): SIGNED_IN,  # bytes alone reveal nothing; links do
    ("GET", "/api/devices"): SIGNED_IN,  # inspectors see only their own devices
    ("POST", "/api/devices/<device_id>/revoke"): allow(ADMIN, MEMBER),  # the member's
    ("POST", "/api/conflicts/<int:conflict_id>/resolve"): COORDINATORS,
    ("GET", "/api/sync/pull"): SIGNED_IN,
    ("POST", "/api/sync/push"): SIGNED_IN,
    ("GET", "/api/templates"): SIGNED_IN,
    ("POST", "/api/templates"): COORDINATORS,
    ("POST", "/api/templates/import-xlsform"): COORDINATORS,
    ("GET", "/api/template-versions/<int:version_id>"): SIGNED_IN,
    ("PUT", "/api/template-versions/<int:version_id>"): COORDINATORS,
    ("POST", "/api/template-versions/<int:version_id>/publish"): COORDINATORS,
    ("POST", "/api/template-versions/<int:version_id>/retire"): COORDINATORS,
    ("GET", "/api/template-versions/<int:version_id>/export"): SIGNED_IN,
    ("GET", "/api/template-versions/<int:version_id>/export-xlsform"): SIGNED_IN,
}

# Valid bodies for writes whose object is named in the body or checked after validation, so
# the call reaches the authorization decision instead of stopping at a 400.
BODIES = {
    ("POST", "/api/auth/device/session"): lambda _: {
        "device_id": "5d0c2f1e-7b3a-4c55-9f61-0a1b2c3d4e5f",
        "device_name": "Surfplatta",
    },
    ("PUT", "/api/visits/<visit_id>/answers"): lambda p: {
        "template_version_id": p["version_id"],
        "question_id": "ok",
        "value": "yes",
    },
    ("POST", "/api/visits/<visit_id>/findings"): lambda p: {
        "severity": "info",
        "description": "Skylt saknas",
    },
    ("POST", "/api/visits/<visit_id>/photo-links"): lambda p: {"photo_sha256": p["sha256"]},
    ("POST", "/api/visits/<visit_id>/status"): lambda p: {"status": "in_progress"},
    ("PATCH", "/api/findings/<finding_id>"): lambda p: {"description": "Kylen lagad"},
    ("POST", "/api/follow-ups"): lambda p: {
        "finding_id": p["finding_id"],
        "kind": "revisit",
        "due_date": "2030-01-15",
    },
    ("PATCH", "/api/follow-ups/<int:follow_up_id>"): lambda p: {"note": "Ringt upp"},
}


def routes(app) -> list[tuple[str, str]]:
    """Every (method, rule) the app answers, static files aside."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        view_class = getattr(app.view_functions[rule.endpoint], "view_class", None)
        # HEAD is GET without the body, unless a view answers it with its own rule.
        own_head = view_class is not None and hasattr(view_class, "head")
        for method in rule.methods - {"OPTIONS"} - (set() if own_head else {"HEAD"}):
            found.add((method, rule.rule))
    return sorted(found, key=lambda route: (route[1], route[0]))


@pytest.fixture
def world(app, make_user, make_visit, tmp_path, monkeypatch):
    """One of each object a path can name, and the five callers."""
    users = {
        ADMIN: make_user(role="admin"),
        COORD: make_user(role="coordinator"),
        MEMBER: make_user(agency="miljo"),
        OUTSIDER: make_user(agency="polis"),
    }
    visit = make_visit(coordinator=users[COORD], inspectors=[users[MEMBER]])
    version = visit.assignments[0].template_version
    member = Actor(users[MEMBER])
    finding = create_finding(
        Write(member),
        visit_id=visit.id,
        severity="minor",
        description="Trasig kyl",
        visibility="agency",
    )
    follow_up = followups.create_follow_up(
        Actor(users[COORD]),
        finding_id=finding.id,
        kind="revisit",
        due_date=dt.date.today() + dt.timedelta(days=30),
    )
    data = photo_bytes()
    photos.ingest_photo(
        member,
        sha(data),
        io.BytesIO(data),
        storage=storage_from_config(app.config),
        max_bytes=app.config["MAX_PHOTO_BYTES"],
        max_pixels=app.config["MAX_PHOTO_PIXELS"],
    )
    link = photos.link_photo(member, visit_id=visit.id, photo_sha256=sha(data))
    tokens = {}
    device_ids = {}
    for role, user in users.items():
        device_ids[role] = str(uuid.uuid4())
        _, tokens[role] = devices.register_device(user, device_ids[role], "Surfplatta")
    for device, value in ((device_ids[MEMBER], 3), (str(uuid.uuid4()), 5)):
        answers.set_answer(
            Write(Actor(users[MEMBER], device_id=device), base_version=0, strict=False),
            visit_id=visit.id,
            template_version_id=version.id,
            question_id="antal",
            value=value,
        )
    conflict = db.session.scalar(select(Conflict).where(Conflict.visit_id == visit.id))
    _, feed_token = calendar_feed.create_feed(member)
    report = Report(
        visit_id=visit.id,
        agency_code=None,
        version=1,
        sha256="0" * 64,
        byte_size=4,
        pdf_variant="pdf/a-3b",
        source_sha256="0" * 64,
        content=b"%PDF",
    )
    db.session.add(report)
    db.session.commit()
    (tmp_path / "index.html").write_text("<!doctype html><title>OTTO Fält</title>")
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (tmp_path / "editor").mkdir()
    (tmp_path / "editor" / "sw.js").write_text("// a file of the built editor")
    monkeypatch.setitem(app.config, "FIELD_APP_DIR", str(tmp_path))
    params = {
        "visit_id": visit.id,
        "business_id": visit.business_id,
        "version_id": version.id,
        "template_id": version.template_id,
        "finding_id": finding.id,
        "follow_up_id": follow_up.id,
        "conflict_id": conflict.id,
        "sha256": sha(data),
        "link_id": link.id,
        "device_id": device_ids[MEMBER],
        "user_id": users[OUTSIDER].id,
        "token": feed_token,
        "filename": "sw.js",
        "name": "avvikelser",
        "fmt": "csv",
        "report_id": report.id,
        "code": "miljo",
    }
    db.session.get(Agency, "miljo").logo = data  # the sender's logo (any stored image bytes)
    return {"users": users, "tokens": tokens, "params": params}


def path_for(app, rule, params: dict) -> str:
    """The rule's URL, its path parameters naming the seeded objects."""
    missing = rule.arguments - params.keys()
    assert not missing, f"{rule.rule}: no seeded object for path parameter(s) {missing}"
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, {name: params[name] for name in rule.arguments})


def session_cookies(app, users) -> dict:
    """Each user's signed-in session cookie (by the real login form)."""
    cookies = {}
    for role, user in users.items():
        client = app.test_client()
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, role
        cookies[role] = client.get_cookie("session").value
    return cookies


def outcome(response, api: bool):
    """The status class of a response, in the matrix's terms."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status == 401 or (not api and status in (301, 302, 303) and "/login" in location):
        return LOGIN
    if status in (403, 404):
        return DENY
    if status >= 500:
        return f"server error {status}"
    return OK


def call(app, method, path, *, cookie=None, token=None, body=None):
    """One request in a savepoint that is rolled back, from a fresh client."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if cookie:
        client.set_cookie("session", cookie)
    # The test's app context outlives each request; Flask-Login keeps the user in `g`.
    g.pop("_login_user", None)
    connection = db.session.get_bind()
    savepoint = connection.begin_nested()
    try:
        response = client.open(path, method=method, headers=headers, json=body, buffered=True)
        response.close()
        return response
    finally:
        db.session.remove()
        savepoint.rollback()


def test_every_route_answers_each_caller_as_the_matrix_says(app, world, mailbox):
    missing = [f"{method} {rule}" for method, rule in routes(app) if (method, rule) not in MATRIX]
    assert not missing, "Routes without a row in MATRIX (add one):\n  " + "\n  ".join(missing)
    stale = sorted(set(MATRIX) - set(routes(app)))
    assert not stale, f"Rows in MATRIX for routes that no longer exist: {stale}"

    cookies = session_cookies(app, world["users"])
    rules = {
        (method, rule.rule): rule for rule in app.url_map.iter_rules() for method in rule.methods
    }
    wrong = []
    for method, rule_text in routes(app):
        rule = rules[(method, rule_text)]
        path = path_for(app, rule, world["params"])
        api = rule_text.startswith("/api/")
        for actor in ACTORS:
            credentials = {}
            if actor != ANON:
                credentials = (
                    {"token": world["tokens"][actor]} if api else {"cookie": cookies[actor]}
                )
            body = BODIES.get((method, rule_text), lambda _: None)(world["params"])
            response = call(app, method, path, body=body, **credentials)
            expected = MATRIX[(method, rule_text)][actor]
            got = response.status_code if isinstance(expected, int) else outcome(response, api)
            if got != expected:
                wrong.append(
                    f"{method} {path} as {actor}: expected {expected}, got {got} "
                    f"({response.status_code})"
                )
    assert not wrong, "\n".join(wrong)
