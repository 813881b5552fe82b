"""Template errors in Swedish: every message the validator can give is translated and located.

The corpus below breaks a valid body in every way the format knows. Two checks make a new
English message fail here until it is translated: every message the corpus produces must
match a rule, and every sentence written in the validator's source (read with `ast`, f-string
parts as wildcards) must be produced by the corpus, so a new sentence needs a new entry.
"""

import ast
import copy
import inspect
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otto.checklists import logic, template_errors, template_format
from otto.checklists.template_errors import _Place, swedish_errors, translate
from otto.checklists.template_format import TemplateInvalid, parse_path, validate_template

pytestmark = pytest.mark.database_free  # pure: no database


def valid_body():
    return {
        "key": "livsmedel-grund",
        "agency": "livsmedel",
        "title": "Livsmedelskontroll",
        "sections": [
            {
                "id": "lokal",
                "title": "Lokalen",
                "questions": [
                    {"id": "rutiner", "type": "yesno", "text": "Finns rutiner?"},
                    {
                        "id": "forvaring",
                        "type": "choice",
                        "text": "Förvaring",
                        "options": [
                            {"value": "kyl", "label": "Kyl"},
                            {"value": "frys", "label": "Frys"},
                        ],
                    },
                    {"id": "temp", "type": "number", "text": "Temperatur", "unit": "°C"},
                    {"id": "antal", "type": "integer", "text": "Antal anställda"},
                    {"id": "dag", "type": "date", "text": "Senaste städning"},
                    {"id": "anteckning", "type": "text", "text": "Anteckning"},
                    {"id": "bild", "type": "photo", "text": "Foto"},
                ],
            },
            {
                "id": "personal",
                "title": "Personal",
                "questions": [{"id": "utbildad", "type": "yesno", "text": "Utbildad?"}],
            },
        ],
    }


def question(body, index):
    return body["sections"][0]["questions"][index]


def broken(change):
    body = valid_body()
    change(body)
    return body


def _set(path, value):
    def change(body):
        node = body
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


def _delete(path):
    def change(body):
        node = body
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return change


Q0 = ("sections", 0, "questions", 0)
Q1 = ("sections", 0, "questions", 1)
Q2 = ("sections", 0, "questions", 2)
Q3 = ("sections", 0, "questions", 3)
Q5 = ("sections", 0, "questions", 5)
Q6 = ("sections", 0, "questions", 6)
LATER = ("sections", 1, "questions", 0)


def leaf(q, op, *value):
    return {"q": q, "op": op, **({"value": value[0]} if value else {})}


CORPUS = [
    "not a template",
    {},
    broken(_set(("key",), "Inte En Slug")),
    broken(_set(("agency",), "X")),
    broken(_set(("title",), "   ")),
    broken(_set(("title",), None)),
    broken(_set(("title",), 5)),
    broken(_set(("title",), "x" * 300)),
    broken(_set(("surprise",), 1)),
    broken(_set(("sections",), [])),
    broken(_set(("sections",), "inga")),
    broken(_set(("sections", 0), "avsnitt")),
    broken(_set(("sections", 0, "questions"), [])),
    broken(_set((*Q0,), "fråga")),
    broken(_set((*Q0, "type"), "essay")),
    broken(_set((*Q0, "required"), "ja")),
    broken(_set((*Q0, "deviation"), "avvikelse")),
    broken(_set((*Q0, "deviation"), {"when": leaf("rutiner", "eq", "no"), "severity": "huge"})),
    broken(_set((*Q2, "min"), "noll")),
    broken(_set((*Q3, "max"), 1.5)),
    broken(_set((*Q6, "min_photos"), -1)),
    broken(_set((*Q1, "options"), [])),
    broken(_set((*Q1, "options", 1, "value"), "kyl")),
    broken(_set(("sections", 1, "id"), "lokal")),
    broken(_set((*Q5, "id"), "rutiner")),
    broken(_set((*Q5, "show_if"), "villkor")),
    broken(_set((*Q5, "show_if"), leaf("finns-inte", "answered"))),
    broken(_set((*Q5, "show_if"), leaf("anteckning", "answered"))),
    broken(_set((*Q5, "show_if"), leaf("utbildad", "answered"))),
    broken(
        _set(
            (*Q5, "deviation"),
            {"when": leaf("utbildad", "answered"), "severity": "info", "text": "Senare"},
        )
    ),  # fmt: skip
    broken(
        _set(
            (*Q6, "deviation"),
            {"when": leaf("bild", "eq", "x"), "severity": "info", "text": "Foto"},
        )
    ),  # fmt: skip
    broken(_set((*Q5, "show_if"), leaf("rutiner", "gt", "yes"))),
    broken(_set((*Q5, "show_if"), leaf("rutiner", "eq", "kanske"))),
    broken(_set((*Q5, "show_if"), leaf("forvaring", "in", ["kyl", "ugn"]))),
    broken(_set((*Q5, "show_if"), leaf("temp", "gte", "varmt"))),
    broken(_set((*Q5, "show_if"), leaf("dag", "lt", "igår"))),
    broken(_set((*Q6, "show_if"), {"all": [leaf("anteckning", "eq", 5)]})),
    broken(_set((*Q5, "show_if"), {"any": "allt"})),
    broken(_set((*Q5, "show_if"), {"all": [], "any": []})),
    broken(_set((*Q5, "show_if"), {"not": leaf("rutiner", "answered"), "extra": 1})),
    broken(_set((*Q5, "show_if"), leaf("", "answered") | {"extra": 1})),
    broken(_set((*Q5, "show_if"), {"q": "rutiner"})),
    broken(_set((*Q5, "show_if"), leaf("rutiner", "like", "x"))),
    broken(_set((*Q5, "show_if"), leaf("rutiner", "eq"))),
    broken(_set((*Q5, "show_if"), leaf("rutiner", "answered", "yes"))),
    broken(_set((*Q5, "show_if"), leaf("rutiner", "in", "yes"))),
    broken(_delete((*Q0, "text"))),
]
_deep = leaf("rutiner", "answered")
for _ in range(logic.MAX_CONDITION_DEPTH + 1):
    _deep = {"not": _deep}
