"""Template validation: every rule of the format reports its error at the right path."""

import copy

import pytest

from otto.checklists.template_format import TemplateInvalid, validate_template

pytestmark = pytest.mark.database_free  # pure: no database

Q = "sections[0].questions"


def make_template(*questions, **overrides):
    """A valid one-section template; questions default to one yesno question."""
    body = {
        "key": "livsmedel-grund",
        "agency": "livsmedel",
        "title": "Livsmedelskontroll",
        "sections": [
            {"id": "temp", "title": "Temperaturer", "questions": list(questions) or [yesno("a")]}
        ],
    }
    body.update(overrides)
    return body


def yesno(question_id, **extra):
    return {"id": question_id, "type": "yesno", "text": "Finns rutiner?", **extra}


def choice(question_id, **extra):
    options = [{"value": "kyl", "label": "Kyl"}, {"value": "frys", "label": "Frys"}]
    return {"id": question_id, "type": "choice", "text": "Förvaring", "options": options, **extra}


def errors_of(body):
    with pytest.raises(TemplateInvalid) as raised:
        validate_template(body)
    return raised.value.errors


def full_example():
    return {
        "key": "livsmedel-grund",
        "agency": "livsmedel",
        "title": "Livsmedelskontroll",
        "description": "Grundkontroll",
        "purpose": "Kontroll av livsmedelshantering",
        "legal_basis": "Livsmedelslagen (2006:804)",
        "sections": [
            {
                "id": "temp",
                "title": "Temperaturer",
                "questions": [
                    {
                        "id": "kyl",
                        "type": "number",
                        "unit": "°C",
                        "min": -30,
                        "max": 30.5,
                        "text": "Temperatur i kylförvaring",
                        "help": "Mät i mitten av kylen",
                        "required": True,
                        "legal_ref": "Förordning (EG) nr 852/2004 bilaga II kap. IX",
                        "deviation": {
                            "when": {"q": "kyl", "op": "gt", "value": 8},
                            "severity": "minor",
                            "text": "Kylvaror förvaras över 8 °C",
                        },
                    },
                    {
                        "id": "kyl-foto",
                        "type": "photo",
                        "min_photos": 1,
                        "text": "Foto på termometern",
                        "show_if": {"q": "kyl", "op": "gt", "value": 8},
                    },
                ],
            },
            {
                "id": "rutiner",
                "title": "Rutiner",
                "questions": [
                    yesno("haccp", required=False),
                    choice(
                        "forvaring",
                        multiple=True,
                        show_if={"q": "haccp", "op": "in", "value": ["yes", "na"]},
                        deviation={
                            "when": {"not": {"q": "forvaring", "op": "eq", "value": "kyl"}},
                            "severity": "major",
                            "text": "Ingen kylförvaring",
                            "legal_ref": "852/2004",
                        },
                    ),
                    {"id": "antal", "type": "integer", "min": 0, "max": 10, "text": "Antal"},
                    {"id": "datum", "type": "date", "text": "Senaste kontroll"},
                    {
                        "id": "notering",
                        "type": "text",
                        "text": "Notering",
                        "show_if": {
                            "all": [
                                {"q": "datum", "op": "lt", "value": "2024-01-01"},
                                {"any": [{"q": "antal", "op": "gte", "value": 2}]},
                            ]
                        },
                    },
                    {"id": "plats", "type": "location", "text": "Plats"},
                    {
                        "id": "signatur",
                        "type": "signature",
                        "text": "Underskrift",
                        "show_if": {"q": "plats", "op": "answered"},
                    },
                ],
            },
        ],
    }


def test_full_example_with_every_question_type_is_valid_and_returned_unchanged():
    body = full_example()

    assert validate_template(copy.deepcopy(body)) == body


def test_several_errors_are_reported_together():
    body = make_template(
        yesno("a", show_if={"q": "b", "op": "eq", "value": "yes"}),
        {"id": "b", "type": "slider", "text": "Nivå"},
        yesno("a"),
        title="",
        colour="red",
    )

    assert set(errors_of(body)) == {
        "title",
        "colour",
        f"{Q}[0].show_if.q",
        f"{Q}[1].type",
        f"{Q}[2].id",
    }


def test_body_that_is_not_an_object_is_rejected_at_the_root():
    assert errors_of(["not", "a", "template"]) == {"": ["Must be an object."]}


