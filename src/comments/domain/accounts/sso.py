"""Publisher single sign-on: the publisher's server signs a short-lived JWT for its logged-in subscriber;
we verify it and log the subscriber in, linked by (site, sub), with the profile filled from the claims.

Keys: HS256 with the site's secret (`comments site sso-secret SLUG`, stored encrypted: see secretbox.py),
or RS256/ES256 with the publisher's JWKS URL (`comments site sso-jwks SLUG URL`).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import anyio.to_thread
import jwt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from comments.config import Settings
from comments.db import Profile, SessionToken, Site, SsoIdentity, User
from comments.domain.accounts.emails import email_problem, normalise_email
from comments.domain.accounts.passwords import Passwords
from comments.domain.accounts.profiles import clean_text, display_name_key, validate_profile_fields
from comments.domain.accounts.secretbox import decrypt, encrypt
from comments.domain.accounts.services import UserService
from comments.errors import InvalidInput, SsoRejected

PURPOSE: Final = b"sso-secret"
HS_ALGORITHMS: Final = ["HS256"]
JWKS_ALGORITHMS: Final = ["RS256", "ES256"]
LEEWAY_SECONDS: Final = 60
"""Clock skew allowed between the publisher's server and ours."""
MAX_LIFETIME_SECONDS: Final = 600
"""`exp` at most this far ahead: a token is a one-off hand-over, not a credential to keep."""
FRESH_SECONDS: Final = 300
"""Deleting an account with an SSO token needs one issued this recently."""
MAX_TOKEN_LENGTH: Final = 8192
PROFILE_CLAIMS: Final = ("display_name", "full_name", "country", "birth_year")
_jwks_clients: dict[str, jwt.PyJWKClient] = {}


def new_sso_secret() -> str:
    return "sso_" + secrets.token_urlsafe(32)


def store_secret(settings: Settings, site: Site, secret: str) -> None:
    site.sso_secret = encrypt(settings, PURPOSE, secret)
    site.sso_jwks_url = None


@dataclass(frozen=True, slots=True)
class Claims:
    sub: str
    iat: int
    email: str | None
    email_verified: bool
    profile: dict[str, Any]


def _reject(detail: str) -> SsoRejected:
    return SsoRejected(detail)


async def _key_for(settings: Settings, site: Site, token: str) -> tuple[Any, list[str]]:
    if site.sso_jwks_url:
        client = _jwks_clients.get(site.sso_jwks_url)
        if client is None:
            client = _jwks_clients[site.sso_jwks_url] = jwt.PyJWKClient(site.sso_jwks_url, lifespan=300, timeout=5)
        try:  # PyJWKClient fetches with urllib: off the event loop
            key = await anyio.to_thread.run_sync(client.get_signing_key_from_jwt, token)
        except (jwt.PyJWKClientError, jwt.DecodeError) as exc:
            raise _reject(f"The token's signing key was not found in the site's JWKS ({exc}).") from exc
        return key.key, JWKS_ALGORITHMS
    secret = decrypt(settings, PURPOSE, site.sso_secret) if site.sso_secret else None
    if not secret:
        raise _reject("This site has no single sign-on set up.")
    return secret, HS_ALGORITHMS


