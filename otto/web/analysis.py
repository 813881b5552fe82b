"""The coordinator's statistics page (lägesbild, tertial, year) and the export page with
its downloads. Filters are checked by the API's schemas; errors are shown in Swedish."""

import datetime as dt

from flask import Blueprint, abort, render_template, request
from marshmallow import ValidationError

from otto.accounts.models import COORDINATORS
from otto.analysis import exports, statistics
from otto.analysis.charts import Series, bar_chart
from otto.analysis.periods import KIND_LABELS, period_of
from otto.analysis.routes import download
from otto.analysis.schemas import TO_BEFORE_FROM, ExportQuerySchema, StatisticsQuerySchema
from otto.auth import page_auth
from otto.inspections.deadlines import local_date
from otto.timeutil import utcnow
from otto.web.labels import AGENCY_NAMES, CATEGORY_LABELS, SEVERITY_ORDER
from otto.web.labels import template_globals as labels

pages = Blueprint("analysis", __name__, template_folder="templates")

# The pages' Swedish parameter names → the schemas' (API) names.
EXPORT_PARAMS = {
    "fran": "from",
    "till": "to",
    "myndighet": "agency",
    "kategori": "category",
    "allvarlighetsgrad": "severity",
}
PERIOD_PARAMS = {"period": "period", "datum": "date"}
PERIOD_VALUES = {"vecka": "week", "tertial": "tertial", "ar": "year"}
DOWNLOADS = {"avvikelser": "findings", "uppfoljningar": "follow_ups"}
FIELD_MESSAGES = {
    "from": "Ange startdatum som ÅÅÅÅ-MM-DD.",
    "to": "Ange slutdatum som ÅÅÅÅ-MM-DD.",
    "agency": "Välj en myndighet i listan.",
    "category": "Välj en verksamhetskategori i listan.",
    "severity": "Välj en allvarlighetsgrad i listan.",
    "format": "Välj CSV eller Excel.",
    "period": "Välj vecka, tertial eller år.",
    "date": "Ange datum som ÅÅÅÅ-MM-DD.",
}
OUTCOME_LABELS = {
    "on_time": "Klar i tid",
    "late": "Klar för sent",
    "overdue": "Öppen, försenad",
    "pending": "Öppen, ej förfallen",
}
SEVERITY_COLORS = {"critical": "#a40e26", "major": "#d1242f", "minor": "#bf8700", "info": "#6e7781"}


def _swedish_errors(error: ValidationError, params: dict) -> dict[str, list[str]]:
    """Schema errors as Swedish messages under the page's parameter names."""
    page_name = {api: page for page, api in params.items()}
    errors = {}
    for name, messages in error.messages.items():
        if name == "to" and TO_BEFORE_FROM in messages:
            text = "Slutdatumet får inte vara före startdatumet."
        else:
            text = FIELD_MESSAGES.get(name, "Ogiltigt värde.")
        errors[page_name.get(name, name)] = [text]
    return errors


def _load(schema, params: dict, translate: dict | None = None):
    """The page's query string through an API schema: (values, Swedish errors)."""
    raw = {}
    for page_name, api_name in params.items():
        value = request.args.get(page_name, "").strip()
        if value:
            raw[api_name] = (translate or {}).get(value, value) if api_name == "period" else value
    try:
        return schema.load(raw), {}
    except ValidationError as error:
        return schema.load({}), _swedish_errors(error, params)


def percent(value: float | None) -> str:
    """A share as a Swedish percentage with one decimal ("33,3 %"); "–" without data."""
    if value is None:
        return "–"
    return f"{value * 100:.1f}".replace(".", ",") + "\u00a0%"


@pages.get("/statistik")
@page_auth(COORDINATORS)
def statistics_page(actor):
    """Figures and charts for a week, tertial or year, beside the previous period's."""
    query, errors = _load(StatisticsQuerySchema(), PERIOD_PARAMS, PERIOD_VALUES)
    now = utcnow()
    period = period_of(query["period"], query["date"] or local_date(now))
    figures = statistics.compute(actor.user, period, now)
    previous = statistics.compute(actor.user, period.previous(), now)
    return render_template(
        "analysis/statistics.html",
        figures=figures,
        previous=previous,
        charts=_charts(figures),
        categories=statistics.category_rows(figures),
        agencies=[code for code in AGENCY_NAMES if code in figures.findings],
        severities=SEVERITY_ORDER,
        outcome_labels=OUTCOME_LABELS,
        kind_labels=KIND_LABELS,
        period_values={kind: value for value, kind in PERIOD_VALUES.items()},
        earlier=_period_args(period.previous()),
        later=_period_args(period_of(period.kind, period.end + dt.timedelta(days=1))),
        percent=percent,
        errors=errors,
    ), (400 if errors else 200)


def _period_args(period) -> dict:
    """The page's query arguments that show `period`."""
    kind = {v: k for k, v in PERIOD_VALUES.items()}[period.kind]
    return {"period": kind, "datum": period.start.isoformat()}


def _charts(figures: statistics.Figures) -> dict:
    """The three charts of the page, drawn from the same figures as its tables."""
    names = labels()["severity_labels"]
    severity_series = [Series(names[s], SEVERITY_COLORS[s]) for s in SEVERITY_ORDER]
    agencies = [code for code in AGENCY_NAMES if code in figures.findings]
    categories = statistics.category_rows(figures)
    return {
        "findings": bar_chart(
            "diagram-avvikelser",
            f"Avvikelser per myndighet och allvarlighetsgrad, {figures.period.label}",
            [
                (AGENCY_NAMES[code], [figures.findings[code].get(s, 0) for s in SEVERITY_ORDER])
                for code in agencies
            ],
            severity_series,
        ),
        "follow_ups": bar_chart(
            "diagram-uppfoljningar",
            f"Uppföljningar med sista dag under {figures.period.label}",
            [(OUTCOME_LABELS[k], [figures.follow_ups[k]]) for k in OUTCOME_LABELS],
            [Series("Uppföljningar", "#0969da")],
        ),
        "categories": bar_chart(
            "diagram-kategorier",
            f"Genomförda besök per verksamhetskategori, {figures.period.label}",
            [
                (
                    CATEGORY_LABELS[code],
                    [row.visits_with_findings, row.visits - row.visits_with_findings],
                )
                for code, row in categories
            ],
            [Series("Med avvikelser", "#d1242f"), Series("Utan avvikelser", "#0969da")],
        ),
    }


@pages.get("/statistik/export")
@page_auth(COORDINATORS)
def export_page(actor):
    """The export form: period, agency, category and severity; four downloads."""
    return render_template("analysis/export.html", values=request.args, errors={})


@pages.get("/statistik/export/<name>.<fmt>")
@page_auth(COORDINATORS)
def export_download(name, fmt, actor):
    """Download findings or follow-ups as CSV or XLSX; bad filters show the form again."""
    if name not in DOWNLOADS or fmt not in exports.MEDIA_TYPES:
        abort(404)
    filters, errors = _load(ExportQuerySchema(), EXPORT_PARAMS)
    if errors:
        return render_template("analysis/export.html", values=request.args, errors=errors), 400
    filters["format"] = fmt
    return download(exports.export(actor.user, DOWNLOADS[name], filters, utcnow()))
