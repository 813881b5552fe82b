"""Library v2: each corrected rule of the legal review gives the right deviation through the
checker, the shared vectors use the library's own questions, sources survive export and
import, and publishing a new library version leaves planned visits on theirs."""

import copy
import json
from pathlib import Path

import pytest

import otto.checklists
from otto.auth import Actor
from otto.checklists import checker, services
from otto.checklists.checker import check_answers, checklist_outcomes
from otto.checklists.library import install_library, library_bodies
from otto.checklists.template_format import validate_template
from otto.extensions import db

LIBRARY = Path(otto.checklists.__file__).parent / "library"


def library(key):
    return validate_template(json.loads((LIBRARY / f"{key}.json").read_text("utf-8")))


def deviations(key, answers):
    """The suggested findings for `answers` on a library template, by question id."""
    return {d.question_id: d for d in check_answers(library(key), answers).deviations}


def questions(body):
    return {q["id"]: q for section in body["sections"] for q in section["questions"]}


# --- one test per FIX row of the legal review -------------------------------------------


def test_skatt_a_working_brother_does_not_exempt_the_business_from_the_personalliggare():
    # v1 asked "only the owner or close relatives?": Ja for a brother hid pl-fors and its
    # deviation. Now only the owner's spouse and children under 16 exempt the business.
    answers = {"bransch": "restaurang", "vilka-verksamma": "slakt", "pl-fors": "no"}
    found = deviations("skatt-grund", answers)
    assert found["pl-fors"].severity == "major"
    assert found["pl-fors"].text == "Personalliggare förs inte"


def test_skatt_the_owner_with_spouse_and_young_children_is_exempt():
    answers = {"bransch": "restaurang", "vilka-verksamma": "agare-familj", "pl-fors": "no"}
    assert "pl-fors" not in deviations("skatt-grund", answers)
    outcomes = checklist_outcomes(library("skatt-grund"), answers)
    assert outcomes["pl-fors"].outcome == checker.NOT_APPLICABLE


def test_miljo_an_e_cigarette_shop_needs_an_anmalan_not_a_tillstand():
    # v1 asked "tobak eller e-cigaretter?" then flagged a missing försäljningstillstånd (major).
    shop = {"tobak-saljs": "no", "ecig-saljs": "yes", "tobak-egenkontroll": "yes"}
    assert deviations("miljo-grund", shop | {"ecig-anmald": "yes"}) == {}
    found = deviations("miljo-grund", shop | {"ecig-anmald": "no"})
    assert set(found) == {"ecig-anmald"}
    assert "utan anmälan" in found["ecig-anmald"].text


def test_miljo_tobacco_without_tillstand_is_still_a_major_deviation():
    found = deviations("miljo-grund", {"tobak-saljs": "yes", "tobak-tillstand": "no"})
    assert found["tobak-tillstand"].severity == "major"


@pytest.mark.parametrize(
    ("cars", "others", "deviates"),
    [(0, 3000, True), (6000, 0, True), (5000, 1000, False), (4000, 800, False)],
)
def test_miljo_vehicle_wash_must_be_notified_over_5000_cars_or_1000_other_vehicles(
    cars, others, deviates
):
    # v1 counted only "fordon" over 5 000: a truck wash of 3 000 a year passed.
    answers = {
        "verksamhetstyp": "biltvatt",
        "tvatt-personbilar": cars,
        "tvatt-andra-fordon": others,
        "tvatt-anmald": "no",
    }
    assert ("tvatt-anmald" in deviations("miljo-grund", answers)) is deviates


def test_brand_flammable_liquids_cite_msbfs_2023_2_not_the_gas_rules():
    found = deviations("brand-grund", {"brandfarlig-vatska": "yes", "vatska-forvaring": "no"})
    assert "MSBFS 2023:2" in found["vatska-forvaring"].legal_ref
    assert "2020:1" not in found["vatska-forvaring"].legal_ref
    aerosols = deviations("brand-grund", {"aerosoler": "yes", "aerosol-forvaring": "no"})
    assert "MSBFS 2020:1" in aerosols["aerosol-forvaring"].legal_ref


# --- added items -----------------------------------------------------------------------


def test_a_restaurant_kitchen_with_an_unswept_imkanal_is_a_major_deviation():
    answers = {"lokaltyp": "restaurang", "imkanal-finns": "yes", "imkanal-sotad": "no"}
    assert deviations("brand-grund", answers)["imkanal-sotad"].severity == "major"
    shop = {"lokaltyp": "butik", "imkanal-finns": "yes", "imkanal-sotad": "no"}
    assert "imkanal-sotad" not in deviations("brand-grund", shop)