def test_missing_top_level_fields_are_each_reported():
    errors = errors_of({})

    assert set(errors) == {"key", "agency", "title", "sections"}


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"key": "Livsmedel Grund"}, "key"),
        ({"agency": "Tull!"}, "agency"),
        ({"title": "   "}, "title"),
        ({"purpose": 5}, "purpose"),
        ({"sections": []}, "sections"),
    ],
)
def test_bad_top_level_field_is_reported_at_its_path(overrides, path):
    assert list(errors_of(make_template(**overrides))) == [path]


def test_unknown_question_type_is_reported():
    errors = errors_of(make_template({"id": "a", "type": "slider", "text": "Nivå"}))

    assert list(errors) == [f"{Q}[0].type"]
    assert errors[f"{Q}[0].type"][0].startswith("Must be one of: yesno, number")


def test_duplicate_question_ids_are_reported_across_sections():
    body = make_template(yesno("a"))
    body["sections"].append({"id": "more", "title": "Mer", "questions": [yesno("a")]})

    assert errors_of(body) == {
        "sections[1].questions[0].id": [
            "Duplicate id 'a' (first used at sections[0].questions[0])."
        ]
    }


def test_duplicate_section_ids_are_reported():
    body = make_template(yesno("a"))
    body["sections"].append({"id": "temp", "title": "Igen", "questions": [yesno("b")]})

    assert errors_of(body) == {
        "sections[1].id": ["Duplicate id 'temp' (first used at sections[0])."]
    }


def test_section_without_questions_is_reported():
    body = make_template()
    body["sections"][0]["questions"] = []

    assert errors_of(body) == {"sections[0].questions": ["Must have at least one question."]}


def test_choice_without_options_is_reported():
    question = choice("a")
    del question["options"]

    assert errors_of(make_template(question)) == {
        f"{Q}[0].options": ["Missing data for required field."]
    }


def test_choice_with_empty_options_is_reported():
    errors = errors_of(make_template(choice("a", options=[])))

    assert errors == {f"{Q}[0].options": ["Must have at least one option."]}


def test_duplicate_option_values_are_reported():
    options = [{"value": "kyl", "label": "Kyl"}, {"value": "kyl", "label": "Kylrum"}]

    assert errors_of(make_template(choice("a", options=options))) == {
        f"{Q}[0].options[1].value": ["Duplicate option value 'kyl'."]
    }


@pytest.mark.parametrize("question_type", ["number", "integer"])
def test_min_greater_than_max_is_reported(question_type):
    question = {"id": "a", "type": question_type, "text": "Antal", "min": 10, "max": 2}

    assert errors_of(make_template(question)) == {f"{Q}[0].min": ["Must not be greater than max."]}


def test_integer_bounds_must_be_integers():
    question = {"id": "a", "type": "integer", "text": "Antal", "min": 0.5, "max": True}

    assert errors_of(make_template(question)) == {
        f"{Q}[0].min": ["Must be an integer."],
        f"{Q}[0].max": ["Must be an integer."],
    }


def test_negative_min_photos_is_reported():
    question = {"id": "a", "type": "photo", "text": "Foto", "min_photos": -1}

    assert list(errors_of(make_template(question))) == [f"{Q}[0].min_photos"]


def test_required_must_be_a_real_boolean():
    assert errors_of(make_template(yesno("a", required=1))) == {
        f"{Q}[0].required": ["Must be true or false."]
    }


def test_show_if_referencing_a_later_question_is_reported():
    body = make_template(yesno("a", show_if={"q": "b", "op": "eq", "value": "yes"}), yesno("b"))

    assert errors_of(body) == {
        f"{Q}[0].show_if.q": ["Must reference an earlier question; 'b' comes later."]
    }


def test_show_if_referencing_its_own_question_is_reported():
    body = make_template(yesno("a", show_if={"q": "a", "op": "answered"}))

    assert list(errors_of(body)) == [f"{Q}[0].show_if.q"]


def test_condition_referencing_an_unknown_question_is_reported_at_the_nested_leaf():
    show_if = {"all": [{"q": "a", "op": "answered"}, {"not": {"q": "zz", "op": "answered"}}]}
    body = make_template(yesno("a"), yesno("b", show_if=show_if))

    assert errors_of(body) == {f"{Q}[1].show_if.all[1].not.q": ["Unknown question 'zz'."]}


