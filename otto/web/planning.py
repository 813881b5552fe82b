"""Planning joint visits (coordinators, /planering/ny), and the list of visits (/besok).

The form names the business, the local date and time window, the inspectors of each agency
and the checklist versions each agency uses, the coordinator's case number (diarienummer) on
the visit, each agency's own case number (printed in its report) and a briefing.
Warnings (an inspector already booked, another visit to the business within 30 days) are
shown while the form is filled in (planning.js asks /planering/varningar) and again after
saving; they never block. Cancelling keeps the visit with status `cancelled`.
"""

import datetime as dt

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from otto.accounts.models import COORDINATORS, Role
from otto.accounts.services import users_query
from otto.auth import page_auth
from otto.checklists import services as checklists
from otto.errors import DomainError, Invalid
from otto.extensions import db
from otto.inspections import businesses, visits
from otto.inspections.models import Visit, VisitReason
from otto.web.forms import arg_choice, form_text, local, local_datetime, paginate, refused
from otto.web.labels import AGENCY_NAMES, VISIT_STATUS_LABELS, field_errors

pages = Blueprint("planning", __name__, template_folder="templates")
MAX_INSPECTORS = 500


@pages.get("/besok")
@page_auth()
def index(actor):
    """The visits the user may see, filtered by status, agency, text and start date; paged."""
    status = arg_choice("status", VISIT_STATUS_LABELS)
    agency = arg_choice("myndighet", AGENCY_NAMES)
    text = request.args.get("q", "").strip()
    try:
        since = dt.date.fromisoformat(request.args.get("fran", ""))
        start = local_datetime(since.isoformat(), "00:00")
    except ValueError:
        since = start = None
    query = visits.search_visits(
        actor.user, status=status, agency_code=agency, text=text, since=start
    )
    filters = {"status": status, "agency": agency, "q": text, "since": since}
    return render_template("planning/index.html", page=paginate(query), filters=filters)


def _inspectors_by_agency() -> dict[str, list]:
    inspectors = db.session.scalars(
        users_query(role=Role.INSPECTOR, active=True).limit(MAX_INSPECTORS)
    )
    grouped: dict[str, list] = {}
    for user in inspectors:
        grouped.setdefault(user.agency_code, []).append(user)
    return grouped


def _versions_by_agency() -> dict[str, list]:
    grouped: dict[str, list] = {}
    for version in checklists.plannable_versions():
        grouped.setdefault(version.template.agency_code, []).append(version)
    return grouped


def _read_form() -> tuple[dict, dict]:
    """The plan from the form, and Swedish errors per field for what cannot be read."""
    errors, plan = {}, {}
    try:
        plan["planned_start"] = local_datetime(form_text("date"), form_text("start"))
    except ValueError:
        errors["date"] = ["Ange datum och starttid."]
    try:
        plan["planned_end"] = local_datetime(form_text("date"), form_text("end"))
    except ValueError:
        errors["end"] = ["Ange sluttid."]
    if not errors and plan["planned_end"] <= plan["planned_start"]:
        errors["end"] = ["Sluttiden måste vara efter starttiden."]
    chosen = {int(v) for v in request.form.getlist("inspector") if v.isdigit()}
    participants = []
    for agency, inspectors in _inspectors_by_agency().items():
        agency_users = [u for u in inspectors if u.id in chosen]
        versions = [int(v) for v in request.form.getlist(f"version-{agency}") if v.isdigit()]
        if agency_users and not versions:
            errors[f"version-{agency}"] = ["Välj minst en checklista för myndigheten."]
        case_number = form_text(f"case-{agency}")
        participants += [
            {"user_id": u.id, "template_version_ids": versions, "case_number": case_number}
            for u in agency_users
        ]
    if not participants:
        errors["participants"] = ["Välj minst en inspektör."]
    plan["participants"] = participants
    plan["case_number"] = form_text("case_number")
    plan["briefing"] = form_text("briefing")
    plan["announced"] = request.form.get("announced") == "1"
    plan["reason"] = form_text("reason") if form_text("reason") in set(VisitReason) else "planned"
    return plan, errors


def _values_of(visit: Visit | None) -> dict:
    """The form's values for an existing visit (or defaults for a new one)."""
    if visit is None:
        return {"inspectors": set(), "versions": set(), "reason": "planned", "case_numbers": {}}
    start, end = local(visit.planned_start), local(visit.planned_end)
    return {
        "date": start.date().isoformat(),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "case_number": visit.case_number,
        "briefing": visit.briefing,
        "announced": visit.announced,
        "reason": visit.reason,
        "inspectors": {a.user_id for a in visit.assignments},
        "versions": {a.template_version_id for a in visit.assignments},
        "case_numbers": visits.case_numbers(visit),
    }


def _values_from_form() -> dict:
    values = {k: form_text(k) for k in ("date", "start", "end", "case_number", "briefing")}
    values["announced"] = request.form.get("announced") == "1"
    values["reason"] = form_text("reason")
    values["follows_up_visit_id"] = form_text("follows_up_visit_id")
    values["inspectors"] = {int(v) for v in request.form.getlist("inspector") if v.isdigit()}
    values["versions"] = {
        int(v) for k in request.form if k.startswith("version-") for v in request.form.getlist(k)
    }
    values["case_numbers"] = {
        k.removeprefix("case-"): form_text(k) for k in request.form if k.startswith("case-")
    }
    return values


def _render_form(business, visit, values, errors, status=200):
    return render_template(
        "planning/form.html",
        business=business,
        visit=visit,
        values=values,
        errors=errors,
        inspectors=_inspectors_by_agency(),
        versions=_versions_by_agency(),
    ), status


