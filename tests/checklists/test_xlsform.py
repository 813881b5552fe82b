"""XLSForm import: workbooks built here with openpyxl become valid template drafts, and
everything that cannot be imported is reported with its row."""

import io

import openpyxl
import pytest

from otto.checklists.template_format import validate_template
from otto.checklists.xlsform import read_xlsform as read_form
from otto.checklists.xlsform.expressions import UnsupportedExpression, parse_relevant
from otto.errors import Invalid
from tests.test_errors import assert_error

SURVEY_HEADER = ["type", "name", "label", "label::Svenska", "hint", "required", "relevant"]
# Row numbers as in Excel: the header is row 1.
SURVEY = [
    ["select_one janej", "registrerad", "Registered?", "Är lokalen registrerad?", "", "yes", ""],
    ["begin group", "kyl", "Cold storage", "Kylförvaring", "", "", "${registrerad} = 'ja'"],
    ["decimal", "kyltemp", "Temperature", "Temperatur i kylen", "Mät i mitten", "true", ""],
    ["image", "kylfoto", "Photo", "Foto på termometern", "", "", "${kyltemp} > 8"],
    ["calculate", "diff", "", "", "", "", ""],
    ["end group", "", "", "", "", "", ""],
    ["select_multiple varor", "varor", "Goods", "Varor i lager", "", "", ""],
    ["integer", "antal", "Staff", "Antal anställda", "", "1", "selected(${varor}, 'kott')"],
    ["geopoint", "plats", "Location", "Position", "", "", ""],
]
CHOICES = [
    ["list_name", "name", "label", "label::Svenska"],
    ["janej", "ja", "Yes", "Ja"],
    ["janej", "nej", "No", "Nej"],
    ["varor", "kott", "Meat", "Kött"],
    ["varor", "fisk", "Fish", "Fisk"],
]
SETTINGS = [["form_title", "form_id"], ["Livsmedelskontroll – kyl", "Kyl_Kontroll"]]


