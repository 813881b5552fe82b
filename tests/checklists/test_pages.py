"""The authoring pages under /checklistor: list, inspector's view, JSON editing, publishing,
retiring, new versions, import and export — for coordinators and admins only."""

import io
import json

import pytest
from markupsafe import escape

from otto.auth import Actor
from otto.checklists import services
from otto.checklists.library import install_library
from otto.extensions import db
from tests.checklists.test_xlsform import SURVEY, workbook


@pytest.fixture
def signed_in(login, coordinator):
    return login(coordinator)


@pytest.fixture
def draft(coordinator, make_body):
    version = services.create_draft(Actor(coordinator), make_body())
    db.session.commit()
    return version


def page(response):
    return response.get_data(as_text=True)


def test_every_library_template_renders_as_the_inspector_will_see_it(signed_in):
    versions = install_library()
    db.session.commit()
    for version in versions:
        response = signed_in.get(f"/checklistor/versioner/{version.id}")
        assert response.status_code == 200, version.template.key
        html = page(response)
        first_question = version.body["sections"][0]["questions"][0]
        assert str(escape(version.body["title"])) in html
        assert str(escape(first_question["text"])) in html
        assert "Publicerad" in html and "Avvikelse" in html and "Lagrum" in html


def test_the_version_view_describes_inputs_and_rules_in_swedish(signed_in, draft):
    html = page(signed_in.get(f"/checklistor/versioner/{draft.id}"))
    assert "Utkast" in html
    assert '<fieldset class="question" disabled>' in html
    assert 'type="radio" name="q-anmald" value="na"> Ej aktuellt' in html
    assert 'type="number" step="any" min="0" max="200"' in html
    assert 'type="file" accept="image/*"' in html and "Minst 1 foto." in html
    assert 'title="Obligatorisk">*</abbr>' in html
    assert "Visas när</dt><dd>”Är verksamheten anmäld?” är Ja</dd>" in html
    assert "Mindre avvikelse när ”Temperatur i autoklaven” är mindre än 121 °C" in html
    assert "FMH 38 §" in html and ">Granska och publicera</a>" in html


def test_the_list_shows_every_version_with_its_status_in_swedish(signed_in, coordinator, draft):
    actor = Actor(coordinator)
    services.publish(actor, draft.id)
    services.new_draft(actor, draft.template_id)
    retired = services.publish(actor, services.create_draft(actor, draft.body).id)
    services.retire(actor, retired.id)
    db.session.commit()
    html = page(signed_in.get("/checklistor/?agency=miljo"))
    assert "Hygienisk verksamhet" in html
    for status in ("Publicerad", "Utkast", "Tillbakadragen"):
        assert status in html
    assert "Ny version</button>" in html


def test_inspectors_are_refused_and_visitors_sent_to_login(client, login, make_user):
    inspector = make_user(role="inspector")
    assert client.get("/checklistor/").status_code == 302
    login(inspector)
    assert client.get("/checklistor/").status_code == 403
    assert "Checklistor" not in page(client.get("/oversikt"))


def test_admins_see_the_checklists_link(client, login, make_user):
    login(make_user(role="admin"))
    assert 'href="/checklistor/">Checklistor</a>' in page(client.get("/oversikt"))


def test_the_json_page_lists_validation_errors_in_swedish_at_their_question(
    signed_in, draft, make_body
):
    body = make_body()
    body["sections"][0]["questions"][1]["show_if"]["q"] = "foto"
    text = json.dumps(body, ensure_ascii=False)
    response = signed_in.post(f"/checklistor/versioner/{draft.id}/json", data={"body": text})
    assert response.status_code == 400
    html = page(response)
    assert (
        "<strong>Avsnitt 1 › fråga ”Temperatur i autoklaven”</strong>: Visningsvillkoret "
        "hänvisar till frågan ”Foto på lokalen”, som kommer senare. Välj en tidigare fråga."
    ) in html
    assert "sections[0]" not in html and "comes later" not in html
    assert str(escape(text)) in html
    assert services.get_version(draft.id).body == make_body()


