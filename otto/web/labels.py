"""Swedish words for the coordinator pages, and Swedish field messages.

Services speak English (codes and messages for the API); the pages show Swedish. Field
messages the services are known to give are translated here; any other passes through.
"""

from otto.accounts.services import AGENCIES
from otto.checklists.describe import SEVERITY_LABELS, YESNO_LABELS
from otto.inspections.businesses import CATEGORIES

AGENCY_NAMES = {code: name for code, (name, _visibility) in AGENCIES.items()}
ROLE_LABELS = {"admin": "Administratör", "coordinator": "Samordnare", "inspector": "Inspektör"}
VISIT_STATUS_LABELS = {
    "planned": "Planerat",
    "in_progress": "Pågår",
    "completed": "Genomfört",
    "closed": "Avslutat",
    "cancelled": "Inställt",
}
VISIT_REASON_LABELS = {"planned": "Planerat", "event": "Händelse", "follow_up": "Uppföljning"}
FINDING_STATUS_LABELS = {"open": "Öppen", "corrected": "Åtgärdad", "closed": "Stängd"}
FOLLOW_UP_KIND_LABELS = {"document": "Dokument", "revisit": "Återbesök"}
FOLLOW_UP_STATUS_LABELS = {
    "open": "Öppen",
    "received": "Mottagen",
    "approved": "Godkänd",
    "closed": "Stängd",
}
VISIBILITY_LABELS = {"joint": "Gemensam", "agency": "Endast myndigheten"}
# Most serious first, the order findings are listed in.
SEVERITY_ORDER = ("critical", "major", "minor", "info")

AUDIT_ACTION_LABELS = {
    "create": "skapade",
    "update": "ändrade",
    "status": "ändrade status på",
    "reopen": "öppnade igen",
    "cancel": "ställde in",
    "delete": "tog bort",
    "restore": "återställde",
    "resolve": "löste",
    "issue": "utfärdade",
    "credentials_changed": "bytte lösenord för",
    "credentials_reset": "satte nytt lösenord för",
    "conflict": "synkkonflikt på",
}
AUDIT_ENTITY_LABELS = {
    "visit": "besöket",
    "answer": "ett svar",
    "finding": "en avvikelse",
    "photo_link": "ett foto",
    "signature": "en underskrift",
    "conflict": "en konflikt",
    "follow_up": "en uppföljning",
    "report": "en rapport",
}

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
    "At most": "Filen har för många rader; dela upp den.",
}
CATEGORY_LABELS = CATEGORIES
IMPORT_FIELD_LABELS = {
    "name": "Namn",
    "org_number": "Organisationsnummer",
    "address": "Adress",
    "category": "Kategori",
    "row": "Raden",
}


def swedish(message: str) -> str:
    """A service's field message in Swedish, when it is one we know."""
    if message in _FIELD_MESSAGES:
        return _FIELD_MESSAGES[message]
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


def field_errors(details: dict) -> dict[str, list[str]]:
    """A DomainError's details as Swedish messages per form field."""
    return {
        field: [swedish(str(m)) for m in (messages if isinstance(messages, list) else [messages])]
        for field, messages in details.items()
    }


def answer_value(value, question: dict | None = None) -> str:
    """An answer as the inspector gave it: Ja/Nej, option labels, numbers with unit."""
    question = question or {}
    if value is None or value == "" or value == []:
        return "–"
    if question.get("type") == "yesno":
        return YESNO_LABELS.get(value, str(value))
    if question.get("type") == "choice":
        options = {o["value"]: o["label"] for o in question.get("options", [])}
        values = value if isinstance(value, list) else [value]
        return ", ".join(str(options.get(v, v)) for v in values)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if question.get("unit"):
        return f"{value} {question['unit']}"
    return str(value)


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
        "audit_action_labels": AUDIT_ACTION_LABELS,
        "audit_entity_labels": AUDIT_ENTITY_LABELS,
    }
