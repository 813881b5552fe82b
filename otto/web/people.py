"""People and devices (/personer, /enheter): admins create and deactivate users, revoke
devices and see locked logins; coordinators may look (and revoke their own devices). Lists
are paged and filterable."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from otto import labels
from otto.accounts import devices as device_registry
from otto.accounts import services as accounts
from otto.accounts import sessions, throttle
from otto.accounts.models import COORDINATORS, Role, User
from otto.auth import page_auth
from otto.errors import DomainError
from otto.extensions import db
from otto.web.forms import arg_choice, form_text, paginate, refused
from otto.web.labels import AGENCY_NAMES, ROLE_LABELS, field_errors

pages = Blueprint("people", __name__, template_folder="templates")
ADMINS = (Role.ADMIN,)
_ACTIVE = {"ja": True, "nej": False}


@pages.get("/personer")
@page_auth(COORDINATORS)
def users(actor):
    """Users filtered by text, role, agency and active; one page."""
    filters = {
        "q": request.args.get("q", "").strip(),
        "role": arg_choice("roll", ROLE_LABELS),
        "agency": arg_choice("myndighet", AGENCY_NAMES),
        "active": arg_choice("aktiv", _ACTIVE),
    }
    query = accounts.users_query(
        text=filters["q"],
        role=filters["role"],
        agency=filters["agency"],
        active=_ACTIVE.get(filters["active"]),
    )
    return render_template("people/users.html", page=paginate(query), filters=filters)


@pages.route("/personer/ny", methods=["GET", "POST"])
@page_auth(ADMINS)
def create_user(actor):
    """Create a user with a role, an agency (inspectors) and a first password."""
    if request.method == "GET":
        return render_template("people/user_form.html", values={}, errors={})
    values = {k: form_text(k) for k in ("username", "name", "email", "role", "agency")}
    try:
        user = accounts.create_user(
            actor,
            **{k: v for k, v in values.items() if k != "agency"},
            agency=values["agency"] or None,
            password=request.form.get("password", ""),
        )
    except DomainError as error:
        refused(error, flash_it=False)
        errors = field_errors(error.details)
        return render_template("people/user_form.html", values=values, errors=errors), 400
    db.session.commit()
    flash(f"{user.name} ({user.username}) är skapad.", "info")
    return redirect(url_for("people.users"))


_PROFILE_FIELDS = ("name", "email", "role", "agency")


def _profile(user: User) -> dict:
    snapshot = accounts.user_snapshot(user)
    return {field: snapshot[field] for field in _PROFILE_FIELDS}


def _edit_page(actor, user: User, values: dict, error: DomainError | None = None):
    """The user's edit form, with their signed-in browsers and working devices; with a
    refusal, rolled back and shown at its fields."""
    errors = {}
    if error is not None:
        refused(error, flash_it=False)
        errors = field_errors(error.details)
    page = render_template(
        "people/user_edit.html",
        user=user,
        values=values,
        errors=errors,
        reset_reasons=labels.PASSWORD_RESET_REASONS,
        sessions=sessions.active_sessions(
            user.id, idle_seconds=current_app.config["WEB_SESSION_IDLE_SECONDS"]
        ),
        devices=db.session.scalars(
            device_registry.devices_query(actor, user_id=user.id, active=True)
        ).all(),
    )
    return (page, error.status) if error else page


@pages.route("/personer/<int:user_id>", methods=["GET", "POST"])
@page_auth(ADMINS)
def edit_user(user_id, actor):
    """Change a user's name, e-mail, role and agency; set a new password (a reset)."""
    user = accounts.get_user(user_id)
    if request.method == "GET":
        return _edit_page(actor, user, _profile(user))
    values = {k: form_text(k) for k in _PROFILE_FIELDS}
    try:
        accounts.update_user(actor, user.id, **(values | {"agency": values["agency"] or None}))
    except DomainError as error:
        return _edit_page(actor, user, values, error)
    db.session.commit()
    flash(f"Uppgifterna för {user.name} är sparade.", "info")
    return redirect(url_for("people.users"))


# The reset form's choice for the user's devices: by the reason (revoked when the password
# may be known by someone else), or the admin's explicit choice.
_REVOKE_DEVICES = {"": None, "ja": True, "nej": False}


@pages.post("/personer/<int:user_id>/losenord")
@page_auth(ADMINS)
def reset_password(user_id, actor):
    """Give a user a new password (forgotten, or suspected known by someone else); their
    web sessions end, and their devices are revoked as the form says."""
    user = accounts.get_user(user_id)
    try:
        accounts.set_password(
            actor,
            user.id,
            request.form.get("password", ""),
            reason=request.form.get("reason", ""),
            revoke_devices=_REVOKE_DEVICES.get(request.form.get("devices", "")),
        )
    except DomainError as error:
        return _edit_page(actor, user, _profile(user), error)
    db.session.commit()
    flash(
        f"{user.name} har fått ett nytt lösenord och är utloggad överallt. "
        "Lämna lösenordet till personen på ett säkert sätt.",
        "info",
    )
    return redirect(url_for("people.edit_user", user_id=user.id))


@pages.post("/personer/<int:user_id>/aktiv")
@page_auth(ADMINS)
def set_active(user_id, actor):
    """Deactivate (or activate again) a user; a deactivated user's devices stop syncing."""
    active = request.form.get("active") == "1"
    if user_id == actor.user.id and not active:
        flash("Du kan inte inaktivera dig själv.", "error")
        return redirect(url_for("people.users"))
    user = accounts.set_user_active(actor, user_id, active)
    db.session.commit()
    flash(f"{user.name} är {'aktiverad' if active else 'inaktiverad'}.", "info")
    return redirect(request.referrer or url_for("people.users"))


@pages.get("/personer/sparrar")
@page_auth(ADMINS)
def lockouts(actor):
    """Logins locked after repeated failures: when, which user name (or every name) at
    which address, after how many failures, and for how long."""
    return render_template("people/lockouts.html", page=paginate(throttle.lockouts_query()))


@pages.get("/enheter")
@page_auth(COORDINATORS)
def devices(actor):
    """Registered devices (and calendar feeds) with last seen; filter by user, state, name."""
    user_id = request.args.get("person", type=int)
    person = db.session.get(User, user_id) if user_id else None
    filters = {
        "q": request.args.get("q", "").strip(),
        "active": arg_choice("aktiv", _ACTIVE),
        "person": person,
    }
    query = device_registry.devices_query(
        actor,
        user_id=person.id if person else None,
        active=_ACTIVE.get(filters["active"]),
        text=filters["q"],
    )
    return render_template(
        "people/devices.html",
        page=paginate(query),
        filters=filters,
        calendar_feed=device_registry.CALENDAR_FEED,
        may_revoke=lambda device: device_registry.may_revoke(actor, device),
    )


@pages.post("/enheter/<device_id>/sparra")
@page_auth()
def revoke(device_id, actor):
    """Revoke a device (who may: otto.accounts.devices.may_revoke): its next sync gets 401
    and the app wipes its local data."""
    device = device_registry.revoke_device(actor, device_id)
    db.session.commit()
    flash(f"Enheten {device.name} är spärrad.", "info")
    return redirect(url_for("people.devices" if actor.is_coordinator else "web.home"))
