"""XLSForm import as form authors write it: pyxform's spellings, smart quotes, partial
conditions, languages, ${} in labels, explicit template identity and the export round trip."""

import io

import openpyxl
import pytest

from otto.auth import Actor
from otto.checklists import services
from otto.checklists.logic import evaluate
from otto.checklists.template_format import validate_template
from otto.checklists.xlsform import read_xlsform, write_xlsform
from otto.extensions import db
from tests.checklists.test_xlsform import CHOICES, SURVEY, workbook
from tests.test_errors import assert_error

YESNO = [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]


def read(survey, header, choices=YESNO, settings=None, filename=""):
    imported = read_xlsform(workbook(survey, choices, settings, header), "miljo", filename)
    questions = {q["id"]: q for s in imported.body["sections"] for q in s["questions"]}
    return imported, questions


def test_pyxform_type_and_header_spellings_are_read():
    header = ["Type", "name", "label:English", "bind:relevant", "bind:required"]
    survey = [
        ["Select one from yn", "consent", "Consent?", "", "yes"],
        ["photo", "picture", "Picture", "${consent} = 'yes'", ""],
        ["gps", "where", "Where", "", ""],
        ["string", "remark", "Remark", "", ""],
        ["select all that apply from yn", "both", "Both", "", ""],
        ["image", "sign", "Sign", "", ""],
    ]
    imported, questions = read(survey, header)
    assert [q["type"] for q in questions.values()] == [
        "choice", "photo", "location", "text", "choice", "photo",
    ]  # fmt: skip
    assert questions["consent"]["required"] is True
    assert questions["picture"]["show_if"] == {"q": "consent", "op": "eq", "value": "yes"}
    assert questions["both"]["multiple"] is True
    assert imported.summary.language == "label på English"


def test_typographic_quotes_are_straight_quotes():
    header = ["type", "name", "label", "relevant"]
    survey = [["select_one yn", "aware", "Aware?", ""], ["text", "how", "How?", "${aware}=’yes’"]]
    _, questions = read(survey, header)
    assert questions["how"]["show_if"] == {"q": "aware", "op": "eq", "value": "yes"}


def test_a_typo_drops_only_its_own_part_and_the_group_condition_stays():
    header = ["type", "name", "label", "relevant"]
    survey = [
        ["select_one yn", "consent", "Consent?", ""],
        ["begin group", "g", "Group", "${consent} = 'yes'"],
        ["select_one yn", "owner", "Owner?", ""],
        ["integer", "n", "Count", "${owner} = 'yes' and ${owner} = 'yess' and ${n} > 1"],
        ["end group", "", "", ""],
    ]
    imported, questions = read(survey, header)
    assert questions["n"]["show_if"] == {
        "all": [
            {"q": "consent", "op": "eq", "value": "yes"},
            {"q": "owner", "op": "eq", "value": "yes"},
        ]
    }
    (note,) = [n for r in imported.summary.rows if r.row == 5 for n in r.notes]
    assert "”${owner} = 'yess'”" in note and "inte ett av alternativen" in note
    assert "”${n} > 1”" in note and "ingen tidigare fråga" in note
    assert "menade du ”yes”?" in note
    assert imported.summary.counts.conditions_partly_kept == 1


@pytest.mark.parametrize(
    "relevant, answers, shown",
    [
        ("${a} != 'yes'", {}, True),  # XPath: '' != 'yes' is true
        ("${a} != 'yes'", {"a": "yes"}, False),
        ("${a} != 'yes'", {"a": "no"}, True),
        ("${a} = 'yes'", {}, False),
        ("not(${a} = 'yes')", {}, True),
        ("${a} != ''", {}, False),
        ("${m} = 'yes'", {"m": ["yes", "no"]}, False),  # XPath compares the whole answer
        ("${m} = 'yes'", {"m": ["yes"]}, True),
        ("selected(${m}, 'yes')", {"m": ["yes", "no"]}, True),
    ],
)
def test_conditions_mean_in_otto_what_they_mean_in_odk(relevant, answers, shown):
    header = ["type", "name", "label", "relevant"]
    survey = [
        ["select_one yn", "a", "A", ""],
        ["select_multiple yn", "m", "M", ""],
        ["text", "t", "T", relevant],
    ]
    _, questions = read(survey, header)
    assert evaluate(questions["t"]["show_if"], answers) is shown


def test_swedish_then_english_then_default_label_is_used_and_choices_follow():
    header = ["type", "name", "label::Swahili (sw)", "label::English (en)", "label::Svenska (sv)"]
    survey = [["select_one yn", "a", "Ndiyo?", "Yes?", "Ja?"]]
    choices = [
        ["list_name", "name", "label::Swahili (sw)", "label::Svenska (sv)"],
        ["yn", "yes", "Ndiyo", "Ja"],
    ]
    imported, questions = read(survey, header, choices)
    assert questions["a"]["text"] == "Ja?"
    assert questions["a"]["options"] == [{"value": "yes", "label": "Ja"}]
    assert imported.summary.language == "label på Svenska (sv)"
    _, questions = read([row[:4] for row in survey], header[:4], choices)
    assert questions["a"]["text"] == "Yes?"


def test_a_reference_in_a_label_is_flagged_and_made_readable():
    header = ["type", "name", "label"]
    survey = [["text", "brand", "Brand"], ["integer", "price", "Price of ${brand}?"]]
    imported, questions = read(survey, header)
    assert questions["price"]["text"] == "Price of [svar på ”Brand”]?"
    notes = [n for r in imported.summary.rows if r.name == "price" for n in r.notes]
    assert any("${…}" in note for note in notes)


