"""The Swedish sentences of the reports: each agency's purpose and legal basis, the method,
what a follow-up asks of the business, and each agency's own right to comment and appeal.
The words for codes (outcomes, severities, statuses) are the vocabulary's: otto.labels.

An agency's report is that agency's own: nothing here names the joint team or its aims.
The purposes and legal bases are working texts; each agency should confirm its own.
"""

# Agency code → (purpose, legal basis). Unknown agencies get DEFAULT_BASIS.
AGENCY_BASIS = {
    "miljo": (
        "Tillsyn över att verksamheten följer miljöbalken och de föreskrifter som meddelats "
        "med stöd av den, bland annat om egenkontroll, kemikalier, avfall och hälsoskydd.",
        "Miljöbalken (1998:808) 26 kap. 1, 3 och 19 §§; förordningen (1998:899) om "
        "miljöfarlig verksamhet och hälsoskydd; förordningen (1998:901) om "
        "verksamhetsutövares egenkontroll.",
    ),
    "livsmedel": (
        "Offentlig kontroll av att verksamheten följer livsmedelslagstiftningen: hygien, "
        "temperaturer, spårbarhet, information till konsumenter och egenkontroll.",
        "Förordning (EU) 2017/625 art. 9, 10 och 13; livsmedelslagen (2006:804) 19–20 §§; "
        "förordning (EG) nr 852/2004 och nr 178/2002.",
    ),
    "brand": (
        "Tillsyn över att ägare och nyttjanderättshavare har ett skäligt brandskydd och att "
        "brandfarliga och explosiva varor hanteras säkert.",
        "Lagen (2003:778) om skydd mot olyckor 2 kap. 2 § och 5 kap. 1 §; lagen (2010:1011) "
        "om brandfarliga och explosiva varor 20 §.",
    ),
    "polis": (
        "Kontroll av arbetsplatsen: identitet och rätt att vistas och arbeta i Sverige för "
        "personer på plats, samt ordning och säkerhet i verksamheten.",
        "Utlänningslagen (2005:716) 9 kap. 9 och 14 §§; polislagen (1984:387).",
    ),
    "skatt": (
        "Kontroll av personalliggare och kassaregister.",
        "Skatteförfarandelagen (2011:1244) 39 kap. 4–11 §§ och 42 kap. 8–10 §§.",
    ),
    "arbetsmiljo": (
        "Inspektion av arbetsmiljön: risker för ohälsa och olycksfall, maskiner och "
        "arbetsutrustning, arbetstider och det systematiska arbetsmiljöarbetet.",
        "Arbetsmiljölagen (1977:1160) 7 kap. 1–3 §§; Arbetsmiljöverkets föreskrifter.",
    ),
    "migration": (
        "Kontroll av att arbetsgivaren uppfyller sina skyldigheter vid anställning av "
        "personer som inte är medborgare i ett EU/EES-land eller Schweiz.",
        "Utlänningslagen (2005:716) 9 kap. och 20 kap.; utlänningsförordningen (2006:97) "
        "5 kap. 7 a §.",
    ),
}
DEFAULT_BASIS = (
    "Tillsyn inom myndighetens ansvarsområde.",
    "Myndighetens tillämpliga lagstiftning.",
)
JOINT_PURPOSE = (
    "Samordnad tillsyn där flera myndigheter kontrollerade verksamheten vid samma tillfälle, "
    "var och en inom sitt eget ansvarsområde och med stöd av sin egen lagstiftning."
)
METHOD = (
    "Inspektion på plats med myndighetens checklista, granskning av handlingar och samtal "
    "med företrädare för verksamheten."
)
METHOD_PHOTOS = "Iakttagelser har dokumenterats med foton."
FOLLOW_UP_DEMANDS = {
    "document": "Skicka in en skriftlig redogörelse med underlag som visar att bristen är åtgärdad",
    "revisit": "Åtgärda bristen; myndigheten kontrollerar åtgärden vid ett återbesök",
}
_COMMENT_IN_WRITING = (
    "Lämna era synpunkter skriftligen inom två veckor från att ni tog emot rapporten{quote}. "
    "Om ni inte hör av er kan myndigheten avgöra ärendet på det underlag som finns."
)
# Agency code → what the business may say before that agency decides (förvaltningslagen
# 25 §), naming only the measures that agency can take. Unknown agencies: DEFAULT_COMMENT.
RIGHT_TO_COMMENT = {
    "miljo": (
        "Ni har rätt att yttra er över innehållet i denna rapport innan nämnden fattar beslut "
        "i ärendet, till exempel om föreläggande, förbud eller miljösanktionsavgift (25 § "
        "förvaltningslagen (2017:900)). " + _COMMENT_IN_WRITING
    ),
    "livsmedel": (
        "Ni har rätt att yttra er över innehållet i denna rapport innan nämnden fattar beslut "
        "i ärendet, till exempel om föreläggande, förbud eller sanktionsavgift enligt "
        "livsmedelslagen (25 § förvaltningslagen (2017:900)). " + _COMMENT_IN_WRITING
    ),
    "brand": (
        "Ni har rätt att yttra er över innehållet i denna rapport innan räddningstjänsten "
        "beslutar om föreläggande eller förbud enligt lagen (2003:778) om skydd mot olyckor "
        "(25 § förvaltningslagen (2017:900)). " + _COMMENT_IN_WRITING
    ),
    "polis": (
        "Rapporten redovisar polisens iakttagelser vid kontrollen. Ni har rätt att lämna "
        "synpunkter på den. Om polisen inleder ett ärende eller en förundersökning med "
        "anledning av kontrollen får ni besked om era rättigheter i det ärendet. "
        "Lämna era synpunkter skriftligen{quote}."
    ),
    "skatt": (
        "Ni har rätt att yttra er innan Skatteverket beslutar om kontrollavgift enligt "
        "50 kap. skatteförfarandelagen (2011:1244) (25 § förvaltningslagen (2017:900)). "
        + _COMMENT_IN_WRITING
    ),
}
DEFAULT_COMMENT = (
    "Ni har rätt att yttra er över innehållet i denna rapport innan myndigheten fattar "
    "beslut i ärendet (25 § förvaltningslagen (2017:900)). " + _COMMENT_IN_WRITING
)
# Agency code → how a later decision is appealed. A report is not itself a decision.
APPEAL = {
    "miljo": "Ett beslut som nämnden fattar i ärendet kan överklagas till länsstyrelsen.",
    "livsmedel": "Ett beslut som nämnden fattar i ärendet kan överklagas till länsstyrelsen.",
    "brand": "Ett beslut om föreläggande eller förbud kan överklagas till länsstyrelsen.",
    "skatt": "Ett beslut om kontrollavgift kan överklagas till förvaltningsrätten; "
    "överklagandet lämnas till Skatteverket.",
}
# Agency code → the fee notice under the follow-ups: only agencies that charge for
# follow-up work by a tariff (the municipality and the fire service) say so.
FEE_NOTICE = {
    "miljo": "Uppföljande kontroller och handläggning kan vara avgiftsbelagda enligt "
    "nämndens taxa.",
    "livsmedel": "Uppföljande kontroller och handläggning kan vara avgiftsbelagda enligt "
    "nämndens taxa.",
    "brand": "Uppföljande tillsyn kan vara avgiftsbelagd enligt förbundets taxa.",
}
JOINT_FEE_NOTICE = "Om uppföljningen kostar något framgår av varje myndighets egen rapport."


