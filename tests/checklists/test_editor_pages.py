"""The checklist editor's server side: its host page, its bundle, and the JSON endpoints that
check and save a draft (issue 19). Whatever the editor sends, the answer is JSON in Swedish
and never a 5xx; a refused body changes nothing."""

import copy
import json
import re
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from otto.audit import AuditEvent
from otto.auth import Actor
from otto.checklists import services
from otto.errors import Invalid
from otto.extensions import db

JS, CSS = "editor-ABCD1234.js", "editor-ABCD1234.css"


@pytest.fixture
def draft(coordinator, make_body):
    """A draft's id and body (requests end the test's session: no ORM object outlives them)."""
    return _created(coordinator, make_body())


def _created(coordinator, body):
    version = services.create_draft(Actor(coordinator), body)
    db.session.commit()
    return SimpleNamespace(id=version.id, body=copy.deepcopy(version.body))


@pytest.fixture
def signed_in(login, coordinator):
    return login(coordinator)


@pytest.fixture
def built_editor(app, tmp_path, monkeypatch):
    """A built front end with the editor's bundle and manifest."""
    editor = tmp_path / "editor"
    editor.mkdir()
    (editor / JS).write_text("export {};")
    (editor / CSS).write_text("body {}")
    (editor / "manifest.json").write_text(json.dumps({"js": JS, "css": CSS}))
    monkeypatch.setitem(app.config, "FIELD_APP_DIR", str(tmp_path))
    return editor


def text(response) -> str:
    return response.get_data(as_text=True)


def url(draft, action):
    return f"/checklistor/versioner/{draft.id}/{action}"


def editor_data(html):
    match = re.search(
        r'<script type="application/json" id="editor-data">(.*?)</script>', html, re.S
    )
    return json.loads(match[1])


def stored_body(version_id):
    db.session.expire_all()
    return services.get_version(version_id).body


def audit_count():
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


# --- the host page and the bundle ---------------------------------------------------------


def test_the_host_page_hands_the_draft_to_the_bundle(signed_in, draft, built_editor):
    response = signed_in.get(url(draft, "redigera"))
    assert response.status_code == 200
    html = text(response)
    assert '<div id="editor">' in html
    assert f'<script type="module" src="/checklistor/redigerare/{JS}"></script>' in html
    assert f'<link rel="stylesheet" href="/checklistor/redigerare/{CSS}">' in html
    assert ">Redigera som JSON</a>" in html
    data = editor_data(html)
    assert data["body"] == draft.body
    assert data | {"body": None, "csrf_token": None} == {
        "version_id": draft.id,
        "version": 1,
        "title": "Hygienisk verksamhet",
        "key": "hygien-test",
        "agency": "miljo",
        "agency_name": "Miljö- och hälsoskydd",
        "status": "draft",
        "body": None,
        "urls": {
            "check": url(draft, "kontrollera"),
            "save": url(draft, "utkast"),
            "review": url(draft, "andringar"),
            "json": url(draft, "json"),
            "version": f"/checklistor/versioner/{draft.id}",
        },
        "csrf_token": None,
    }
    assert data["csrf_token"]


def test_the_draft_in_the_page_cannot_end_its_script_block(signed_in, coordinator, make_body):
    body = make_body(title="</script><script>alert(1)</script> & ”citat”")
    html = text(signed_in.get(url(_created(coordinator, body), "redigera")))
    assert "</script><script>alert" not in html
    assert editor_data(html)["title"] == body["title"]


def test_without_a_built_editor_the_page_says_so_and_offers_json(
    signed_in, draft, app, tmp_path, monkeypatch
):  # noqa: E501
    monkeypatch.setitem(app.config, "FIELD_APP_DIR", str(tmp_path / "inte-byggd"))
    html = text(signed_in.get(url(draft, "redigera")))
    assert "Redigeraren är inte byggd (kör make pwa)." in html
    assert f'href="{url(draft, "json")}"' in html
    assert '<script type="module"' not in html


def test_a_published_version_is_not_edited(signed_in, draft, coordinator):
    services.publish(Actor(coordinator), draft.id)
    db.session.commit()
    for action in ("redigera", "json", "andringar"):
        response = signed_in.get(url(draft, action))
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/checklistor/versioner/{draft.id}")