def test_the_json_page_points_at_broken_json(signed_in, draft):
    url = f"/checklistor/versioner/{draft.id}/json"
    response = signed_in.post(url, data={"body": '{"key": \n'})
    assert response.status_code == 400
    assert "<li>Ogiltig JSON på rad 2" in page(response)


def test_the_json_page_saves_a_valid_draft(signed_in, draft, make_body):
    form = signed_in.get(f"/checklistor/versioner/{draft.id}/json")
    assert "Hygienisk verksamhet" in page(form)
    text = json.dumps(make_body(title="Hygien, reviderad"))
    response = signed_in.post(f"/checklistor/versioner/{draft.id}/json", data={"body": text})
    assert response.status_code == 302
    db.session.expire_all()
    assert services.get_version(draft.id).body["title"] == "Hygien, reviderad"


def test_publish_retire_and_new_version_buttons(signed_in, draft):
    url = f"/checklistor/versioner/{draft.id}"
    assert signed_in.post(f"{url}/publicera").status_code == 302
    assert "Dra tillbaka</button>" in page(signed_in.get(url))
    assert signed_in.get(f"{url}/redigera").status_code == 302  # published: not editable
    assert signed_in.get(f"{url}/json").status_code == 302
    response = signed_in.post(f"/checklistor/mallar/{draft.template_id}/ny-version")
    assert response.status_code == 302 and "/redigera" in response.headers["Location"]
    assert signed_in.post(f"{url}/dra-tillbaka").status_code == 302
    db.session.expire_all()
    assert [v.status for v in services.get_version(draft.id).template.versions] == [
        "retired",
        "draft",
    ]
    assert signed_in.post(f"{url}/publicera").status_code == 409


def test_the_export_link_downloads_json_that_imports_as_a_new_draft(signed_in, draft):
    response = signed_in.get(f"/checklistor/versioner/{draft.id}/export")
    assert response.headers["Content-Disposition"] == 'attachment; filename="hygien-test-v1.json"'
    upload = {"file": (io.BytesIO(response.data), "hygien-test-v1.json")}
    imported = signed_in.post("/checklistor/importera/json", data=upload)
    assert imported.status_code == 302
    latest = services.get_template(draft.template_id).versions[-1]
    assert (latest.version, latest.body) == (2, draft.body)


def test_an_uploaded_xlsform_shows_its_draft_and_warnings(signed_in):
    assert "Importera XLSForm" in page(signed_in.get("/checklistor/importera"))
    upload = {"file": (workbook(SURVEY), "kyl.xlsx"), "agency": "livsmedel"}
    response = signed_in.post("/checklistor/importera/xlsform", data=upload)
    assert response.status_code == 200
    html = page(response)
    assert "Livsmedelskontroll – kyl" in html
    assert "<td>6</td><td>diff</td><td>calculate</td><td>Inte importerad</td>" in html
    assert "Typen ”calculate” har ingen motsvarighet i OTTO." in html


@pytest.mark.parametrize(
    "path, content, agency, message",
    [
        ("xlsform", None, "livsmedel", "Välj en XLSForm-fil (.xlsx)."),
        ("xlsform", b"x", "", "Välj en myndighet."),
        ("xlsform", b"x", "livsmedel", "Filen kunde inte läsas som en Excel-arbetsbok"),
        ("json", b"{", "", "Filen är inte JSON (UTF-8)."),
        ("json", b'{"key": "x"}', "", "<strong>Mallen</strong>: Myndigheten saknas."),
    ],
)
def test_a_failed_import_is_explained_on_the_import_page(signed_in, path, content, agency, message):
    upload = {"agency": agency}
    if content is not None:
        upload["file"] = (io.BytesIO(content), f"mall.{path}")
    response = signed_in.post(f"/checklistor/importera/{path}", data=upload)
    assert response.status_code == 400
    assert "Filen kunde inte importeras." in page(response) and message in page(response)