def basis(agency) -> tuple[str, str]:
    """The agency's purpose and legal basis: its own texts (set by an admin), else the
    built-in ones for its code, else DEFAULT_BASIS."""
    built_in = AGENCY_BASIS.get(agency.code, DEFAULT_BASIS)
    return (agency.purpose or built_in[0], agency.legal_basis or built_in[1])


def fee_notice(agency) -> str:
    """What the agency (None: the joint report) says about fees for follow-up work ("" when
    it charges none)."""
    if agency is None:
        return JOINT_FEE_NOTICE
    return agency.fee_notice or FEE_NOTICE.get(agency.code, "")


NOT_A_DECISION = "Rapporten är inte ett beslut och kan inte överklagas."
JOINT_COMMENT = (
    "Den gemensamma rapporten sammanfattar det myndigheterna har delat med varandra. Varje "
    "myndighet redovisar i sin egen rapport hur ni kan yttra er och överklaga."
)


def right_to_comment(agency, case_number: str) -> str:
    """The agency's own right-to-comment text (an admin's, else the built-in one for its
    code), asking for its own case number when it has one; for the joint report (None) the
    pointer to the agencies' reports."""
    if agency is None:
        return JOINT_COMMENT
    quote = f" och ange diarienummer {case_number}" if case_number else ""
    if agency.right_to_comment:
        return agency.right_to_comment + (f" Ange diarienummer {case_number}." if quote else "")
    return RIGHT_TO_COMMENT.get(agency.code, DEFAULT_COMMENT).format(quote=quote)


def appeal(agency) -> str:
    """How a decision that may follow is appealed (none for the joint report)."""
    if agency is None:
        return ""
    own = agency.appeal or APPEAL.get(agency.code, "")
    return " ".join(filter(None, (NOT_A_DECISION, own)))


NO_FINDINGS = "Vid kontrollen noterades inga avvikelser."
