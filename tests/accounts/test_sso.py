"""Who a provider's claims sign in (otto.accounts.sso), and the switches around single
sign-on: local passwords off or for admins only, a provider that does not answer, and the
login page with no provider at all (as `make run` serves it)."""

import pytest
from sqlalchemy import func, select

from otto.accounts import sso
from otto.accounts.models import User, UserIdentity
from otto.audit import AuditEvent
from otto.errors import Forbidden, Invalid
from otto.extensions import db
from tests.conftest import PASSWORD

KOMMUN = {
    "name": "kommun",
    "label": "Botkyrka kommun",
    "issuer": "http://127.0.0.1:9/",  # discard port: nothing answers
    "client_id": "otto",
    "subject_claim": "oid",
    "groups": {
        "g-samordnare": {"role": "coordinator"},
        "g-polis": {"role": "inspector", "agency": "polis"},
    },
}


def provider(**overrides):
    return sso.providers([KOMMUN | overrides])["kommun"]


def test_the_subject_finds_the_same_user_every_time(make_user):
    make_user()  # agencies
    claims = {"oid": "abc-123", "name": "Pia Polis", "email": "pia@polisen.example"}
    first = sso.user_for_claims(provider(), claims | {"groups": ["g-polis"]})
    again = sso.user_for_claims(provider(), claims | {"email": "ny@polisen.example"})
    assert first.id == again.id
    assert (first.role, first.agency_code, first.active) == ("inspector", "polis", True)
    assert first.username == "pia"
    events = db.session.scalars(
        select(AuditEvent.entity).where(AuditEvent.entity_id == str(first.id))
    )
    assert "user" in list(events)


def test_an_existing_user_is_matched_by_e_mail_only_when_allowed(make_user):
    sara = make_user(role="coordinator", email="Sara@Botkyrka.example")
    olle = make_user(role="coordinator", email="olle@botkyrka.example")
    linked = sso.user_for_claims(
        provider(match_email=True), {"oid": "sara-oid", "email": "sara@botkyrka.example"}
    )
    assert linked.id == sara.id

    with pytest.raises(Forbidden) as refused:  # not allowed: a new user, who waits
        sso.user_for_claims(provider(), {"oid": "olle-oid", "email": "olle@botkyrka.example"})
    assert refused.value.code == "awaiting_approval"
    identities = select(func.count()).select_from(UserIdentity)
    assert db.session.scalar(identities.where(UserIdentity.user_id == olle.id)) == 0


def test_an_unverified_e_mail_is_never_matched(make_user):
    make_user(role="admin", email="boss@botkyrka.example")
    claims = {"oid": "evil", "email": "boss@botkyrka.example", "email_verified": False}
    with pytest.raises(Forbidden):
        sso.user_for_claims(provider(match_email=True), claims)
    waiting = db.session.scalar(select(User).where(User.username == "boss"))
    assert (waiting.role, waiting.active, waiting.awaiting_approval) == ("inspector", False, True)


def test_approving_a_waiting_user_lets_them_in(make_user):
    from otto.accounts import services

    make_user()
    claims = {"oid": "new-1", "name": "Ny Person", "email": "ny@botkyrka.example"}
    with pytest.raises(Forbidden):
        sso.user_for_claims(provider(), claims)
    waiting = db.session.scalar(select(User).where(User.email == "ny@botkyrka.example"))
    services.set_user_active(None, waiting.id, True)
    assert sso.user_for_claims(provider(), claims).id == waiting.id

    services.set_user_active(None, waiting.id, False)
    with pytest.raises(Forbidden) as refused:
        sso.user_for_claims(provider(), claims)
    assert refused.value.code == "user_inactive"


def test_a_provider_user_has_no_local_password(client, make_user):
    make_user()
    user = sso.user_for_claims(
        provider(), {"oid": "p", "email": "p@x.example", "groups": ["g-samordnare"]}
    )
    db.session.commit()
    response = client.post("/login", data={"username": user.username, "password": "!"})
    assert response.status_code == 401


def test_bad_provider_settings_stop_the_start():
    with pytest.raises(ValueError, match="needs a known role"):
        sso.providers([KOMMUN | {"groups": {"g": {"role": "chef"}}}])
    with pytest.raises(ValueError, match="bad or repeated name"):
        sso.providers([KOMMUN, KOMMUN])


