"""Swedish words for the coordinator pages, and Swedish field messages.

Services speak English (codes and messages for the API); the pages show Swedish. Field
messages the services are known to give are translated here; any other passes through.
"""

from otto import labels
from otto.inspections.business_import import UNKNOWN_CATEGORY
from otto.inspections.businesses import CATEGORIES

# The page names of the shared vocabulary (otto.labels); the words themselves live there.
AGENCY_NAMES = labels.AGENCIES
ROLE_LABELS = labels.ROLES
VISIT_STATUS_LABELS = labels.VISIT_STATUSES
VISIT_REASON_LABELS = labels.VISIT_REASONS
FINDING_STATUS_LABELS = labels.FINDING_STATUSES
FOLLOW_UP_KIND_LABELS = labels.FOLLOW_UP_KINDS
FOLLOW_UP_STATUS_LABELS = labels.FOLLOW_UP_STATUSES
VISIBILITY_LABELS = labels.VISIBILITIES
SEVERITY_LABELS = labels.SEVERITIES
SEVERITY_ORDER = labels.SEVERITY_ORDER
answer_value = labels.answer_value
photo_shas = labels.photo_shas

_FIELD_MESSAGES = {
    "Must not be empty.": "Får inte vara tomt.",
    "Must be 10 digits, as NNNNNN-NNNN or NNNNNNNNNN.": "Ange tio siffror, som NNNNNN-NNNN.",
    "The check digit is wrong (Luhn check failed).": (
        "Kontrollsiffran stämmer inte. Kontrollera organisationsnumret."
    ),
    "Use 2–80 characters: a–z, 0–9, '.', '_' or '-'.": (
        "Använd 2–80 tecken: a–z, 0–9, punkt, understreck eller bindestreck."
    ),
    "An inspector must belong to an agency.": "En inspektör måste höra till en myndighet.",
    "Taken.": "Användarnamnet är upptaget.",
    "Before start.": "Sluttiden måste vara efter starttiden.",
    "Not an active inspector.": "Personen är inte en aktiv inspektör.",
    "Repeats an earlier row of the file.": "Samma verksamhet finns på en tidigare rad i filen.",
    "Already in the register (same org number and address).": (
        "Finns redan i registret (samma organisationsnummer och adress)."
    ),
    "Empty file.": "Filen är tom.",
    "Must be five digits (NNN NN).": "Ange fem siffror, som NNN NN.",
    "Not an e-mail address.": "Ange en e-postadress.",
    "An agency-only signal must name its agency.": "Välj vilken myndighet tipset tillhör.",
    "No such visit.": "Det tidigare besöket finns inte.",
    "Wrong password.": "Fel lösenord.",
    "Cannot change after visits.": (
        "Myndigheten kan inte ändras för en inspektör som har varit med på besök. "
        "Skapa en ny person i stället."
    ),
    "Not the same password.": "Lösenorden är inte lika.",
}
_PREFIX_MESSAGES = {
    "Must be one of": "Välj ett av alternativen i listan.",
    "At least": "Lösenordet är för kort (minst 10 tecken).",
    "Unknown agency": "Okänd myndighet.",
    "Missing column": "Rubrikraden saknar en kolumn (namn, organisationsnummer, adress, kategori).",
}
CATEGORY_LABELS = CATEGORIES
IMPORT_FIELD_LABELS = {
    "name": "Namn",
    "org_number": "Organisationsnummer",
    "address": "Adress",
    "postal_code": "Postnummer",
    "city": "Ort",
    "phone": "Telefon",
    "email": "E-post",
    "category": "Kategori",
    "notes": "Anteckningar",
    "row": "Raden",
}


def swedish(message: str) -> str:
    """A service's field message in Swedish, when it is one we know."""
    if message in _FIELD_MESSAGES:
        return _FIELD_MESSAGES[message]
    if message.startswith(UNKNOWN_CATEGORY):  # an import row: name every valid category
        given = message.removeprefix(UNKNOWN_CATEGORY)
        valid = ", ".join(f"{label} ({code})" for code, label in CATEGORIES.items())
        return f"Okänd kategori ”{given}”. Ange en av: {valid}."
    for prefix, text in _PREFIX_MESSAGES.items():
        if message.startswith(prefix):
            return text
    return message