def test_the_bundle_is_served_and_cached_by_its_name(client, built_editor):
    response = client.get(f"/checklistor/redigerare/{JS}", buffered=True)
    assert response.status_code == 200 and response.get_data(as_text=True) == "export {};"
    assert response.cache_control.max_age == 31536000 and response.cache_control.immutable
    manifest = client.get("/checklistor/redigerare/manifest.json", buffered=True)
    assert manifest.cache_control.no_cache and manifest.json["js"] == JS
    assert client.get("/checklistor/redigerare/finns-inte.js").status_code == 404
    assert client.get("/checklistor/redigerare/..%2Fsecret").status_code == 404


# --- kontrollera ----------------------------------------------------------------------------


def test_check_reports_a_valid_body(signed_in, draft, make_body):
    response = signed_in.post(url(draft, "kontrollera"), json={"body": make_body()})
    assert response.status_code == 200
    assert response.json == {"valid": True, "errors": []}


def test_check_locates_each_error_in_swedish_and_saves_nothing(signed_in, draft, make_body):
    body = make_body()
    body["sections"][0]["questions"][1]["show_if"]["q"] = "foto"
    body["sections"][0]["questions"][0]["text"] = " "
    before = audit_count()
    response = signed_in.post(url(draft, "kontrollera"), json={"body": body})
    assert response.status_code == 200
    assert response.json == {
        "valid": False,
        "errors": [
            {
                "path": "sections[0].questions[0].text",
                "section": "lokal",
                "question": "anmald",
                "field": "text",
                "message": "Frågetexten saknas (bara blanksteg).",
                "where": "Avsnitt 1 › fråga 1",
            },
            {
                "path": "sections[0].questions[1].show_if.q",
                "section": "lokal",
                "question": "temp",
                "field": "show_if",
                "message": "Visningsvillkoret hänvisar till frågan ”Foto på lokalen”, som "
                "kommer senare. Välj en tidigare fråga.",
                "where": "Avsnitt 1 › fråga ”Temperatur i autoklaven”",
            },
        ],
    }
    assert stored_body(draft.id) == draft.body and audit_count() == before


def test_check_refuses_a_new_key_or_agency_as_save_would(signed_in, draft, make_body):
    response = signed_in.post(url(draft, "kontrollera"), json={"body": make_body(key="annan")})
    [error] = response.json["errors"]
    assert error["field"] == "key" and error["section"] is None
    assert error["message"] == "Mallens nyckel kan inte ändras; den ska vara ”hygien-test”."
    response = signed_in.post(url(draft, "kontrollera"), json={"body": make_body(agency="zz")})
    assert response.json["errors"][0]["message"] == "Myndigheten finns inte."


# --- utkast -----------------------------------------------------------------------------


def test_save_stores_the_body_and_audits_it_once(signed_in, draft, make_body):
    body = make_body(title="Hygien, reviderad")
    before = audit_count()
    response = signed_in.put(url(draft, "utkast"), json={"body": body})
    assert response.status_code == 200
    assert response.json == {"saved": True, "errors": []}
    assert stored_body(draft.id)["title"] == "Hygien, reviderad"
    assert audit_count() == before + 1


def test_save_refuses_an_invalid_body_with_its_errors(signed_in, draft, make_body):
    body = make_body()
    body["sections"][0]["questions"] = []
    response = signed_in.put(url(draft, "utkast"), json={"body": body})
    assert response.status_code == 400
    assert response.json["valid"] is False
    assert [e["message"] for e in response.json["errors"]] == ["Avsnittet behöver minst en fråga."]
    assert stored_body(draft.id) == draft.body


def test_save_of_a_published_version_is_a_conflict(signed_in, draft, coordinator, make_body):
    services.publish(Actor(coordinator), draft.id)
    db.session.commit()
    response = signed_in.put(url(draft, "utkast"), json={"body": make_body(title="Ny")})
    assert response.status_code == 409
    assert response.json == {
        "message": "Bara utkast kan ändras. Skapa en ny version för att ändra mallen."
    }
    assert stored_body(draft.id)["title"] == "Hygienisk verksamhet"


