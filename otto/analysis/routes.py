"""Analysis API: the findings and follow-ups exports as CSV or XLSX, and the statistics of a
period (coordinators)."""

from flask import Response

from otto.accounts.models import COORDINATORS
from otto.analysis import exports, statistics
from otto.analysis.periods import period_of
from otto.analysis.schemas import ExportQuerySchema, StatisticsQuerySchema, StatisticsSchema
from otto.api import Blueprint, committed
from otto.inspections.deadlines import local_date
from otto.timeutil import utcnow

blp = Blueprint("exports", __name__, url_prefix="/api", description="Exports and statistics")

FILE_RESPONSE = {
    "200": {
        "description": "The export as a file download (header row in Swedish). CSV is UTF-8 "
        "with a byte order mark and ';' as separator, for Excel with Swedish settings.",
        "content": {
            media_type.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
            for media_type in exports.MEDIA_TYPES.values()
        },
    }
}


def download(export: exports.ExportFile) -> Response:
    """An export as an attachment the browser saves under its file name."""
    # content_type, not mimetype: Werkzeug appends "; charset=utf-8" to a text mimetype again.
    response = Response(export.content, content_type=export.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


@blp.get("/exports/findings")
@blp.auth(COORDINATORS)
@blp.arguments(ExportQuerySchema, location="query")
@blp.doc(responses=FILE_RESPONSE)
def export_findings(query, actor):
    """Findings of visits planned in the period (deleted ones left out), filtered by agency,
    business category and severity."""
    return committed(download(exports.export(actor.user, "findings", query, utcnow())))


@blp.get("/exports/follow-ups")
@blp.auth(COORDINATORS)
@blp.arguments(ExportQuerySchema, location="query")
@blp.doc(responses=FILE_RESPONSE)
def export_follow_ups(query, actor):
    """Follow-ups due in the period, filtered by agency, business category and the severity
    of their finding."""
    return committed(download(exports.export(actor.user, "follow_ups", query, utcnow())))


@blp.get("/statistics")
@blp.auth(COORDINATORS)
@blp.arguments(StatisticsQuerySchema, location="query")
@blp.response(200, StatisticsSchema)
def get_statistics(query, actor):
    """The figures of a week, tertial or year (the one containing `date`, today by default),
    with the previous period's."""
    now = utcnow()
    period = period_of(query["period"], query["date"] or local_date(now))
    figures = statistics.as_data(statistics.compute(actor.user, period, now))
    previous = statistics.compute(actor.user, period.previous(), now)
    return committed(figures | {"previous": statistics.as_data(previous)})
