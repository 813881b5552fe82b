"""The web login pages: signing in and out, and changing one's own password."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from otto.accounts import services
from otto.accounts.routes import authenticate_committed
from otto.auth import current_web_session_id, page_auth, sign_in, sign_out
from otto.errors import DomainError
from otto.extensions import db
from otto.web import sso
from otto.web.forms import local_path, refused
from otto.web.labels import field_errors

pages = Blueprint("accounts", __name__, template_folder="templates")


@pages.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page for coordinators, admins and inspectors."""
    if request.method == "POST":
        try:
            user = authenticate_committed(
                request.form.get("username", ""), request.form.get("password", "")
            )
        except DomainError as error:
            if error.status == 429:
                message = "För många misslyckade försök. Vänta en stund och försök igen."
            elif error.code == "local_login_off":
                message = "Inloggning med lösenord är avstängd. Logga in via din organisation."
            else:
                message = "Fel användarnamn eller lösenord."
            refused(error, message)
            return render_template("accounts/login.html", **sso.login_page_context()), error.status
        sign_in(user)
        db.session.commit()
        return redirect(local_path(request.args.get("next", ""), url_for("web.home")))
    return render_template("accounts/login.html", **sso.login_page_context())


@pages.post("/logout")
def logout():
    """Sign out of the web pages: the session ends on the server, so no copy of this
    browser's cookie works again. After a sign-in through an identity provider the login
    page offers the provider's end-session too."""
    end_session = sso.end_session_link()
    sign_out()
    session.pop(sso.SSO_KEY, None)
    if end_session:
        session[sso.END_SESSION_KEY] = end_session
    db.session.commit()
    flash("Du är utloggad.", "info")
    return redirect(url_for("accounts.login"))


@pages.route("/konto/losenord", methods=["GET", "POST"])
@page_auth()
def change_password(actor):
    """Any signed-in user changes their own password, giving the current one; their other
    signed-in browsers are signed out."""
    if request.method == "GET":
        return render_template("accounts/password.html", errors={})
    try:
        services.set_password(
            actor,
            actor.user.id,
            request.form.get("password", ""),
            current_password=request.form.get("current_password", ""),
            password_repeat=request.form.get("password_repeat", ""),
            keep_session_id=current_web_session_id(),
        )
    except DomainError as error:
        refused(error, flash_it=False)
        return render_template("accounts/password.html", errors=field_errors(error.details)), 400
    db.session.commit()
    flash("Ditt lösenord är bytt.", "info")
    return redirect(url_for("web.home"))