def test_without_providers_the_login_page_has_only_passwords(client):
    text = client.get("/login").get_data(as_text=True)
    assert "Logga in med" not in text and 'name="password"' in text


def test_local_passwords_can_be_switched_off_or_kept_for_admins(app, client, make_user):
    coordinator, admin = make_user(role="coordinator"), make_user(role="admin")
    app.config.update(LOCAL_LOGIN="admin", OIDC_PROVIDERS=[KOMMUN])
    try:
        refused = client.post(
            "/login", data={"username": coordinator.username, "password": PASSWORD}
        )
        assert refused.status_code == 403
        assert "Inloggning med lösenord är avstängd" in refused.get_data(as_text=True)
        assert (
            client.post(
                "/login", data={"username": admin.username, "password": PASSWORD}
            ).status_code
            == 302
        )
        client.post("/logout")

        app.config["LOCAL_LOGIN"] = "off"
        page = client.get("/login").get_data(as_text=True)
        assert "Logga in med Botkyrka kommun" in page and 'name="password"' not in page
        refused = client.post("/login", data={"username": admin.username, "password": PASSWORD})
        assert refused.status_code == 403
    finally:
        app.config.update(LOCAL_LOGIN="on", OIDC_PROVIDERS=[])


def test_a_provider_that_does_not_answer_is_explained_in_swedish(app, client):
    app.config["OIDC_PROVIDERS"] = [KOMMUN | {"name": "nere"}]
    try:
        response = client.get("/login/sso/nere")
    finally:
        app.config["OIDC_PROVIDERS"] = []
    assert response.status_code == 503
    assert "Botkyrka kommun svarar inte just nu" in response.get_data(as_text=True)
    assert client.get("/login/sso/okand").status_code == 404


def test_a_signed_in_browser_registers_its_tablet_and_is_signed_out(client, make_user, login):
    inspector = make_user()
    device = {"device_id": "0b7e9a52-1c1d-4f0e-8a55-3d2f6c7b8a90", "device_name": "Surfplatta"}
    assert client.post("/api/auth/device/session", json=device).status_code == 401

    login(inspector)
    response = client.post("/api/auth/device/session", json=device)
    assert response.status_code == 201
    assert response.json["user"]["username"] == inspector.username
    me = client.get("/api/me", headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.status_code == 200
    assert client.get("/oversikt").status_code == 302  # the browser's session has ended


def test_the_admin_sees_who_waits_and_approves_them(client, make_user, login):
    login(make_user(role="admin"))
    claims = {"oid": "w-1", "name": "Wilma Väntar", "email": "wilma@botkyrka.example"}
    with pytest.raises(Forbidden):
        sso.user_for_claims(provider(), claims)
    db.session.commit()
    waiting = db.session.scalar(select(User).where(User.email == "wilma@botkyrka.example"))

    page = client.get("/personer?q=Wilma").get_data(as_text=True)
    assert "Väntar på godkännande" in page and "Godkänn" in page
    client.post(f"/personer/{waiting.id}/aktiv", data={"active": "1"})
    assert sso.user_for_claims(provider(), claims).id == waiting.id


def test_a_returning_user_follows_their_groups(make_user):
    make_user()
    claims = {"oid": "g-1", "email": "gustav@botkyrka.example", "groups": ["g-polis"]}
    user = sso.user_for_claims(provider(), claims)
    assert (user.role, user.agency_code) == ("inspector", "polis")

    promoted = sso.user_for_claims(provider(), claims | {"groups": ["g-samordnare", "g-polis"]})
    assert (promoted.id, promoted.role, promoted.agency_code) == (user.id, "coordinator", None)
    # No mapped group any more: what an admin set stays.
    assert sso.user_for_claims(provider(), claims | {"groups": []}).role == "coordinator"


def test_odd_claims_are_refused_or_cut_to_fit(make_user):
    make_user()
    with pytest.raises(Invalid):
        sso.user_for_claims(provider(), {"oid": "x" * 256, "groups": ["g-polis"]})
    with pytest.raises(Invalid):
        sso.user_for_claims(provider(), {"sub": "no-oid", "groups": ["g-polis"]})
    long = {
        "oid": "long",
        "name": "N" * 500,
        "email": "e" * 300 + "@x.example",
        "groups": ["g-polis"],
    }
    user = sso.user_for_claims(provider(), long)
    db.session.commit()
    assert len(user.name) == 120 and user.active