@pytest.mark.parametrize(
    ("key", "answers", "question_id", "severity"),
    [
        ("livsmedel-grund", {"kontaminering": "no"}, "kontaminering", "major"),
        ("livsmedel-grund", {"ommarkning": "yes"}, "ommarkning", "major"),
        (
            "miljo-grund",
            {"nikotin-saljs": "yes", "nikotin-anmald": "no"},
            "nikotin-anmald",
            "major",
        ),
        ("miljo-grund", {"folkol-saljs": "yes", "folkol-anmald": "no"}, "folkol-anmald", "major"),
        (
            "miljo-grund",
            {"koldmedier-finns": "yes", "koldmedier-lackagekontroll": "no"},
            "koldmedier-lackagekontroll",
            "major",
        ),
        (
            "polis-grund",
            {"alkohol-forekommer": "yes", "alderskontroll": "no"},
            "alderskontroll",
            "major",
        ),
        (
            "polis-grund",
            {"rum-uthyrs": "yes", "rum-storlek": "yes", "hotell-anmald": "no"},
            "hotell-anmald",
            "major",
        ),
        (
            "skatt-grund",
            {
                "kontantforsaljning": "yes",
                "kassaregister-finns": "yes",
                "kassainventering": "yes",
                "kassainventering-stammer": "no",
            },
            "kassainventering-stammer",
            "major",
        ),
        (
            "arbetsmiljo-grund",
            {"bransch": "bilverkstad", "fordonslyft-finns": "yes", "fordonslyft-besiktigad": "no"},
            "fordonslyft-besiktigad",
            "critical",
        ),
        (
            "migration-grund",
            {"tredjelandsmedborgare": 2, "ratt-att-arbeta": "no"},
            "ratt-att-arbeta",
            "critical",
        ),
    ],
)
def test_added_items_suggest_the_deviation_the_agency_grades(key, answers, question_id, severity):
    assert deviations(key, answers)[question_id].severity == severity


def test_a_small_guesthouse_needs_no_anmalan():
    answers = {"rum-uthyrs": "yes", "rum-storlek": "no", "hotell-anmald": "no"}
    assert "hotell-anmald" not in deviations("polis-grund", answers)


def test_the_arbetsmiljo_and_migration_templates_name_a_source_for_every_section():
    for key in ("arbetsmiljo-grund", "migration-grund"):
        body = library(key)
        assert len(questions(body)) >= 12
        assert all(section.get("source") for section in body["sections"])
        assert all("legal_ref" in q for q in questions(body).values() if "deviation" in q)


# --- the shared vectors stay true to the library -----------------------------------------

_VECTORS = json.loads((LIBRARY.parent / "checker_vectors.json").read_text("utf-8"))["vectors"]
_LIBRARY_VECTORS = [v for v in _VECTORS if v["name"].startswith("library v2 (")]


@pytest.mark.parametrize("vector", _LIBRARY_VECTORS, ids=[v["name"] for v in _LIBRARY_VECTORS])
def test_library_vectors_use_the_library_questions_as_they_are(vector):
    key = vector["name"].removeprefix("library v2 (").split(")")[0]
    in_library = questions(library(key))
    for question in questions(vector["template"]).values():
        assert question == in_library[question["id"]]


# --- sources and versions in the database ------------------------------------------------


@pytest.fixture
def actor(coordinator):
    return Actor(coordinator)


def test_sources_survive_export_and_import(app, actor):
    from otto.accounts.services import ensure_agencies

    ensure_agencies()
    published = services.install_template(library_bodies()[0])
    name, exported = services.export_version(published.id)
    draft = services.import_json(actor, json.dumps(exported, ensure_ascii=False).encode())
    assert draft.body == published.body
    sources = [q.get("source") for q in questions(draft.body).values() if q.get("source")]
    assert sources and name.endswith(f"-v{published.version}.json")


def test_installing_library_v2_leaves_a_visit_on_the_version_it_was_planned_with(
    actor, make_visit, make_user, template_version
):
    from otto.accounts.services import ensure_agencies

    ensure_agencies()
    v1_body = copy.deepcopy(next(b for b in library_bodies() if b["key"] == "skatt-grund"))
    v1_body["sections"][0]["questions"][1] = {
        "id": "endast-agare",
        "type": "yesno",
        "text": "Är endast ägaren eller dennes närstående verksamma i verksamheten?",
    }
    for question in v1_body["sections"][0]["questions"]:
        if question["id"] == "pl-fors":
            question["show_if"] = {"not": {"q": "endast-agare", "op": "eq", "value": "yes"}}
    v1 = services.install_template(v1_body)
    inspector = make_user(agency="skatt")
    visit = make_visit(
        inspectors=[inspector],
        participants=[{"user_id": inspector.id, "template_version_ids": [v1.id]}],
    )
    installed = {v.template.key: v for v in install_library()}
    db.session.commit()
    db.session.expire_all()
    v2 = installed["skatt-grund"]
    assert v2.version == v1.version + 1 and v2.status == "published"
    assert visit.assignments[0].template_version_id == v1.id
    assert "endast-agare" in services.question_index(services.get_version(v1.id))
    assert "endast-agare" not in services.question_index(v2)
