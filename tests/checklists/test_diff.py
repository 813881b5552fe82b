"""The review of a draft before publishing: what changed, on the library's real templates."""

import copy

import pytest

from otto.checklists.diff import LogicChange, QuestionRef, diff_templates
from otto.checklists.library import library_bodies
from otto.checklists.template_format import validate_template

pytestmark = pytest.mark.database_free  # pure: no database

LIBRARY = {body["key"]: body for body in library_bodies()}


@pytest.fixture
def before():
    return copy.deepcopy(LIBRARY["livsmedel-grund"])


def section(body, section_id):
    return next(s for s in body["sections"] if s["id"] == section_id)


def question(body, question_id):
    return next(q for s in body["sections"] for q in s["questions"] if q["id"] == question_id)


def diff(before, after):
    validate_template(after)  # every edit below is one a coordinator could publish
    return diff_templates(before, after)


@pytest.mark.parametrize("key", sorted(LIBRARY))
def test_a_template_against_itself_has_no_changes(key):
    body = LIBRARY[key]
    result = diff_templates(body, copy.deepcopy(body))
    assert result.empty and result.summary() == []


def test_a_removed_question_is_listed_removed(before):
    after = copy.deepcopy(before)
    section(after, "registrering-rutiner")["questions"].pop(2)  # utbildning
    result = diff(before, after)
    assert result.removed == [
        QuestionRef(
            "utbildning",
            "Har personalen utbildning i livsmedelshygien som motsvarar deras arbetsuppgifter?",
            "Registrering och rutiner",
        )
    ]
    assert not result.added and not result.changed and not result.logic
    assert result.summary() == ["1 fråga borttagen"]


def test_an_added_question_is_listed_added(before):
    after = copy.deepcopy(before)
    new = {"id": "skylt", "type": "yesno", "text": "Finns kontrollrapporten uppsatt?"}
    section(after, "ovrigt")["questions"].append(new)
    new2 = {"id": "skylt2", "type": "text", "text": "Var?"}
    section(after, "ovrigt")["questions"].append(new2)
    result = diff(before, after)
    assert [ref.id for ref in result.added] == ["skylt", "skylt2"]
    assert result.added[0].section == "Övrigt"
    assert result.summary() == ["2 frågor tillagda"]


def test_a_changed_show_if_is_listed_under_logic_in_words(before):
    after = copy.deepcopy(before)
    question(after, "varmhallning")["show_if"] = {
        "q": "varmhallning-forekommer",
        "op": "ne",
        "value": "no",
    }
    result = diff(before, after)
    assert not result.changed
    [change] = result.logic
    assert change == LogicChange(
        QuestionRef("varmhallning", question(after, "varmhallning")["text"], "Temperaturer"),
        "Visas när",
        f"”{question(before, 'varmhallning-forekommer')['text']}” är Ja",
        f"”{question(before, 'varmhallning-forekommer')['text']}” är inte Nej",
    )
    assert result.summary() == ["1 fråga med ändrad logik"]


def test_a_changed_deviation_rule_is_logic_and_its_severity_a_change(before):
    after = copy.deepcopy(before)
    rule = question(after, "kyl")["deviation"]
    rule["when"]["value"] = 6
    rule["severity"] = "critical"
    result = diff(before, after)
    [logic] = result.logic
    assert logic.what == "Avvikelse"
    assert logic.before.endswith("är större än 8 °C") and logic.after.endswith("är större än 6 °C")
    assert logic.after.startswith("Allvarlig avvikelse när")
    [changed] = result.changed
    assert changed.changes == [
        "Avvikelsens allvarlighetsgrad: Större avvikelse → Allvarlig avvikelse"
    ]


def test_a_removed_deviation_rule_and_a_new_show_if_are_logic(before):
    after = copy.deepcopy(before)
    del question(after, "boende")["deviation"]
    question(after, "livsmedel-ovrigt")["show_if"] = {"q": "boende", "op": "answered"}
    result = diff(before, after)
    assert [(c.question.id, c.what, c.after) for c in result.logic] == [
        ("boende", "Avvikelse", "Ingen avvikelseregel"),
        ("livsmedel-ovrigt", "Visas när", f"”{question(after, 'boende')['text']}” är besvarad"),
    ]
    assert result.logic[1].before == "Visas alltid"


def test_changed_fields_are_named_with_before_and_after(before):
    after = copy.deepcopy(before)
    kyl = question(after, "kyl")
    kyl["text"] = "Temperatur i kylen"
    kyl["max"] = 12
    kyl["required"] = not kyl.get("required", False)
    del kyl["legal_ref"]
    options = question(after, "rengoring")["options"]
    options[0]["label"] = "Utan anmärkning"
    options.append({"value": "ej-bedomt", "label": "Ej bedömt"})
    question(after, "temp-foto")["min_photos"] = 3
    result = diff(before, after)
    changes = {c.question.id: c.changes for c in result.changed}
    old_kyl = question(before, "kyl")
    assert changes["kyl"] == [
        f"Frågetext: ”{old_kyl['text']}” → ”Temperatur i kylen”",
        f"Lagrum: ”{old_kyl['legal_ref']}” → (inget)",
        f"Obligatorisk: {'Ja' if old_kyl.get('required') else '(inget)'} → "
        f"{'Nej' if old_kyl.get('required') else 'Ja'}",
        f"Högsta värde: {old_kyl.get('max', '(inget)')} → 12",
    ]
    old_label = question(before, "rengoring")["options"][0]["label"]
    assert changes["rengoring"] == [
        "Svarsalternativ tillagda: ”Ej bedömt”",
        f"Svarsalternativ: ”{old_label}” → ”Utan anmärkning”",
    ]
    assert changes["temp-foto"] == [
        f"Minsta antal foton: {question(before, 'temp-foto').get('min_photos', '(inget)')} → 3"
    ]
    assert result.summary() == ["3 frågor ändrade"]


def test_a_question_moved_to_another_section_or_place(before):
    after = copy.deepcopy(before)
    boende = section(after, "ovrigt")["questions"].pop(0)
    section(after, "hygien")["questions"].append(boende)
    rutiner = section(after, "registrering-rutiner")["questions"]
    rutiner.insert(0, rutiner.pop(2))  # utbildning first: one move, not three
    result = diff(before, after)
    assert {c.question.id: c.changes for c in result.changed} == {
        "utbildning": ["Flyttad till en annan plats i avsnittet"],
        "boende": ["Flyttad från avsnittet ”Övrigt”"],
    }


def test_sections_added_removed_and_renamed(before):
    after = copy.deepcopy(before)
    after["sections"] = [s for s in after["sections"] if s["id"] != "ovrigt"]
    section(after, "temp")["title"] = "Temperaturkontroll"
    after["sections"].append(
        {"id": "nytt", "title": "Nytt", "questions": [{"id": "ny", "type": "yesno", "text": "Ny?"}]}
    )
    after["title"] = "Livsmedelskontroll 2027"
    result = diff(before, after)
    assert result.sections_added == ["Nytt"]
    assert result.sections_removed == ["Övrigt"]
    assert result.sections_renamed == [("Temperaturer", "Temperaturkontroll")]
    assert result.template == [f"Rubrik: ”{before['title']}” → ”Livsmedelskontroll 2027”"]
    assert [r.id for r in result.removed] == ["boende", "livsmedel-ovrigt"]
    assert result.summary() == [
        "1 fråga tillagd",
        "2 frågor borttagna",
        "1 avsnitt tillagt",
        "1 avsnitt borttaget",
        "1 avsnitt med ny rubrik",
    ]
