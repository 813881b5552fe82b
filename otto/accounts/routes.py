"""Accounts: registering a device for the field app, who am I, and the web login pages."""

import re

from flask import Blueprint as PageBlueprint
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from otto.accounts import services
from otto.accounts.schemas import DeviceRegistrationSchema, DeviceTokenSchema, UserSchema
from otto.api import Blueprint
from otto.auth import page_auth
from otto.errors import DomainError
from otto.extensions import db
from otto.sync import devices
from otto.sync.feed import current_epoch
from otto.web.forms import refused
from otto.web.labels import field_errors

api_blp = Blueprint("auth", __name__, url_prefix="/api", description="Accounts and devices")
pages = PageBlueprint("accounts", __name__, template_folder="templates")
# A path on this site only: browsers read "/\\evil.example" and "/\t/evil.example" (they drop
# tabs and newlines) as "//evil.example", another site.
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\\\x00-\x1f]*")


def _authenticate(username: str, password: str):
    """Check credentials, committing the failure count even when the check fails."""
    try:
        return services.authenticate(
            username,
            password,
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            lock_seconds=current_app.config["LOGIN_LOCK_SECONDS"],
        )
    finally:
        db.session.commit()


@api_blp.post("/auth/device")
@api_blp.arguments(DeviceRegistrationSchema)
@api_blp.response(201, DeviceTokenSchema)
def register_device(data):
    """Register this tablet: exchange username and password for a device token."""
    user = _authenticate(data["username"], data["password"])
    device, token = devices.register_device(user, data["device_id"], data["device_name"])
    db.session.commit()
    return {
        "token": token,
        "device_id": device.id,
        "epoch": current_epoch(),
        "acked_seq": device.last_seq,
        "user": user,
    }


@api_blp.get("/me")
@api_blp.auth()
@api_blp.response(200, UserSchema)
def me(actor):
    """The user the device token belongs to."""
    db.session.commit()  # last_seen
    return actor.user


@pages.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page for coordinators, admins and inspectors."""
    if request.method == "POST":
        try:
            user = _authenticate(request.form.get("username", ""), request.form.get("password", ""))
        except DomainError as error:
            message = (
                "För många misslyckade försök. Vänta en stund och försök igen."
                if error.status == 429
                else "Fel användarnamn eller lösenord."
            )
            refused(error, message)
            return render_template("login.html"), error.status
        login_user(user)
        next_url = request.args.get("next", "")
        return redirect(next_url if _LOCAL_PATH.fullmatch(next_url) else url_for("web.home"))
    return render_template("login.html")


@pages.post("/logout")
def logout():
    """Sign out of the web pages."""
    logout_user()
    flash("Du är utloggad.", "info")
    return redirect(url_for("accounts.login"))


@pages.route("/konto/losenord", methods=["GET", "POST"])
@page_auth()
def change_password(actor):
    """Any signed-in user changes their own password, giving the current one."""
    if request.method == "GET":
        return render_template("password.html", errors={})
    try:
        services.set_password(
            actor,
            actor.user.id,
            request.form.get("password", ""),
            current_password=request.form.get("current_password", ""),
            password_repeat=request.form.get("password_repeat", ""),
        )
    except DomainError as error:
        refused(error, flash_it=False)
        return render_template("password.html", errors=field_errors(error.details)), 400
    db.session.commit()
    flash("Ditt lösenord är bytt.", "info")
    return redirect(url_for("web.home"))