_ERROR_CODES = {
    "visit_closed": "Besöket är avslutat. Öppna det igen för att göra ändringar.",
    "visit_cancelled": "Besöket är inställt och kan inte ändras.",
    "invalid_transition": "Besöket kan inte få den statusen nu.",
    "visit_started": "Deltagarna kan bara ändras medan besöket är planerat.",
    "open_conflicts": (
        "Besöket har {open_conflicts} olösta synkkonflikter. Lös dem innan du avslutar besöket."
    ),
    "already_resolved": "Konflikten är redan löst.",
    "forbidden": "Du har inte behörighet till det.",
    "not_found": "Det finns inte, eller så har du inte behörighet att se det.",
}


def error_message(error) -> str:
    """A service's DomainError as a Swedish sentence for the page (by its code)."""
    text = _ERROR_CODES.get(error.code)
    if text is None:
        return error.message
    try:
        return text.format(**error.details)
    except (KeyError, IndexError, TypeError):
        return text


# The messages of Python's JSON decoder (json.JSONDecodeError.msg), by their beginning.
_JSON_MESSAGES = {
    "Expecting value": "här saknas ett värde",
    "Expecting ',' delimiter": "här saknas ett kommatecken",
    "Expecting ':' delimiter": "här saknas ett kolon",
    "Expecting property name enclosed in double quotes": (
        "här ska ett namn inom dubbla citattecken stå (eller ett kommatecken för mycket)"
    ),
    "Illegal trailing comma": "ett kommatecken för mycket före slutparentesen",
    "Extra data": "texten fortsätter efter JSON-värdets slut",
    "Unterminated string": "en text saknar avslutande citattecken",
    "Invalid control character": "en text innehåller ett otillåtet tecken (till exempel radbyte)",
    "Invalid \\escape": "en text innehåller ett ogiltigt \\-tecken",
    "Invalid \\uXXXX escape": "en text innehåller en ogiltig \\u-kod",
}


def json_error(error) -> str:
    """A JSON syntax error (json.JSONDecodeError) in Swedish, with its line and column."""
    what = next(
        (text for start, text in _JSON_MESSAGES.items() if error.msg.startswith(start)),
        "felaktig JSON",
    )
    return f"Ogiltig JSON på rad {error.lineno}, kolumn {error.colno}: {what}."


def field_errors(details: dict) -> dict[str, list[str]]:
    """A DomainError's details as Swedish messages per form field."""
    return {
        field: [swedish(str(m)) for m in (messages if isinstance(messages, list) else [messages])]
        for field, messages in details.items()
    }


def template_globals() -> dict:
    """The labels every coordinator page may use."""
    return {
        "agency_names": AGENCY_NAMES,
        "role_labels": ROLE_LABELS,
        "visit_status_labels": VISIT_STATUS_LABELS,
        "visit_reason_labels": VISIT_REASON_LABELS,
        "severity_labels": SEVERITY_LABELS,
        "finding_status_labels": FINDING_STATUS_LABELS,
        "follow_up_kind_labels": FOLLOW_UP_KIND_LABELS,
        "follow_up_status_labels": FOLLOW_UP_STATUS_LABELS,
        "visibility_labels": VISIBILITY_LABELS,
        "category_labels": CATEGORY_LABELS,
        "import_field_labels": IMPORT_FIELD_LABELS,
        "outcome_labels": labels.OUTCOMES,
        "internal_label": labels.INTERNAL,
        "event_text": labels.event_text,
        "event_system": labels.EVENT_SYSTEM,
        "device_time_label": labels.DEVICE_TIME,
        "server_time_label": labels.SERVER_TIME,
        "plural": labels.plural,
    }