async def verify_token(settings: Settings, site: Site, token: str, *, now: datetime | None = None) -> Claims:
    """The token's claims if it is signed for this site, current and well-formed; SsoRejected (401) for a
    wrong signature, site, algorithm or time; InvalidInput (422) for claims that break the profile rules."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidInput("The token is too large.", errors=[{"pointer": "/token", "message": "At most 8192 bytes."}])
    key, algorithms = await _key_for(settings, site, token)
    now_ts = (now or datetime.now(UTC)).timestamp()
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            leeway=LEEWAY_SECONDS,
            options={"require": ["sub", "iat", "exp"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _reject("The token has expired: get a fresh one from the publisher's page.") from exc
    except jwt.InvalidTokenError as exc:
        raise _reject(f"The token does not verify: {exc}.") from exc
    if "aud" in payload and payload["aud"] not in (site.slug, [site.slug]):
        raise _reject("The token is for another site.")
    if not isinstance(payload["exp"], int | float) or payload["exp"] - now_ts > MAX_LIFETIME_SECONDS + LEEWAY_SECONDS:
        raise _reject(f"The token lives too long: exp may be at most {MAX_LIFETIME_SECONDS} seconds ahead.")
    return _claims(payload)


def _claims(payload: dict[str, Any]) -> Claims:
    errors: list[dict[str, str]] = []

    def problem(name: str, message: str) -> None:
        errors.append({"pointer": f"/claims/{name}", "field": name, "message": message})

    sub = payload.get("sub")
    if not isinstance(sub, str) or not 1 <= len(sub) <= 255:
        problem("sub", "A string of 1 to 255 characters, stable per subscriber.")
    email = payload.get("email")
    if email is not None:
        if not isinstance(email, str) or email_problem(normalise_email(email)):
            problem("email", "An email address like name@example.com.")
        else:
            email = normalise_email(email)
    verified = payload.get("email_verified", False)
    if not isinstance(verified, bool):
        problem("email_verified", "true or false.")
    profile: dict[str, Any] = {}
    for name in PROFILE_CLAIMS:
        value = payload.get(name)
        if value is None:
            continue
        kind = int if name == "birth_year" else str
        if not isinstance(value, kind) or isinstance(value, bool):
            problem(name, f"A {'number' if kind is int else 'string'}.")
            continue
        profile[name] = clean_text(value) if isinstance(value, str) else value
    if isinstance(profile.get("country"), str):
        profile["country"] = profile["country"].upper()
    for name, message in validate_profile_fields(
        profile, current_year=datetime.now(UTC).year, rules_version=None
    ).items():
        problem(name, message)
    if errors:
        raise InvalidInput("The sign-in token's claims are not valid.", errors=errors)
    return Claims(sub=sub, iat=int(payload["iat"]), email=email, email_verified=bool(verified), profile=profile)


class SsoService:
    def __init__(self, session: AsyncSession, *, settings: Settings, passwords: Passwords) -> None:
        self.session = session
        self.settings = settings
        self.users = UserService(session=session, settings=settings, passwords=passwords)

    async def login(
        self, site: Site, token: str, *, network: str, client: str | None
    ) -> tuple[str, SessionToken, User]:
        claims = await verify_token(self.settings, site, token)
        user = await self._linked_user(site, claims.sub)
        if user is None:
            user = await self._create(site, claims)
        await self._fill(user, claims)
        user.last_login_at = datetime.now(UTC)
        token_value, session = await self.users._open_session(user, network=network, client=client)
        await self.session.commit()
        return token_value, session, user

    async def _linked_user(self, site: Site, subject: str) -> User | None:
        return await self.session.scalar(
            select(User)
            .join(SsoIdentity, SsoIdentity.user_id == User.id)
            .where(SsoIdentity.site_id == site.id, SsoIdentity.subject == subject, User.deleted_at.is_(None))
        )

    async def _create(self, site: Site, claims: Claims) -> User:
        # The token's email becomes the account's only if no account has it: a publisher asserting an
        # address must never take over an account someone registered with it here.
        email = claims.email
        if email is None or await self.session.scalar(select(User.id).where(User.email == email)):
            email = f"sso-{uuid.uuid4().hex}@{site.slug}.sso.invalid"
        user = User(email=email, password_hash="", is_superadmin=False)
        user.profile = Profile()
        self.session.add(user)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
                self.session.add(SsoIdentity(site_id=site.id, subject=claims.sub, user_id=user.id))
                await self.session.flush()
        except IntegrityError as exc:  # the same subscriber logging in twice at once: use the winner
            winner = await self._linked_user(site, claims.sub)
            if winner is None:
                raise _reject("The sign-in could not be completed. Try again.") from exc
            return winner
        return user

    async def _fill(self, user: User, claims: Claims) -> None:
        """The publisher's values replace ours for the fields it sends; a display name someone else has
        here is left out (the reader then chooses one)."""
        if claims.email and claims.email == user.email and claims.email_verified and user.email_verified_at is None:
            user.email_verified_at = datetime.now(UTC)
        profile = user.profile or Profile(user_id=user.id)
        for name, value in claims.profile.items():
            if name == "display_name":
                key = display_name_key(value)
                taken = await self.session.scalar(
                    select(Profile.id).where(Profile.display_name_key == key, Profile.user_id != user.id)
                )
                if taken:
                    continue
                profile.display_name_key = key
            setattr(profile, name, value)
        user.profile = profile
        await self.session.flush()

    async def verify_fresh(self, site: Site, token: str, user_id: uuid.UUID) -> None:
        """For deleting an account: a token for this account issued in the last few minutes."""
        claims = await verify_token(self.settings, site, token)
        user = await self._linked_user(site, claims.sub)
        if user is None or user.id != user_id:
            raise _reject("This token is for another account.")
        if claims.iat < datetime.now(UTC).timestamp() - FRESH_SECONDS:
            raise _reject("Use a token issued in the last five minutes.")