def warning_texts(warnings: list[visits.PlanningWarning]) -> list[str]:
    """The planning warnings as the planner reads them (after saving and while planning)."""
    texts = []
    for warning in warnings:
        other = warning.visit
        when = local(other.planned_start).strftime("%Y-%m-%d %H:%M")
        if warning.kind == "inspector_booked":
            texts.append(
                f"Varning: {warning.user.name} är redan bokad på ett besök som överlappar "
                f"({other.business.name}, {when})."
            )
        else:
            texts.append(
                f"Varning: {other.business.name} har ett annat besök inom "
                f"{visits.RECENT_VISIT_DAYS} dagar "
                f"({when}, {VISIT_STATUS_LABELS.get(other.status, other.status).lower()})."
            )
    return texts


def _flash_warnings(visit: Visit) -> None:
    warnings = visits.planning_warnings(
        business_id=visit.business_id,
        planned_start=visit.planned_start,
        planned_end=visit.planned_end,
        user_ids=[a.user_id for a in visit.assignments],
        exclude_visit_id=visit.id,
    )
    for text in warning_texts(warnings):
        flash(text, "warning")


@pages.get("/planering/varningar")
@page_auth(COORDINATORS)
def live_warnings(actor):
    """The warnings for a plan being filled in (planning.js asks as the form changes):
    ?business_id&date&start&end&inspector=<id>…[&visit_id]. JSON `{"warnings": [text]}`; a
    400 names the field that cannot be read."""
    business_id = request.args.get("business_id", type=int)
    if business_id is None:
        return jsonify(error="Ange verksamheten.", field="business_id"), 400
    business = businesses.get_business(business_id)
    try:
        start = local_datetime(request.args.get("date", ""), request.args.get("start", ""))
        end = local_datetime(request.args.get("date", ""), request.args.get("end", ""))
    except ValueError:
        return jsonify(error="Ange datum, starttid och sluttid.", field="date"), 400
    if end <= start:
        return jsonify(error="Sluttiden måste vara efter starttiden.", field="end"), 400
    warnings = visits.planning_warnings(
        business_id=business.id,
        planned_start=start,
        planned_end=end,
        user_ids=[int(v) for v in request.args.getlist("inspector") if v.isdigit()],
        exclude_visit_id=request.args.get("visit_id") or None,
    )
    return jsonify(warnings=warning_texts(warnings))


def _choose_business():
    """The business search shown before the planning form, when none is chosen yet."""
    text = request.args.get("q", "").strip()
    found = db.session.scalars(businesses.search_businesses(text).limit(20)) if text else []
    return render_template("planning/choose_business.html", q=text, found=list(found))


@pages.route("/planering/ny", methods=["GET", "POST"])
@page_auth(COORDINATORS)
def plan(actor):
    """Plan a joint visit for a business (chosen first: ?business_id=<id>). A re-visit
    comes with ?follows_up_visit_id=<visit>&reason=follow_up (from the follow-up pages)."""
    business_id = request.args.get("business_id", type=int)
    if business_id is None:
        return _choose_business()
    business = businesses.get_business(business_id)
    if request.method == "GET":
        values = _values_of(None)
        values["reason"] = arg_choice("reason", set(VisitReason)) or VisitReason.PLANNED
        values["follows_up_visit_id"] = request.args.get("follows_up_visit_id", "")
        values |= {k: request.args[k] for k in ("date", "start", "end") if k in request.args}
        return _render_form(business, None, values, {})
    data, errors = _read_form()
    data["follows_up_visit_id"] = form_text("follows_up_visit_id") or None
    if errors:
        return _render_form(business, None, _values_from_form(), errors, 400)
    try:
        visit = visits.plan_visit(actor, business_id=business.id, **data)
    except Invalid as error:
        refused(error, flash_it=False)
        return _render_form(business, None, _values_from_form(), field_errors(error.details), 400)
    db.session.commit()
    flash(f"Besöket hos {business.name} är planerat.", "info")
    _flash_warnings(visit)
    return redirect(url_for("dossier.show", visit_id=visit.id))


@pages.route("/besok/<visit_id>/redigera", methods=["GET", "POST"])
@page_auth(COORDINATORS)
def edit(visit_id, actor):
    """Change the plan; participants only while the visit is still planned."""
    visit = visits.get_visit(actor.user, visit_id)
    if request.method == "GET":
        return _render_form(visit.business, visit, _values_of(visit), {})
    data, errors = _read_form()
    if errors:
        return _render_form(visit.business, visit, _values_from_form(), errors, 400)
    try:
        visits.update_plan(actor, visit.id, **data)
    except Invalid as error:
        refused(error, flash_it=False)
        visit = visits.get_visit(actor.user, visit_id)
        errors = field_errors(error.details)
        return _render_form(visit.business, visit, _values_from_form(), errors, 400)
    except DomainError as error:
        refused(error)
        return redirect(url_for("dossier.show", visit_id=visit_id))
    db.session.commit()
    flash("Ändringarna är sparade och når deltagarnas enheter vid nästa synk.", "info")
    _flash_warnings(visit)
    return redirect(url_for("dossier.show", visit_id=visit.id))


@pages.post("/besok/<visit_id>/stall-in")
@page_auth(COORDINATORS)
def cancel(visit_id, actor):
    """Cancel a planned visit; it stays in the register, marked as cancelled."""
    try:
        visits.cancel_visit(actor, visit_id, note=form_text("note"))
    except DomainError as error:
        refused(error)
        return redirect(url_for("dossier.show", visit_id=visit_id))
    db.session.commit()
    flash("Besöket är inställt. Deltagarnas enheter får beskedet vid nästa synk.", "info")
    return redirect(url_for("dossier.show", visit_id=visit_id))
