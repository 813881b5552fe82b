"""The one vocabulary on the server: the Swedish word a user reads for every code.

The words live in `otto/labels.json`, shared with the field app (which imports the same file
at build time); this module is the only server code that reads it. Pages, reports, e-mails
and exports take their words from here; change a word in the JSON file and nowhere else.
"""

import json
import re
from pathlib import Path

_VOCABULARY = json.loads((Path(__file__).with_name("labels.json")).read_text(encoding="utf-8"))

SEVERITIES: dict[str, str] = _VOCABULARY["severities"]
# What is wrong with an identity or organisation number (otto.inspections.identity's codes).
IDENTITY_ERRORS: dict[str, str] = _VOCABULARY["identity_errors"]
ID_DOCUMENTS: dict[str, str] = _VOCABULARY["id_documents"]
IN_LEDGER: dict[str, str] = _VOCABULARY["in_ledger"]
RIGHT_TO_WORK: dict[str, str] = _VOCABULARY["right_to_work"]
# Most serious first: the order findings are listed and counted in.
SEVERITY_ORDER: tuple[str, ...] = tuple(_VOCABULARY["severity_order"])
VISIBILITIES: dict[str, str] = _VOCABULARY["visibilities"]
VISIBILITY_HINTS: dict[str, str] = _VOCABULARY["visibility_hints"]
INTERNAL: str = _VOCABULARY["internal"]
INTERNAL_HINT: str = _VOCABULARY["internal_hint"]
OUTCOMES: dict[str, str] = _VOCABULARY["outcomes"]
YESNO: dict[str, str] = _VOCABULARY["yesno"]
VISIT_STATUSES: dict[str, str] = _VOCABULARY["visit_statuses"]
VISIT_REASONS: dict[str, str] = _VOCABULARY["visit_reasons"]
FINDING_STATUSES: dict[str, str] = _VOCABULARY["finding_statuses"]
FOLLOW_UP_KINDS: dict[str, str] = _VOCABULARY["follow_up_kinds"]
FOLLOW_UP_STATUSES: dict[str, str] = _VOCABULARY["follow_up_statuses"]
ENTITIES: dict[str, str] = _VOCABULARY["entities"]
ROLES: dict[str, str] = _VOCABULARY["roles"]
TEMPLATE_STATUSES: dict[str, str] = _VOCABULARY["template_statuses"]
QUESTION_TYPES: dict[str, str] = _VOCABULARY["question_types"]
# A condition's operators in words ("är större än"); dates read "är senare än" instead.
CONDITION_OPS: dict[str, str] = _VOCABULARY["condition_ops"]
CONDITION_OPS_DATE: dict[str, str] = _VOCABULARY["condition_ops_date"]
EVENT_VERBS: dict[str, str] = _VOCABULARY["event_verbs"]
EVENT_SUBJECTS: dict[str, str] = _VOCABULARY["event_subjects"]
# How an item was read, in the read log (otto.inspections.read_log).
READ_HOWS: dict[str, str] = _VOCABULARY["read_hows"]
EVENT_SYSTEM: str = _VOCABULARY["event_system"]
DEVICE_TIME: str = _VOCABULARY["device_time"]
SERVER_TIME: str = _VOCABULARY["server_time"]
SELECTION_FACTORS: dict[str, str] = _VOCABULARY["selection_factors"]
PASSWORD_RESET_REASONS: dict[str, str] = _VOCABULARY["password_reset_reasons"]
_PLURALS: dict[str, list[str]] = _VOCABULARY["plurals"]
_SHA256 = re.compile(r"[0-9a-f]{64}")


def label(words: dict[str, str], code: str | None) -> str:
    """The word for `code` in one of the tables above; the code itself when unknown."""
    if code is None:
        return ""
    return words.get(code, code)


def plural(count: int, word: str) -> str:
    """`count` and the singular or plural of `word` (a key of "plurals"): "1 avvikelse",
    "3 avvikelser", "0 avvikelser"."""
    singular, many = _PLURALS[word]
    return f"{count} {singular if count == 1 else many}"


def event_text(action: str, entity: str) -> str:
    """What an audit event says after its author: "skapade en avvikelse",
    "markerade en uppföljning som försenad"."""
    subject = EVENT_SUBJECTS.get(entity, ENTITIES.get(entity, entity).lower())
    verb = EVENT_VERBS.get(action, _VOCABULARY["event_verb_unknown"])
    return verb.format(what=subject)


def answer_value(value, question: dict | None = None) -> str:
    """An answer as the inspector gave it: Ja/Nej, option labels, numbers with unit; photos
    and signatures by what they are ("2 foton", "Signerad"), never by their SHA-256."""
    question = question or {}
    kind = question.get("type")
    if value is None or value == "" or value == []:
        return "–"
    if kind == "photo" or _is_photo_list(value):
        return plural(len(value) if isinstance(value, list) else 1, "foto")
    if kind == "signature" or (isinstance(value, str) and _SHA256.fullmatch(value)):
        return "Signerad" if kind == "signature" else plural(1, "foto")
    if kind == "yesno":
        return YESNO.get(value, str(value))
    if kind == "choice":
        options = {o["value"]: o["label"] for o in question.get("options", [])}
        values = value if isinstance(value, list) else [value]
        return ", ".join(str(options.get(v, v)) for v in values)
    if kind == "location" and isinstance(value, dict) and "lat" in value and "lon" in value:
        return f"{value['lat']}, {value['lon']}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if question.get("unit"):
        return f"{value} {question['unit']}"
    return str(value)


def _is_photo_list(value) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, str) and _SHA256.fullmatch(v) for v in value)
    )


def photo_shas(value) -> list[str]:
    """The photo (or signature image) hashes an answer holds, for showing them as images."""
    if isinstance(value, str) and _SHA256.fullmatch(value):
        return [value]
    return list(value) if _is_photo_list(value) else []


def vocabulary() -> dict:
    """The whole vocabulary, as the field app gets it (for tests comparing the two)."""
    return _VOCABULARY