def test_an_export_imports_to_the_same_body(make_body):
    body = make_body(description="Beskrivning", purpose="Syfte")
    body["sections"][0]["questions"] += [
        {"id": "typ", "type": "choice", "text": "Typ", "multiple": True, "required": False,
         "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
         "show_if": {"any": [{"q": "anmald", "op": "ne", "value": "na"},
                             {"q": "typ-x", "op": "answered"}]}},
        {"id": "sign", "type": "signature", "text": "Signatur",
         "show_if": {"q": "typ", "op": "in", "value": ["a"]}},
        {"id": "plats", "type": "location", "text": "Plats", "help": "Stå vid entrén"},
        {"id": "n", "type": "integer", "text": "Antal", "min": -2, "max": 9},
    ]  # fmt: skip
    body["sections"][0]["questions"][3]["show_if"]["any"][1]["q"] = "temp"
    body["sections"].append(
        {"id": "datum", "title": "Datum", "questions": [{"id": "d", "type": "date", "text": "D"}]}
    )
    body = validate_template(body)
    imported = read_xlsform(io.BytesIO(write_xlsform(body)), body["agency"])
    assert imported.body == body


def upload(client, headers, query, stream=None, name="kyl.xlsx"):
    return client.post(
        f"/api/templates/import-xlsform?{query}",
        data={"file": (stream or workbook(SURVEY), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_the_api_makes_a_new_template_unless_told_which_one_to_extend(
    client, coordinator_headers, make_body
):
    no_id = workbook(SURVEY, CHOICES, settings=None)
    first = upload(client, coordinator_headers, "agency=miljo", no_id, "Kyl kontroll.xlsx")
    no_id = workbook(SURVEY, CHOICES, settings=None)
    second = upload(client, coordinator_headers, "agency=brand", no_id, "Kyl kontroll.xlsx")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json["draft"]["key"] == "kyl-kontroll"
    assert second.json["draft"]["key"] == "kyl-kontroll-2"
    third = upload(client, coordinator_headers, "agency=miljo&version_of=kyl-kontroll")
    assert (third.json["draft"]["key"], third.json["draft"]["version"]) == ("kyl-kontroll", 2)
    refused = upload(client, coordinator_headers, "agency=miljo&version_of=kyl-kontroll-2")
    body = assert_error(refused, 400, "invalid_template")
    assert "tillhör" in body["details"]["version_of"][0]
    unknown = upload(client, coordinator_headers, "agency=miljo&version_of=finns-inte")
    assert (
        "Det finns ingen mall"
        in assert_error(unknown, 400, "unknown_template")["details"]["version_of"][0]
    )


def test_a_refused_form_says_why_in_swedish(client, coordinator_headers, make_body):
    survey = [["calculate", "x", "", "", "", "", ""], ["note", "n", "", "Hej", "", "", ""]]
    body = assert_error(
        upload(client, coordinator_headers, "agency=miljo", workbook(survey)),
        400,
        "invalid_xlsform",
    )
    assert body["details"]["file"] == ["Formuläret har ingen fråga som kan importeras."]
    assert "Rad 2: Typen ”calculate” har ingen motsvarighet i OTTO." in body["details"]["warnings"]


def test_a_sheet_over_the_limit_is_named(client, coordinator_headers, make_body, monkeypatch):
    monkeypatch.setattr("otto.limits.XLSFORM_ROWS", 3)
    choices = [CHOICES[0], *[["l", f"v{n}", f"V{n}", f"V{n}"] for n in range(5)]]
    body = assert_error(
        upload(client, coordinator_headers, "agency=miljo", workbook(SURVEY[:1], choices)),
        400,
        "invalid_xlsform",
    )
    assert body["details"]["file"] == [
        "Bladet ”choices” har fler än 3 ifyllda rader; gränsen är 3 rader per blad."
    ]


@pytest.fixture
def signed_in(login, coordinator):
    return login(coordinator)


def test_the_import_page_asks_for_identity_and_shows_the_summary(signed_in, make_body):
    form = signed_in.get("/checklistor/importera").get_data(as_text=True)
    assert "Ny checklista" in form and "Ny version av en befintlig checklista" in form
    data = {"file": (workbook(SURVEY), "kyl.xlsx"), "agency": "livsmedel", "as": "new"}
    html = signed_in.post("/checklistor/importera/xlsform", data=data).get_data(as_text=True)
    assert "<dt>Importerade frågor</dt><dd>6</dd>" in html
    assert "Rad för rad" in html
    data = {"file": (workbook(SURVEY), "kyl.xlsx"), "agency": "livsmedel", "as": "version"}
    response = signed_in.post("/checklistor/importera/xlsform", data=data)
    assert response.status_code == 400
    assert "Välj vilken mall den nya versionen gäller." in response.get_data(as_text=True)


def test_an_exported_version_downloads_as_xlsx_and_comes_back_as_the_next_version(
    client, coordinator_headers, coordinator, make_body
):
    version = services.create_draft(Actor(coordinator), make_body())
    db.session.commit()
    response = client.get(
        f"/api/template-versions/{version.id}/export-xlsform", headers=coordinator_headers
    )
    assert response.status_code == 200
    openpyxl.load_workbook(io.BytesIO(response.data))  # a real workbook
    again = upload(
        client,
        coordinator_headers,
        "agency=miljo&version_of=hygien-test",
        io.BytesIO(response.data),
    )
    assert again.status_code == 201, again.json
    assert (again.json["draft"]["version"], again.json["draft"]["body"]) == (2, version.body)
