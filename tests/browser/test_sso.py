"""Single sign-on through a real OpenID Connect provider (oidc-provider on loopback, with its
own signing key and two clients: the municipality's and a partner agency's), walked in
Chromium: the provider's own sign-in pages, then OTTO's answer."""

import json
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from otto.accounts import services
from otto.accounts.models import User, UserIdentity
from otto.extensions import db

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc"
ACCOUNTS = {
    "ny.person": {"name": "Nina Ny", "email": "nina.ny@botkyrka.example", "groups": []},
    "eva.samordnare": {
        "name": "Eva Samordnare",
        "email": "eva@botkyrka.example",
        "groups": ["otto-samordnare", "otto-miljo"],
    },
    "ivar.polis": {"name": "Ivar Polis", "email": "ivar@polisen.example", "groups": ["otto-polis"]},
    # The demo's inspector "miljo", found by her e-mail (the municipality allows it).
    "miljo.inspektor": {"name": "Mia Miljö", "email": "miljo@botkyrka.example", "groups": []},
    "stina.slutat": {
        "name": "Stina Slutat",
        "email": "stina@botkyrka.example",
        "groups": ["otto-miljo"],
    },
}


@pytest.fixture(scope="module")
def provider(server):
    """The identity provider, and OTTO configured for its two clients; OTTO's
    configuration is put back afterwards (the live server is shared)."""
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("Run `npm ci` in tests/oidc (make test does) to install oidc-provider.")
    clients = [
        {
            "client_id": client_id,
            "client_secret": f"{client_id}-secret",
            "redirect_uris": [f"{server.url}/login/sso/{client_id}/callback"],
            "post_logout_redirect_uris": [f"{server.url}/login"],
        }
        for client_id in ("kommun", "polisen")
    ]
    process = subprocess.Popen(  # noqa: S603
        [
            "node",
            str(PROVIDER_DIR / "provider.mjs"),
            json.dumps({"clients": clients, "accounts": ACCOUNTS}),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    issuer = process.stdout.readline().strip()
    assert issuer.startswith("http://127.0.0.1:"), "the provider did not start"
    common = {"issuer": issuer, "scopes": "openid profile email groups"}
    saved = {key: server.app.config[key] for key in ("OIDC_PROVIDERS", "BASE_URL")}
    server.app.config["BASE_URL"] = server.url
    server.app.config["OIDC_PROVIDERS"] = [
        common
        | {
            "name": "kommun",
            "label": "Botkyrka kommun",
            "client_id": "kommun",
            "client_secret": "kommun-secret",
            "match_email": True,
            "groups": {
                "otto-samordnare": {"role": "coordinator"},
                "otto-miljo": {"role": "inspector", "agency": "miljo"},
            },
        },
        common
        | {
            "name": "polisen",
            "label": "Polisen",
            "client_id": "polisen",
            "client_secret": "polisen-secret",
            "groups": {"otto-polis": {"role": "inspector", "agency": "polis"}},
        },
    ]
    yield issuer
    server.app.config.update(saved)
    process.terminate()
    process.wait()
    process.stdout.close()


def _sign_in(page, server, button: str, login: str):
    """From OTTO's login page through the provider's sign-in (and consent the first time)."""
    page.goto(server.url + "/login")
    page.get_by_role("link", name=f"Logga in med {button}").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("vad-som-helst")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def _user(server, email):
    with server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge_all()
        return user


def test_first_sign_in_waits_for_an_admin_then_gets_in(page, server, provider):
    _sign_in(page, server, "Botkyrka kommun", "ny.person")
    expect(page.get_by_role("alert")).to_contain_text("väntar på att en administratör godkänner")

    with server.app.app_context():
        nina = db.session.scalar(select(User).where(User.email == "nina.ny@botkyrka.example"))
        assert (nina.active, nina.awaiting_approval) == (False, True)
        services.update_user(
            None, nina.id, name=nina.name, email=nina.email, role="coordinator", agency=None
        )
        services.set_user_active(None, nina.id, True)
        db.session.commit()

    # Signed in at the provider already: straight back, and in.
    page.get_by_role("link", name="Logga in med Botkyrka kommun").click()
    expect(page.get_by_role("heading", name="Översikt")).to_be_visible()


def test_groups_give_roles_and_logout_offers_the_providers_end_session(page, server, provider):
    _sign_in(page, server, "Botkyrka kommun", "eva.samordnare")
    expect(page.get_by_role("heading", name="Översikt")).to_be_visible()
    eva = _user(server, "eva@botkyrka.example")
    assert (eva.role, eva.agency_code) == ("coordinator", None)  # the strongest group wins

    page.get_by_role("button", name="Logga ut").click()
    page.get_by_role("link", name="Logga ut även från Botkyrka kommun").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()

    # The partner agency's provider: a police inspector.
    _sign_in(page, server, "Polisen", "ivar.polis")
    expect(page.get_by_role("heading", name="Översikt")).to_be_visible()
    ivar = _user(server, "ivar@polisen.example")
    assert (ivar.role, ivar.agency_code, ivar.active) == ("inspector", "polis", True)


def test_a_user_switched_off_in_otto_is_refused(page, server, provider):
    with server.app.app_context():
        stina = services.create_user(
            None,
            username="stina",
            name="Stina Slutat",
            email="stina@botkyrka.example",
            role="inspector",
            agency="miljo",
            password="ett-langt-losenord",
        )
        db.session.add(UserIdentity(provider="kommun", subject="stina.slutat", user_id=stina.id))
        services.set_user_active(None, stina.id, False)
        db.session.commit()

    _sign_in(page, server, "Botkyrka kommun", "stina.slutat")
    expect(page.get_by_role("alert")).to_have_text(
        "Ditt konto i OTTO är avstängt. Kontakta en administratör."
    )
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()


def test_a_tampered_nonce_or_state_is_refused(page, server, provider):
    refusal = "Inloggningen via Polisen kunde inte slutföras. Försök igen."
    start = f"{server.url}/login/sso/polisen"

    def tampering(parameter):
        """Change `parameter` in OTTO's redirect to the provider, as an attacker would."""

        def handler(route):
            location = route.fetch(max_redirects=0).headers["location"]
            assert f"{parameter}=" in location
            changed = location.replace(f"{parameter}=", f"{parameter}=x")
            route.fulfill(status=302, headers={"location": changed})

        return handler

    page.route(start, tampering("nonce"))
    _sign_in(page, server, "Polisen", "ivar.polis")
    expect(page.get_by_role("alert")).to_have_text(refusal)
    page.unroute(start)

    # Signed in at the provider: it answers at once, with the state it was given.
    page.route(start, tampering("state"))
    page.get_by_role("link", name="Logga in med Polisen").click()
    expect(page.get_by_role("alert")).to_have_text(refusal)
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()


def test_a_tablet_registers_through_the_provider_and_syncs(page, server, provider):
    page.goto(server.url + "/app/")
    page.get_by_role("link", name="Logga in med Botkyrka kommun").click()
    page.locator("input[name=login]").fill("miljo.inspektor")
    page.locator("input[name=password]").fill("vad-som-helst")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Mina besök")).to_be_visible()
    expect(page.get_by_text("Inloggad som Maria Öberg")).to_be_visible()  # the demo inspector
    expect(page.get_by_role("heading", name="Pizzeria Napoli i Tumba")).to_be_visible()  # synced

    # The tablet holds a device token only: the browser's web session has ended.
    page.goto(server.url + "/oversikt")
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
