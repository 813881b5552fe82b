"""Sign-in through OpenID Connect providers: their settings, and who a provider's claims are.

A provider is configured by the environment (OTTO_OIDC_PROVIDERS, a JSON list; see README
"Single sign-on"). A sign-in finds its user by the provider's stable subject, stored per user
in `user_identity`; by e-mail only when the provider's settings allow it (`match_email`, an
admin's choice); otherwise it makes a new user whose role and agency come from the groups
claim through the provider's `groups` mapping (followed again at each sign-in), or, with no
mapped group, an inactive user that waits for an admin to give a role and activate them.
The OAuth exchange itself (state, nonce, PKCE, the ID token's signature) is the page
layer's (otto.web.sso, Authlib).
"""

import logging
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select

from otto import audit, limits
from otto.accounts import services
from otto.accounts.models import Role, User, UserIdentity
from otto.accounts.services import user_snapshot
from otto.errors import DomainError, Forbidden, Invalid
from otto.extensions import db
from otto.timeutil import utcnow

# A password hash no password matches: users made by a provider never sign in locally.
NO_PASSWORD = "!"  # nosec B105: the marker of "no local password", not a secret
# Of several mapped groups the strongest role wins.
_ROLE_ORDER = (Role.ADMIN, Role.COORDINATOR, Role.INSPECTOR)
logger = logging.getLogger(__name__)
SUBJECT_MAX = 255  # user_identity.subject
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,79}$")


@dataclass(frozen=True)
class Provider:
    """One identity provider's settings (one entry of OTTO_OIDC_PROVIDERS)."""

    name: str  # in URLs and user_identity.provider: a-z, 0-9, '-'
    label: str  # the login button: "Logga in med {label}"
    issuer: str
    client_id: str
    client_secret: str = ""
    scopes: str = "openid profile email"
    subject_claim: str = "sub"  # Entra ID: "oid"
    name_claim: str = "name"
    email_claim: str = "email"
    username_claim: str = "preferred_username"
    groups_claim: str = "groups"
    # group → {"role": ..., "agency": ...}
    groups: dict = field(default_factory=dict)
    # An existing user with the claimed (verified) e-mail is linked on first sign-in.
    match_email: bool = False

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def providers(settings: list[dict]) -> dict[str, Provider]:
    """The configured providers by name, checked; a setting error stops the app at start."""
    found = {}
    for entry in settings:
        try:
            provider = Provider(**entry)
        except TypeError as error:
            raise ValueError(f"OTTO_OIDC_PROVIDERS: {error}") from error
        if not re.fullmatch(r"[a-z0-9-]{1,40}", provider.name) or provider.name in found:
            raise ValueError(f"OTTO_OIDC_PROVIDERS: bad or repeated name {provider.name!r}.")
        for group, grant in provider.groups.items():
            if grant.get("role") not in set(Role):
                raise ValueError(f"OTTO_OIDC_PROVIDERS: group {group!r} needs a known role.")
        found[provider.name] = provider
    return found


def _mapped_grant(provider: Provider, claims: dict) -> dict | None:
    """The role and agency the claimed groups give, the strongest role first; or None."""
    groups = claims.get(provider.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    grants = [provider.groups[group] for group in groups if group in provider.groups]
    if not grants:
        return None
    return min(grants, key=lambda grant: _ROLE_ORDER.index(grant["role"]))


def _free_username(wanted: str) -> str:
    base = re.sub(r"[^a-z0-9_.-]", "", wanted.lower().split("@")[0])[:70]
    base = base if _NAME_RE.match(base) else f"sso-{base}"[:70]
    candidate, number = base, 1
    while db.session.scalar(select(User.id).where(User.username == candidate)) is not None:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def user_for_claims(provider: Provider, claims: dict) -> User:
    """The user these verified ID-token claims sign in: found by subject, by e-mail when
    allowed, or made now; audited. Raises Forbidden when the
    user waits for approval or is switched off; the caller commits in both cases, so a
    first-time user is kept for the admin."""
    subject = str(claims.get(provider.subject_claim) or "")
    if not 0 < len(subject) <= SUBJECT_MAX:
        raise Invalid(f"The ID token has no usable '{provider.subject_claim}' claim.")
    identity = db.session.scalar(
        select(UserIdentity).where(
            UserIdentity.provider == provider.name, UserIdentity.subject == subject
        )
    )
    if identity is None:
        user = _match_by_email(provider, claims) or _new_user(provider, claims)
        identity = UserIdentity(provider=provider.name, subject=subject, user_id=user.id)
        db.session.add(identity)
        db.session.flush()
        audit.record(
            None,
            "create",
            "user_identity",
            identity.id,
            after={"provider": provider.name, "subject": subject, "user_id": user.id},
        )
    else:
        _follow_groups(provider, identity.user, claims)
    user = identity.user
    if user.awaiting_approval:
        raise Forbidden("The user waits for an admin's approval.", code="awaiting_approval")
    if not user.active:
        raise Forbidden("The user is switched off in OTTO.", code="user_inactive")
    identity.last_login_at = utcnow()
    db.session.flush()
    return user


def _follow_groups(provider: Provider, user: User, claims: dict) -> None:
    """A returning user whose groups map to another role or agency gets it (audited): the
    provider's groups stay the truth. An agency that cannot change (the user has been on
    visits for the old one) stays; with no mapped group the admin's choice stays."""
    grant = _mapped_grant(provider, claims)
    if grant is None or (user.role, user.agency_code) == (grant["role"], grant.get("agency")):
        return
    try:
        with db.session.begin_nested():
            services.update_user(
                None,
                user.id,
                name=user.name,
                email=user.email,
                role=grant["role"],
                agency=grant.get("agency"),
            )
    except DomainError as error:
        logger.warning("Groups of user %s not followed: %s", user.id, error.message)


def _match_by_email(provider: Provider, claims: dict) -> User | None:
    email = str(claims.get(provider.email_claim) or "").strip().lower()
    if not provider.match_email or not email or claims.get("email_verified") is False:
        return None
    found = list(db.session.scalars(select(User).where(func.lower(User.email) == email)))
    return found[0] if len(found) == 1 else None


def _new_user(provider: Provider, claims: dict) -> User:
    grant = _mapped_grant(provider, claims)
    email = str(claims.get(provider.email_claim) or "")[: limits.EMAIL]
    user = User(
        username=_free_username(str(claims.get(provider.username_claim) or email or "sso")),
        name=str(claims.get(provider.name_claim) or email or "Ny användare")[: limits.PERSON_NAME],
        email=email,
        role=grant["role"] if grant else Role.INSPECTOR,
        agency_code=grant.get("agency") if grant else None,
        password_hash=NO_PASSWORD,
        active=grant is not None,
        awaiting_approval=grant is None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        None, "create", "user", user.id, after=user_snapshot(user) | {"provider": provider.name}
    )
    return user
