"""Checklist template API: list, read, create, update, publish, retire, export and import.

Any signed-in user reads; coordinators and admins write. Each view parses with a schema, calls
one service, commits once and serialises.
"""

from flask import Response, jsonify

from otto.accounts.models import COORDINATORS
from otto.api import Blueprint, committed
from otto.checklists import services
from otto.checklists.schemas import (
    PublishSchema,
    TemplateBodySchema,
    TemplateListingSchema,
    TemplateQuerySchema,
    TemplateVersionSchema,
    XlsFormFileSchema,
    XlsFormImportSchema,
    XlsFormQuerySchema,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
blp = Blueprint("templates", __name__, url_prefix="/api", description="Checklist templates")


@blp.get("/templates")
@blp.auth()
@blp.arguments(TemplateQuerySchema, location="query")
@blp.response(200, TemplateListingSchema(many=True))
def list_templates(query, actor):
    """Templates with their versions, filtered by agency and version status."""
    return committed(services.list_templates(agency=query["agency"], status=query["status"]))


@blp.post("/templates")
@blp.auth(COORDINATORS)
@blp.arguments(TemplateBodySchema)
@blp.response(201, TemplateVersionSchema)
def create_template_draft(body, actor):
    """Store a template body as a new draft version (of a new template, or the next version)."""
    return committed(services.create_draft(actor, body))


@blp.post("/templates/import-xlsform")
@blp.auth(COORDINATORS)
@blp.arguments(XlsFormQuerySchema, location="query")
@blp.arguments(XlsFormFileSchema, location="files")
@blp.response(201, XlsFormImportSchema)
def import_xlsform(query, files, actor):
    """Create a draft from an XLSForm workbook: a new template, or with `version_of` the next
    version of that one. The summary says, per row, what was imported and what was not."""
    upload = files["file"]
    draft, imported = services.import_xlsform(
        actor, upload.stream, query["agency"], upload.filename or "", query["version_of"]
    )
    summary = imported.summary
    return committed({"draft": draft, "summary": summary, "warnings": summary.warnings()})


@blp.get("/template-versions/<int:version_id>")
@blp.auth()
@blp.response(200, TemplateVersionSchema)
def get_template_version(version_id, actor):
    """One template version with its body, whatever its status."""
    return committed(services.get_version(version_id))


@blp.put("/template-versions/<int:version_id>")
@blp.auth(COORDINATORS)
@blp.arguments(TemplateBodySchema)
@blp.response(200, TemplateVersionSchema)
def update_template_draft(body, version_id, actor):
    """Replace the body of a draft; published and retired versions never change (409)."""
    return committed(services.update_draft(actor, version_id, body))


@blp.post("/template-versions/<int:version_id>/publish")
@blp.auth(COORDINATORS)
@blp.arguments(PublishSchema, required=False)
@blp.response(200, TemplateVersionSchema)
def publish_template_version(body, version_id, actor):
    """Publish a draft: it is frozen and can be pinned by new visits. The optional body's
    note says what changed."""
    return committed(services.publish(actor, version_id, note=body.get("note")))


@blp.post("/template-versions/<int:version_id>/retire")
@blp.auth(COORDINATORS)
@blp.response(200, TemplateVersionSchema)
def retire_template_version(version_id, actor):
    """Retire a published version: no new visit pins it; existing visits keep it."""
    return committed(services.retire(actor, version_id))


@blp.get("/template-versions/<int:version_id>/export-xlsform")
@blp.auth()
@blp.response(200, description="The version as an XLSForm workbook (.xlsx).")
def export_template_version_xlsform(version_id, actor):
    """The version as an XLSForm workbook; importing it gives the same template body."""
    filename, data = committed(services.export_xlsform(version_id))
    return Response(
        data,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blp.get("/template-versions/<int:version_id>/export")
@blp.auth()
@blp.response(200, TemplateBodySchema)
def export_template_version(version_id, actor):
    """The version's body as a JSON file, to import on another installation."""
    filename, body = committed(services.export_version(version_id))
    response = jsonify(body)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