@pytest.mark.parametrize("action", ["kontrollera", "utkast"])
def test_an_unknown_version_is_404_in_swedish(signed_in, make_body, action):
    method = signed_in.post if action == "kontrollera" else signed_in.put
    response = method(f"/checklistor/versioner/999999/{action}", json={"body": make_body()})
    assert response.status_code == 404
    assert response.json["message"].startswith("Versionen finns inte.")


DEEP = '{"body": ' + "[" * 70 + "]" * 70 + "}"


@pytest.mark.parametrize(
    ("data", "swedish"),
    [
        ('{"body": {"key": "a" "b"}}', "Ogiltig JSON på rad 1, kolumn 22: här saknas ett komma"),
        ("", "Ogiltig JSON på rad 1, kolumn 1: här saknas ett värde."),
        ("[1, 2]", 'Skicka mallen som ett JSON-objekt: {"body": {…}}.'),
        ('{"mall": {}}', 'Skicka mallen som ett JSON-objekt: {"body": {…}}.'),
        (DEEP, "Mallen är nästlad i fler än 64 nivåer."),
        ('{"body": "\\u0000"}', "Mallen innehåller ett tecken som inte kan sparas"),
        ('{"body": "\\ud800"}', "Mallen innehåller ett tecken som inte kan sparas"),
        (b'{"body": "\xff"}', "Mallen är inte UTF-8-text."),
        ('{"body": "' + "x" * 5_000_001 + '"}', "Mallen är för stor: högst 5 MB som JSON."),
    ],
)  # fmt: skip
@pytest.mark.parametrize("action", ["kontrollera", "utkast"])
@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_a_body_that_cannot_be_read_is_400_in_swedish(
    signed_in, draft, data, swedish, action, content_type
):
    method = signed_in.post if action == "kontrollera" else signed_in.put
    response = method(url(draft, action), data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.json["message"].startswith(swedish)
    assert stored_body(draft.id) == draft.body


def test_a_non_object_body_is_a_located_template_error(signed_in, draft):
    response = signed_in.put(url(draft, "utkast"), json={"body": [1]})
    assert response.status_code == 400
    assert response.json["errors"][0] | {"path": ""} == {
        "path": "",
        "section": None,
        "question": None,
        "field": "",
        "message": "Mallen ska vara ett objekt ({…}).",
        "where": "Mallen",
    }


def test_signed_out_and_inspectors_get_json_refusals(client, login, make_user, draft, make_body):
    response = client.post(url(draft, "kontrollera"), json={"body": make_body()})
    assert response.status_code == 401
    assert response.json["message"].startswith("Du är inte inloggad längre.")
    login(make_user(role="inspector"))
    response = client.put(url(draft, "utkast"), json={"body": make_body(title="Ny")})
    assert response.status_code == 403
    assert (
        response.json["message"] == "Bara samordnare och administratörer kan redigera checklistor."
    )
    assert stored_body(draft.id)["title"] == "Hygienisk verksamhet"


def test_the_csrf_token_of_the_page_is_required_in_a_header(
    app, signed_in, draft, make_body, built_editor, monkeypatch
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    token = editor_data(text(signed_in.get(url(draft, "redigera"))))["csrf_token"]
    body = {"body": make_body(title="Med token")}
    refused = signed_in.put(url(draft, "utkast"), json=body)
    assert refused.status_code == 400
    assert refused.json["message"].startswith("Formulärets säkerhetskod (CSRF-token) saknas")
    assert stored_body(draft.id)["title"] == "Hygienisk verksamhet"
    saved = signed_in.put(url(draft, "utkast"), json=body, headers={"X-CSRFToken": token})
    assert saved.status_code == 200
    assert stored_body(draft.id)["title"] == "Med token"


# --- any body at all ------------------------------------------------------------------------

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "key",
                    "agency",
                    "title",
                    "sections",
                    "id",
                    "type",
                    "text",
                    "questions",
                    "show_if",
                    "q",
                    "op",
                    "value",
                    "all",
                    "options",
                    "deviation",
                ]
            )
            | st.text(max_size=6),
            inner,
            max_size=4,
        )
    ),  # fmt: skip
    max_leaves=12,
)


_PLACES = st.lists(
    st.sampled_from(
        ["sections", 0, "questions", 1, "show_if", "deviation", "when", "q", "options"]
    ),
    max_size=5,
)
# A whole request: a valid body changed at a few places, any JSON at all, or any text.
_REQUESTS = (
    st.tuples(st.just("mutated"), st.lists(st.tuples(_PLACES, _JSON), min_size=1, max_size=3))
    | st.tuples(st.just("any"), _JSON)
    | st.tuples(st.just("raw"), st.text(max_size=40))
)


