"""The Swedish texts of the reports: outcomes, each agency's purpose and legal basis, what a
follow-up asks of the business, and the right to comment.

An agency's report is that agency's own: nothing here names the joint team or its aims.
The purposes and legal bases are working texts; each agency should confirm its own.
"""

OUTCOME_LABELS = {
    "ok": "Ingen avvikelse",
    "deviation": "Avvikelse",
    "not_checked": "Ej kontrollerad",
    "na": "Ej tillämplig",
}
REASON_LABELS = {
    "planned": "Planerad kontroll",
    "event": "Händelsestyrd kontroll",
    "follow_up": "Uppföljande kontroll",
}
FINDING_STATUS_LABELS = {"open": "Ej åtgärdad", "corrected": "Åtgärdad", "closed": "Avslutad"}

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
    "med företrädare för verksamheten. Iakttagelser har dokumenterats med foton."
)
FOLLOW_UP_DEMANDS = {
    "document": "Skicka in en skriftlig redogörelse med underlag som visar att bristen är åtgärdad",
    "revisit": "Åtgärda bristen; myndigheten kontrollerar åtgärden vid ett återbesök",
}
RIGHT_TO_COMMENT = (
    "Ni har rätt att yttra er över innehållet i denna rapport innan myndigheten fattar "
    "beslut i ärendet, till exempel om föreläggande, förbud eller avgift (25 § "
    "förvaltningslagen (2017:900)). Lämna era synpunkter skriftligen inom två veckor från att "
    "ni tog emot rapporten och ange diarienumret. Om ni inte hör av er kan myndigheten "
    "avgöra ärendet på det underlag som finns."
)
NO_FINDINGS = "Vid kontrollen noterades inga avvikelser."