CORPUS.append(broken(_set((*Q5, "show_if"), _deep)))
CORPUS.append(broken(_set((*Q2, "min"), 10)))
CORPUS[-1]["sections"][0]["questions"][2]["max"] = 5
# Messages the services add after the format (they need the database: see the page tests).
SERVICE_MESSAGES = [("agency", "Unknown agency."), ("key", "Must stay 'hygien'.")]


def corpus_errors():
    for body in CORPUS:
        with pytest.raises(TemplateInvalid) as raised:
            validate_template(copy.deepcopy(body))
        yield body, raised.value.errors


def produced_messages():
    return [m for _, errors in corpus_errors() for messages in errors.values() for m in messages]


def test_the_corpus_bodies_are_each_broken_and_every_message_is_translated():
    for body, errors in corpus_errors():
        for path, messages in errors.items():
            for message in messages:
                swedish = translate(message, _Place(body, parse_path(path)))
                assert swedish is not None, f"no Swedish for {message!r} at {path}"
                assert_swedish(swedish)


def test_service_messages_are_translated():
    body = valid_body()
    for path, message in SERVICE_MESSAGES:
        assert_swedish(translate(message, _Place(body, parse_path(path))))


_ENGLISH = re.compile(
    r"\b(must|should|the|not|unknown|allowed|missing|field|invalid|question|only|duplicate|"
    r"reference|earlier|later|valid|object|number|list|nested|levels|one of)\b",
    re.IGNORECASE,
)


def assert_swedish(text):
    assert text and text != template_errors.UNKNOWN_MESSAGE
    # Codes of the JSON format may stand in parentheses, for the authors who write JSON, and
    # what the author wrote is quoted.
    assert not _ENGLISH.search(re.sub(r"\([^)]*\)|”[^”]*”", "", text)), text


def _source_sentences(module):
    """Every message-like string of a module's source, as a regular expression: string
    constants and f-strings (their fields as wildcards) that read as a sentence."""
    tree = ast.parse(inspect.getsource(module))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    inside_fstring = {
        id(value)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for value in node.values
    }
    sentences = []
    for node in ast.walk(tree):
        if id(node) in docstrings or id(node) in inside_fstring:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            pattern = re.escape(node.value)
        elif isinstance(node, ast.JoinedStr):
            pattern = "".join(
                re.escape(v.value) if isinstance(v, ast.Constant) else ".+" for v in node.values
            )
        else:
            continue
        text = pattern.replace("\\", "")
        if re.match(r"^(\.\+)?['A-Z]", text) and " " in text and text.rstrip("+").endswith("."):
            sentences.append(pattern)
    return sentences


@pytest.mark.parametrize("module", [template_format, logic])
def test_every_sentence_in_the_validator_source_is_produced_by_the_corpus(module):
    produced = produced_messages()
    sentences = _source_sentences(module)
    assert len(sentences) > 5  # the reader found the messages
    missing = [s for s in sentences if not any(re.fullmatch(s, m) for m in produced)]
    # A new message in the validator: add a body that produces it to CORPUS (and a rule).
    assert not missing, missing


