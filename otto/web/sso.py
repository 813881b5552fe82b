"""Signing in through an OpenID Connect provider (authorization code with PKCE, Authlib).

/login/sso/<provider> sends the browser to the provider with a fresh state, nonce and PKCE
verifier (kept in the signed session cookie); /login/sso/<provider>/callback checks the
state, exchanges the code, verifies the ID token (signature, issuer, audience, nonce) and
signs the user in with a server-side web session, as the password login does. Logout ends
that session; the login page then offers the provider's end-session.
"""

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from joserfc.errors import JoseError

from otto.accounts import sso
from otto.auth import sign_in
from otto.errors import DomainError
from otto.extensions import db
from otto.web.forms import local_path, refused

pages = Blueprint("sso", __name__)

# What the browser signed in through: the provider's name and ID token, for its end-session.
SSO_KEY = "otto_sso"
# Where to go after the sign-in (a local path, e.g. the field app).
NEXT_KEY = "otto_sso_next"
# Set at logout, shown once by the login page: the provider's end-session link.
END_SESSION_KEY = "otto_end_session"

_REFUSALS = {
    "awaiting_approval": "Ditt konto väntar på att en administratör godkänner det. "
    "Du kan logga in när det är godkänt.",
    "user_inactive": "Ditt konto i OTTO är avstängt. Kontakta en administratör.",
}
_FAILED = "Inloggningen via {label} kunde inte slutföras. Försök igen."
_UNREACHABLE = "{label} svarar inte just nu. Försök igen om en stund."
# What a refused exchange raises: a protocol error (state, the provider's error answer), a
# bad ID token (signature, issuer, audience, nonce, expiry); OSError: the provider is away
# (requests' errors are OSErrors).
_EXCHANGE_ERRORS = (AuthlibBaseError, JoseError, ValueError)


def init_app(app: Flask) -> None:
    """Check the providers' settings at start; their clients are made on first use (so
    the app starts even while a provider is unreachable)."""
    sso.providers(app.config.get("OIDC_PROVIDERS", []))
    app.extensions["otto_oauth"] = OAuth(app)


def _providers() -> dict[str, sso.Provider]:
    return sso.providers(current_app.config.get("OIDC_PROVIDERS", []))


def configured_providers() -> list[sso.Provider]:
    """The providers shown as buttons on the login page."""
    return list(_providers().values())


def _provider(name: str) -> sso.Provider:
    provider = _providers().get(name)
    if provider is None:
        abort(404)
    return provider


def _client(provider: sso.Provider):
    oauth = current_app.extensions["otto_oauth"]
    client = oauth.create_client(provider.name)
    if client is None:
        client = oauth.register(
            provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret or None,
            server_metadata_url=provider.metadata_url,
            client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256"},
        )
    return client


def _callback_url(name: str) -> str:
    return current_app.config["BASE_URL"] + url_for("sso.callback", name=name)


@pages.get("/login/sso/<name>")
def start(name):
    """Send the browser to the provider's sign-in."""
    provider = _provider(name)
    session[NEXT_KEY] = local_path(request.args.get("next", ""), url_for("web.home"))
    try:
        return _client(provider).authorize_redirect(_callback_url(name))
    except OSError as error:
        current_app.logger.warning("SSO provider %s unreachable: %s", name, error)
        return _refused_page(_UNREACHABLE.format(label=provider.label), 503)


@pages.get("/login/sso/<name>/callback")
def callback(name):
    """The provider sends the browser back here with a code: exchange and verify it, then
    sign the user in (or tell them why not)."""
    provider = _provider(name)
    client = _client(provider)
    try:
        token = client.authorize_access_token()
    except _EXCHANGE_ERRORS as error:
        current_app.logger.warning("SSO sign-in via %s refused: %s", name, error)
        return _refused_page(_FAILED.format(label=provider.label), 400)
    except OSError as error:
        current_app.logger.warning("SSO provider %s unreachable: %s", name, error)
        return _refused_page(_UNREACHABLE.format(label=provider.label), 503)
    claims = dict(token.get("userinfo") or {})
    if not claims:
        return _refused_page(_FAILED.format(label=provider.label), 400)
    try:
        user = sso.user_for_claims(provider, claims)
    except DomainError as error:
        db.session.commit()  # a first-time user is kept for the admin to approve
        return _refused_page(_REFUSALS.get(error.code, _FAILED.format(label=provider.label)), 403)
    next_url = session.get(NEXT_KEY) or url_for("web.home")
    sign_in(user)
    session[SSO_KEY] = {"provider": name, "id_token": token.get("id_token", "")}
    db.session.commit()
    return redirect(next_url)


def _refused_page(message: str, status: int):
    refused(DomainError(message), message)
    return render_template("accounts/login.html", **login_page_context()), status


def login_page_context() -> dict:
    """What the login page shows beside (or instead of) the password form."""
    return {
        "providers": configured_providers(),
        "local_login": current_app.config.get("LOCAL_LOGIN", "on") != "off",
        "end_session": session.pop(END_SESSION_KEY, None),
    }


def end_session_link() -> dict | None:
    """At logout: the provider's end-session link for this browser's SSO sign-in, if any
    (the caller keeps it for the login page)."""
    signed_in = session.get(SSO_KEY)
    provider = _providers().get((signed_in or {}).get("provider"))
    if provider is None:
        return None
    try:
        url = _client(provider).create_logout_url(
            post_logout_redirect_uri=current_app.config["BASE_URL"] + url_for("accounts.login"),
            id_token_hint=signed_in.get("id_token") or None,
            client_id=provider.client_id,
        )["url"]
    except (AuthlibBaseError, RuntimeError, OSError) as error:
        current_app.logger.warning("No end-session link for %s: %s", provider.name, error)
        return None
    return {"label": provider.label, "url": url}