def test_deviation_may_reference_its_own_question_but_not_a_later_one():
    own = {"when": {"q": "a", "op": "eq", "value": "no"}, "severity": "minor", "text": "Saknas"}
    later = {**own, "when": {"q": "c", "op": "eq", "value": "no"}}
    body = make_template(yesno("a", deviation=own), yesno("b", deviation=later), yesno("c"))

    assert errors_of(body) == {
        f"{Q}[1].deviation.when.q": [
            "Must reference this question or an earlier one; 'c' comes later."
        ]
    }


def test_bad_severity_is_reported():
    deviation = {"when": {"q": "a", "op": "eq", "value": "no"}, "severity": "high", "text": "X"}

    assert errors_of(make_template(yesno("a", deviation=deviation))) == {
        f"{Q}[0].deviation.severity": ["Must be one of: info, minor, major, critical."]
    }


@pytest.mark.parametrize(
    ("question", "path"),
    [
        (yesno("a", colour="red"), f"{Q}[0].colour"),
        ({"id": "a", "type": "integer", "text": "Antal", "unit": "st"}, f"{Q}[0].unit"),
        (yesno("a", show_if={"all": [], "note": "x"}), f"{Q}[0].show_if.note"),
        (yesno("b", show_if={"q": "x", "op": "answered", "hint": 1}), f"{Q}[0].show_if.hint"),
    ],
)
def test_unknown_key_is_reported_by_name_with_the_allowed_keys(question, path):
    errors = errors_of(make_template(question))

    assert path in errors
    assert errors[path][0].startswith("Unknown key. Allowed keys: ")


def test_unknown_key_on_a_section_is_reported():
    body = make_template()
    body["sections"][0]["description"] = "x"

    assert list(errors_of(body)) == ["sections[0].description"]


@pytest.mark.parametrize(
    ("show_if", "path", "message"),
    [
        ({"q": "a", "op": "like", "value": "yes"}, "show_if.op", "Must be one of: answered, eq,"),
        ({"q": "a", "value": "yes"}, "show_if.op", "Missing data for required field."),
        ({"q": "a", "op": "eq"}, "show_if.value", "Missing data for required field."),
        ({"q": "a", "op": "answered", "value": 1}, "show_if.value", "Not used with op 'answered'"),
        ({"q": "a", "op": "in", "value": "yes"}, "show_if.value", "Must be a list for op 'in'."),
        ({"any": {"q": "a", "op": "answered"}}, "show_if.any", "Must be a list of conditions."),
        ({"not": "a"}, "show_if.not", "Must be an object."),
        ({"q": "a", "all": []}, "show_if", "Must be either a leaf"),
        ({}, "show_if", "Must be either a leaf"),
    ],
)
def test_malformed_condition_is_reported(show_if, path, message):
    errors = errors_of(make_template(yesno("a"), yesno("b", show_if=show_if)))

    assert list(errors) == [f"{Q}[1].{path}"]
    assert errors[f"{Q}[1].{path}"][0].startswith(message)


@pytest.mark.parametrize(
    ("first", "leaf", "path", "message"),
    [
        (yesno("a"), {"op": "gt", "value": 1}, "op", "'gt' compares numbers or dates"),
        (yesno("a"), {"op": "eq", "value": "ja"}, "value", "Must be one of: yes, no, na."),
        (choice("a"), {"op": "eq", "value": "varm"}, "value", "Must be one of the options"),
        (choice("a"), {"op": "in", "value": ["kyl", "x"]}, "value[1]", "Must be one of the"),
        ({"id": "a", "type": "number", "text": "T"}, {"op": "eq", "value": "8"}, "value", "Must"),
        ({"id": "a", "type": "date", "text": "D"}, {"op": "lt", "value": "2024"}, "value", "Must"),
        ({"id": "a", "type": "photo", "text": "F"}, {"op": "eq", "value": "x"}, "op", "Only"),
    ],
)
def test_condition_value_must_fit_the_referenced_question(first, leaf, path, message):
    body = make_template(first, yesno("b", show_if={"q": "a", **leaf}))
    errors = errors_of(body)

    assert list(errors) == [f"{Q}[1].show_if.{path}"]
    assert errors[f"{Q}[1].show_if.{path}"][0].startswith(message)


def test_comparisons_on_number_and_date_questions_are_valid():
    body = make_template(
        {"id": "t", "type": "number", "text": "T"},
        {"id": "d", "type": "date", "text": "D"},
        yesno(
            "b",
            show_if={
                "any": [
                    {"q": "t", "op": "lte", "value": -2.5},
                    {"q": "d", "op": "gte", "value": "2024-02-29"},
                ]
            },
        ),
    )

    assert validate_template(body) == body