def test_errors_point_at_section_question_and_field():
    body = broken(_set((*Q5, "show_if"), leaf("utbildad", "answered")))
    with pytest.raises(TemplateInvalid) as raised:
        validate_template(body)
    [error] = swedish_errors(body, raised.value.errors)
    assert error == {
        "path": "sections[0].questions[5].show_if.q",
        "section": "lokal",
        "question": "anteckning",
        "field": "show_if",
        "message": "Visningsvillkoret hänvisar till frågan ”Utbildad?”, som kommer senare. "
        "Välj en tidigare fråga.",
        "where": "Avsnitt 1 › fråga ”Anteckning”",
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            _set((*Q1, "options", 1, "value"), "kyl"),
            {"field": "options", "question": "forvaring",
             "message": "Värdet ”kyl” finns redan bland frågans svarsalternativ."},
        ),
        (
            _set(("sections", 0, "questions"), []),
            {"section": "lokal", "question": None, "field": "questions",
             "message": "Avsnittet behöver minst en fråga.", "where": "Avsnitt 1"},
        ),
        (
            _set(("title",), "  "),
            {"section": None, "question": None, "field": "title",
             "message": "Mallens rubrik saknas (bara blanksteg).", "where": "Mallen"},
        ),
        (
            _delete((*Q0, "text")),
            {"question": "rutiner", "field": "text", "message": "Frågetexten saknas.",
             "where": "Avsnitt 1 › fråga 1"},
        ),
        (
            _set((*Q5, "show_if"), leaf("forvaring", "eq", "ugn")),
            {"field": "show_if", "message":
             "Värdet i villkoret ska vara ett av frågans svarsalternativ: ”Kyl”, ”Frys”."},
        ),
        (
            _set((*Q0, "deviation"), {"when": leaf("rutiner", "eq", "no"), "severity": "huge",
                                      "text": "Saknas"}),
            {"field": "deviation", "message":
             "Välj en allvarlighetsgrad: Iakttagelse, Mindre avvikelse, Större avvikelse, "
             "Allvarlig avvikelse."},
        ),
        (
            _set(("sections", 1, "id"), "lokal"),
            {"section": "lokal", "field": "id", "where": "Avsnitt 2",
             "message": "Id:t ”lokal” används redan (Avsnitt 1). Välj ett annat."},
        ),
    ],
)  # fmt: skip
def test_messages_read_as_swedish_sentences(change, expected):
    body = broken(change)
    with pytest.raises(TemplateInvalid) as raised:
        validate_template(body)
    [error] = swedish_errors(body, raised.value.errors)
    assert {key: error[key] for key in expected} == expected


# Parts of a body a fuzzer may swap in: right and wrong types, ids that exist and do not.
_JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["", "rutiner", "yes", "eq", "x"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["q", "op", "value", "all", "not", "id", "x"]), inner, max_size=3
        )
    ),  # fmt: skip
    max_leaves=8,
)
_PLACES = st.sampled_from(
    [("title",), ("sections", 0, "id"), (*Q0, "type"), (*Q0, "show_if"), (*Q5, "show_if"),
     (*Q0, "deviation"), (*Q1, "options"), (*Q1, "options", 0), (*Q2, "min"), (*Q6, "min_photos"),
     (*Q5, "show_if", "q"), ("sections", 1), (*Q3, "required")]
)  # fmt: skip


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(_PLACES, _JUNK), min_size=1, max_size=3))
def test_any_broken_body_gets_only_swedish_messages(changes):
    body = valid_body()
    for path, value in changes:
        try:  # an earlier change may have replaced a node on the way: skip this one then
            _set(path, value)(body)
        except (KeyError, IndexError, TypeError):
            pass
    try:
        validate_template(body)
    except TemplateInvalid as error:
        for found in swedish_errors(body, error.errors):
            assert found["message"] != template_errors.UNKNOWN_MESSAGE, found
            assert_swedish(found["message"])


def test_every_rule_is_needed_by_the_corpus():
    """No dead rule, and the corpus notices each one missing: without any single rule some
    message of the corpus (or of the services) has no Swedish."""
    located = [
        (message, _Place(body, parse_path(path)))
        for body, errors in corpus_errors()
        for path, messages in errors.items()
        for message in messages
    ] + [(m, _Place(valid_body(), parse_path(p))) for p, m in SERVICE_MESSAGES]
    rules = template_errors._RULES
    for index, (pattern, _) in enumerate(rules):
        others = rules[:index] + rules[index + 1 :]
        orphaned = [
            message
            for message, place in located
            if not any(p.fullmatch(message) for p, _ in others) and pattern.fullmatch(message)
        ]
        assert orphaned, f"no corpus message needs the rule {pattern.pattern!r}"