def workbook(survey, choices=CHOICES, settings=SETTINGS, header=SURVEY_HEADER):
    """An .xlsx file (as a stream) with survey, choices and settings sheets."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in [header, *survey]:
        sheet.append(row)
    for title, rows in (("choices", choices), ("settings", settings)):
        if rows:
            extra = book.create_sheet(title)
            for row in rows:
                extra.append(row)
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream


def read_xlsform(stream, agency, filename=""):
    """The body and the warnings (every note, with its row) of an imported form."""
    imported = read_form(stream, agency, filename)
    return imported.body, imported.summary.warnings()


def rows_of(warnings, word):
    """The rows of the warnings whose message mentions `word`."""
    return [row for warning in warnings if word in warning.message for row in warning.rows]


def test_a_form_with_groups_choices_relevant_and_required_becomes_a_valid_template():
    body, warnings = read_xlsform(workbook(SURVEY), "livsmedel")
    assert validate_template(body) == body
    assert (body["key"], body["agency"], body["title"]) == (
        "kyl-kontroll",
        "livsmedel",
        "Livsmedelskontroll – kyl",
    )
    assert [(s["id"], s["title"]) for s in body["sections"]] == [
        ("allmant", "Allmänt"),
        ("kyl", "Kylförvaring"),
        ("allmant-8", "Allmänt"),
    ]
    registrerad, kyltemp, kylfoto, varor, antal, plats = (
        q for s in body["sections"] for q in s["questions"]
    )
    assert registrerad == {
        "id": "registrerad",
        "type": "choice",
        "text": "Är lokalen registrerad?",
        "options": [{"value": "ja", "label": "Ja"}, {"value": "nej", "label": "Nej"}],
        "required": True,
    }
    group_condition = {"q": "registrerad", "op": "eq", "value": "ja"}
    assert kyltemp["type"] == "number" and kyltemp["required"] is True
    assert kyltemp["help"] == "Mät i mitten"
    assert kyltemp["show_if"] == group_condition
    assert kylfoto["type"] == "photo" and kylfoto["min_photos"] == 0
    assert kylfoto["show_if"] == {
        "all": [group_condition, {"q": "kyltemp", "op": "gt", "value": 8}]
    }
    assert varor["multiple"] is True and "show_if" not in varor
    assert antal["show_if"] == {"q": "varor", "op": "eq", "value": "kott"}
    assert plats["type"] == "location"
    assert rows_of(warnings, "calculate") == [6]


def test_unsupported_types_columns_and_notes_are_warned_about_by_row():
    survey = [
        ["text", "namn", "Name", "Verksamhetens namn", "", "", ""],
        ["note", "info", "Info", "Läs upp syftet", "", "", ""],
        ["begin repeat", "anstallda", "Staff", "Anställda", "", "", ""],
        ["text", "person", "Person", "Namn på anställd", "", "", ""],
        ["end repeat", "", "", "", "", "", ""],
        ["time", "klockslag", "Time", "Klockslag", "", "", ""],
        ["calculate", "summa", "", "", "", "", ""],
        ["calculate", "summa2", "", "", "", "", ""],
        ["integer", "alder", "Age", "Ålder", "", "${namn} = 'x'", "", ". > 18"],
    ]
    body, warnings = read_xlsform(workbook(survey, header=[*SURVEY_HEADER, "constraint"]), "polis")
    assert rows_of(warnings, "note") == [3]
    assert rows_of(warnings, "Upprepad") == [4]
    assert rows_of(warnings, "time") == [7]
    assert rows_of(warnings, "calculate") == [8, 9]
    assert rows_of(warnings, "constraint") == []  # `. > 18` on an integer is min 19
    assert rows_of(warnings, "required") == [10]
    assert rows_of(warnings, "”label”") == []  # the other language is named without rows
    assert any("”label”" in warning.message for warning in warnings)
    ids = [q["id"] for s in body["sections"] for q in s["questions"]]
    assert ids == ["namn", "person", "alder"]
    assert body["sections"][-1]["questions"][-1]["min"] == 19
    assert body["sections"][1]["title"] == "Anställda"


@pytest.mark.parametrize(
    "relevant, problem",
    [
        ("count-selected(${varor}) > 1", "count-selected"),
        ("${senare} = 'ja'", "senare"),
        ("${registrerad} = ", "slutet"),
        ("${kyltemp} = 'varm'", "inte ett tal"),
        ("${registrerad} = 'kanske'", "inte ett av alternativen"),
    ],
)
def test_a_condition_that_cannot_be_translated_is_dropped_with_a_warning(relevant, problem):
    survey = [
        ["select_one janej", "registrerad", "", "Registrerad?", "", "", ""],
        ["decimal", "kyltemp", "", "Temperatur", "", "", ""],
        ["text", "notering", "", "Notering", "", "", relevant],
        ["text", "senare", "", "Senare fråga", "", "", ""],
    ]
    body, warnings = read_xlsform(workbook(survey), "livsmedel")
    notering = body["sections"][0]["questions"][2]
    assert notering["id"] == "notering" and "show_if" not in notering
    assert rows_of(warnings, problem) == [4]


def test_nested_groups_get_their_own_sections():
    survey = [
        ["begin group", "kok", "", "Kök", "", "", ""],
        ["text", "a", "", "Fråga A", "", "", ""],
        ["begin group", "diskrum", "", "Diskrum", "", "", ""],
        ["text", "b", "", "Fråga B", "", "", ""],
        ["end group", "", "", "", "", "", ""],
        ["text", "c", "", "Fråga C", "", "", ""],
        ["end group", "", "", "", "", "", ""],
    ]
    body, warnings = read_xlsform(workbook(survey), "miljo")
    assert [(s["id"], s["title"], len(s["questions"])) for s in body["sections"]] == [
        ("kok", "Kök", 1),
        ("diskrum", "Kök – Diskrum", 1),
        ("kok-7", "Kök", 1),
    ]


def test_labels_fall_back_to_the_plain_label_column_and_names():
    survey = [["text", "Verksamhet_Namn", "Business name"], ["date", "datum", ""]]
    body, warnings = read_xlsform(
        workbook(survey, settings=None, header=["type", "name", "label"]), "skatt"
    )
    first, second = body["sections"][0]["questions"]
    assert (first["id"], first["text"]) == ("verksamhet-namn", "Business name")
    assert (second["type"], second["text"]) == ("date", "datum")
    assert rows_of(warnings, "etikett") == [3]
    assert body["key"] == "xlsform-import" and any("form_id" in w.message for w in warnings)
    named, _ = read_xlsform(
        workbook(survey, settings=None, header=["type", "name", "label"]), "skatt", "Kök 2.xlsx"
    )
    assert (named["key"], named["title"]) == ("kok-2", "Kök 2")


def test_a_repeated_choice_value_keeps_the_first_option_and_warns():
    choices = [*CHOICES, ["janej", "ja", "Yes again", "Ja igen"]]
    body, warnings = read_xlsform(workbook(SURVEY[:1], choices=choices), "livsmedel")
    options = body["sections"][0]["questions"][0]["options"]
    assert options == [{"value": "ja", "label": "Ja"}, {"value": "nej", "label": "Nej"}]
    assert any("choices rad 6" in warning.message for warning in warnings)


def test_a_file_that_is_not_a_workbook_is_invalid():
    with pytest.raises(Invalid) as raised:
        read_xlsform(io.BytesIO(b"type,name\ntext,a\n"), "miljo")
    assert raised.value.code == "invalid_xlsform"


@pytest.mark.parametrize(
    "expression, condition",
    [
        ("${a} = 'x'", {"q": "a", "op": "eq", "value": "x"}),
        ('${a} != "x"', {"q": "a", "op": "ne", "value": "x"}),
        ("${a}=’x’", {"q": "a", "op": "eq", "value": "x"}),
        ("${a} = “x”", {"q": "a", "op": "eq", "value": "x"}),
        ("count-selected(${a}) > 0", {"q": "a", "op": "answered"}),
        ("${d} > date('2024-01-31')", {"q": "d", "op": "gt", "value": "2024-01-31"}),
        ("1.5", {"all": []}),
        ("${n} > 5", {"q": "n", "op": "gt", "value": 5}),
        ("${n} >= 2.5", {"q": "n", "op": "gte", "value": 2.5}),
        ("${n} < -1", {"q": "n", "op": "lt", "value": -1}),
        ("${n} <= 10", {"q": "n", "op": "lte", "value": 10}),
        ("10 < ${n}", {"q": "n", "op": "gt", "value": 10}),
        ("selected(${a}, 'x')", {"q": "a", "op": "selected", "value": "x"}),
        ("${a} != ''", {"q": "a", "op": "answered"}),
        ("${a} = ''", {"not": {"q": "a", "op": "answered"}}),
        ("not(${a} = 'x')", {"not": {"q": "a", "op": "eq", "value": "x"}}),
        (
            "${a} = 'x' or ${b} = 'y' and ${n} > 1",
            {
                "any": [
                    {"q": "a", "op": "eq", "value": "x"},
                    {
                        "all": [
                            {"q": "b", "op": "eq", "value": "y"},
                            {"q": "n", "op": "gt", "value": 1},
                        ]
                    },
                ]
            },
        ),
        (
            "(${a} = 'x' or ${b} = 'y') and not(selected(${c}, 'z'))",
            {
                "all": [
                    {
                        "any": [
                            {"q": "a", "op": "eq", "value": "x"},
                            {"q": "b", "op": "eq", "value": "y"},
                        ]
                    },
                    {"not": {"q": "c", "op": "selected", "value": "z"}},
                ]
            },
        ),
    ],
)
def test_relevant_expressions_become_conditions(expression, condition):
    assert parse_relevant(expression) == condition


@pytest.mark.parametrize(
    "expression",
    ["", "${a} = today()", "${a} = 'x' ${b}", "(${a} = 'x'", "string-length(${a}) > 3"],
)
def test_other_relevant_expressions_are_unsupported(expression):
    with pytest.raises(UnsupportedExpression):
        parse_relevant(expression)


def test_the_api_imports_an_uploaded_xlsform_as_a_draft(client, coordinator_headers, make_body):
    response = client.post(
        "/api/templates/import-xlsform?agency=livsmedel",
        data={"file": (workbook(SURVEY), "kyl.xlsx")},
        headers=coordinator_headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    draft = response.json["draft"]
    assert (draft["key"], draft["status"]) == ("kyl-kontroll", "draft")
    calculate = [w for w in response.json["warnings"] if "calculate" in w["message"]]
    assert calculate == [
        {"rows": [6], "message": "Typen ”calculate” har ingen motsvarighet i OTTO."}
    ]
    summary = response.json["summary"]
    assert (summary["questions_in_form"], summary["questions_imported"]) == (6, 6)
    assert (summary["conditions_kept"], summary["conditions_dropped"]) == (3, 0)
    assert summary["rows"][4] == {
        "row": 6,
        "name": "diff",
        "type": "calculate",
        "result": "Inte importerad",
        "notes": ["Typen ”calculate” har ingen motsvarighet i OTTO."],
    }


@pytest.mark.parametrize(
    "url, data, code",
    [
        ("/api/templates/import-xlsform?agency=livsmedel", {}, "validation_error"),
        ("/api/templates/import-xlsform", "workbook", "validation_error"),
        ("/api/templates/import-xlsform?agency=livsmedel", "not-xlsx", "invalid_xlsform"),
    ],
)
def test_the_api_refuses_a_bad_upload(client, coordinator_headers, make_body, url, data, code):
    if data == "workbook":
        data = {"file": (workbook(SURVEY), "kyl.xlsx")}
    elif data == "not-xlsx":
        data = {"file": (io.BytesIO(b"not a workbook"), "kyl.xlsx")}
    response = client.post(
        url, data=data, headers=coordinator_headers, content_type="multipart/form-data"
    )
    assert_error(response, 400, code)