def request_data(sent, valid_body) -> bytes:
    kind, payload = sent
    if kind == "raw":
        return payload.encode("utf-8", "surrogatepass")
    if kind == "any":
        return json.dumps(payload).encode()
    body = copy.deepcopy(valid_body)
    for path, value in payload:
        node = body
        for part in path[:-1]:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
        if isinstance(node, dict) and path:
            node[str(path[-1])] = value
        elif isinstance(node, dict):
            node["x"] = value
    return json.dumps({"body": body}).encode()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=_REQUESTS, action=st.sampled_from(["kontrollera", "utkast"]))
def test_any_request_body_is_answered_without_a_5xx_and_a_refusal_changes_nothing(
    signed_in, draft, make_body, sent, action
):
    data = request_data(sent, make_body())
    before_body, before_audit = stored_body(draft.id), audit_count()
    method = signed_in.post if action == "kontrollera" else signed_in.put
    response = method(url(draft, action), data=data, content_type="application/json")
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    answer = response.json
    if response.status_code == 400:
        assert answer.get("message") or answer["errors"]
        assert stored_body(draft.id) == before_body and audit_count() == before_audit
    elif action == "kontrollera":
        assert stored_body(draft.id) == before_body and audit_count() == before_audit
    for error in answer.get("errors", []):
        assert set(error) == {"path", "section", "question", "field", "message", "where"}
        assert error["message"] != "Ogiltigt värde."


# --- granska och publicera -------------------------------------------------------------


def test_the_review_of_a_first_version_says_so(signed_in, draft):
    html = text(signed_in.get(url(draft, "andringar")))
    assert "<h1>Granska och publicera</h1>" in html
    assert "Första versionen av mallen." in html
    assert '<label for="note">Vad har ändrats? (syns i versionshistoriken)</label>' in html
    assert f'action="{url(draft, "publicera")}"' in html


def test_the_review_lists_the_changes_against_the_published_version(
    signed_in, coordinator, make_body
):
    actor = Actor(coordinator)
    first = services.create_draft(actor, make_body())
    services.publish(actor, first.id)
    body = make_body()
    questions = body["sections"][0]["questions"]
    questions.pop(2)  # the photo
    questions[1]["show_if"] = {"q": "anmald", "op": "eq", "value": "no"}
    questions[0]["text"] = "Är verksamheten anmäld till nämnden?"
    second = services.create_draft(actor, body)
    db.session.commit()
    html = text(signed_in.get(url(SimpleNamespace(id=second.id), "andringar")))
    assert "Jämfört med version 1 (publicerad)." in html
    assert "1 fråga borttagen, 1 fråga ändrad, 1 fråga med ändrad logik." in html
    assert "<h2>Borttagna frågor (1)</h2>" in html
    assert "<li>Foto på lokalen <span" in html
    assert "<h2>Ändrade frågor (1)</h2>" in html
    assert "Frågetext: ”Är verksamheten anmäld?” → ”Är verksamheten anmäld till nämnden?”" in html
    assert "<h2>Ändrad logik (1)</h2>" in html
    assert "<dt>Före</dt><dd>”Är verksamheten anmäld?” är Ja</dd>" in html
    assert "<dt>Efter</dt><dd>”Är verksamheten anmäld till nämnden?” är Nej</dd>" in html
    assert "Tillagda frågor" not in html


def test_publishing_from_the_review_keeps_the_note_for_the_history(signed_in, draft):
    response = signed_in.post(url(draft, "publicera"), data={"note": "Första utgåvan."})
    assert response.status_code == 302
    version_page = text(signed_in.get(f"/checklistor/versioner/{draft.id}"))
    assert "<strong>Vad har ändrats:</strong> Första utgåvan.</p>" in version_page
    assert '<br><span class="hint">Första utgåvan.</span>' in text(signed_in.get("/checklistor/"))


def test_a_too_long_note_is_refused_on_the_review_page_and_kept(signed_in, draft):
    note = "å" * 2001
    response = signed_in.post(url(draft, "publicera"), data={"note": note})
    assert response.status_code == 400
    html = text(response)
    assert (
        '<p class="field-error" id="note-error" role="alert">För lång text: högst 2000 tecken.</p>'
        in html
    )
    assert f">{note}</textarea>" in html
    db.session.expire_all()
    assert services.get_version(draft.id).status == "draft"


# --- ny mall ------------------------------------------------------------------------------


def test_the_list_links_to_a_new_template(signed_in):
    assert '<a href="/checklistor/ny">Ny mall</a>' in text(signed_in.get("/checklistor/"))
    html = text(signed_in.get("/checklistor/ny"))
    assert "<h1>Ny mall</h1>" in html and '<option value="miljo">' in html


def test_a_new_template_starts_as_a_valid_draft_in_the_editor(signed_in, built_editor):
    response = signed_in.post(
        "/checklistor/ny", data={"title": "Årlig kontroll – kök", "agency": "miljo", "key": ""}
    )
    assert response.status_code == 302
    version_id = int(re.search(r"/versioner/(\d+)/redigera$", response.headers["Location"])[1])
    version = services.get_version(version_id)
    assert (version.status, version.version, version.template.key) == (
        "draft",
        1,
        "arlig-kontroll-kok",
    )
    assert version.body == {
        "key": "arlig-kontroll-kok",
        "agency": "miljo",
        "title": "Årlig kontroll – kök",
        "sections": [
            {
                "id": "avsnitt-1",
                "title": "Avsnitt 1",
                "questions": [{"id": "ny-fraga", "type": "yesno", "text": "Ny fråga"}],
            }
        ],
    }
    assert (
        editor_data(text(signed_in.get(response.headers["Location"])))["key"]
        == "arlig-kontroll-kok"
    )


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"title": " ", "agency": "miljo"}, "title", "Skriv mallens rubrik."),
        ({"title": "–?–", "agency": "miljo"}, "key",
         "Skriv en nyckel: rubriken har inga bokstäver a–z eller siffror."),
        ({"title": "Kontroll", "agency": "okand"}, "agency", "Välj en myndighet."),
        ({"title": "Kontroll", "agency": "miljo", "key": "Med Mellanslag"}, "key",
         "Mallens nyckel får bara innehålla små bokstäver a–z, siffror och bindestreck."),
        ({"title": "Hygien", "agency": "miljo", "key": "hygien-test"}, "key",
         "Det finns redan en mall med nyckeln ”hygien-test”. Välj en annan nyckel."),
        ({"title": "Hygien test", "agency": "brand"}, "key",
         "Det finns redan en mall med nyckeln ”hygien-test”. Välj en annan nyckel."),
        ({"title": "x" * 201, "agency": "miljo", "key": "lang"}, "title",
         "Mallens rubrik är för lång: högst 200 tecken."),
    ],
)  # fmt: skip
def test_a_new_template_is_refused_in_swedish_at_its_field(signed_in, draft, form, field, message):
    before = services.list_templates()
    response = signed_in.post("/checklistor/ny", data=form)
    assert response.status_code == 400
    html = text(response)
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in html
    assert "Mallen är inte skapad." in html
    assert len(services.list_templates()) == len(before)


def test_a_draft_that_is_not_valid_is_not_published_and_the_review_says_why(
    signed_in, coordinator, draft, make_body
):
    version = services.get_version(draft.id)
    broken = make_body()
    broken["sections"][0]["questions"][1]["show_if"]["q"] = "foto"  # saved under older rules
    version.body = broken
    db.session.commit()
    reason = (
        "<strong>Avsnitt 1 › fråga ”Temperatur i autoklaven”</strong>: Visningsvillkoret "
        "hänvisar till frågan ”Foto på lokalen”, som kommer senare. Välj en tidigare fråga."
    )
    review = text(signed_in.get(url(draft, "andringar")))
    assert "Utkastet kan inte publiceras förrän felen är rättade:" in review and reason in review
    assert "Publicera version" not in review
    response = signed_in.post(url(draft, "publicera"), data={"note": "Försök"})
    assert response.status_code == 400 and reason in text(response)
    db.session.expire_all()
    assert services.get_version(draft.id).status == "draft"
    with pytest.raises(Invalid) as raised:
        services.publish(Actor(coordinator), draft.id)
    assert raised.value.code == "invalid_template"
