"""Accounts: registration, login with throttling, bearer sessions, and personal details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import ceil
from typing import Any
from uuid import UUID

from advanced_alchemy.exceptions import DuplicateKeyError
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from comments.clock import utcnow
from comments.config import Settings
from comments.db import LoginFailure, Membership, Profile, RulesAcceptance, Sanction, SessionToken, Site, User
from comments.db.lookups import site_by_slug
from comments.db.service import Service
from comments.domain.accounts import schemas as s
from comments.domain.accounts.emails import email_problem, normalise_email
from comments.domain.accounts.mails import queue_verification
from comments.domain.accounts.network import coarse_network
from comments.domain.accounts.passwords import Passwords
from comments.domain.accounts.profiles import (
    ProfileStatus,
    clean_text,
    display_name_key,
    profile_status,
    validate_profile_fields,
)
from comments.domain.accounts.skeletons import display_name_skeleton
from comments.domain.accounts.tokens import new_token, token_hash
from comments.domain.rules.schema import RuleSet
from comments.domain.rules.stored import site_rules
from comments.errors import Conflict, InvalidInput, NotFound, RateLimited, Unauthenticated

MIN_PASSWORD_LENGTH = 10
TOUCH_EVERY = timedelta(minutes=5)
"""How stale a session's last-used time may get before a request updates it."""
ADDRESS_FAILURE_FACTOR = 4
"""One address may fail this many times more over all accounts than for one (shared NATs, newsrooms)."""


@dataclass(frozen=True, slots=True)
class SiteMembership:
    """A role the caller holds on a site (loaded with the session token, in the same query)."""

    site_id: UUID
    slug: str
    role: str


def login_wait(failures: int, latest: datetime | None, *, free: int, now: datetime, cap: int) -> float:
    """Seconds before the next attempt: none for the first `free` failures, then 2, 4, 8, ... s after the
    latest failure, at most `cap`."""
    if failures < free or latest is None:
        return 0.0
    if latest.tzinfo is None:  # SQLite hands back naive UTC
        latest = latest.replace(tzinfo=UTC)
    delay = min(cap, 2.0 ** min(failures - free + 1, 30))
    return (latest + timedelta(seconds=delay) - now).total_seconds()


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """Who is calling: what guards and services need, without a live ORM object. `memberships` are the
    caller's site roles, loaded once per request; `comments.domain.sites.roles` checks them in memory."""

    id: UUID
    email: str
    is_superadmin: bool
    token_hash: str
    memberships: tuple[SiteMembership, ...] = ()


@dataclass(frozen=True, slots=True)
class Eligibility:
    """A reader as one site sees them: their details, whether those meet the site's requirements, and the
    site's rules (which set the requirements)."""

    user: User
    details: dict[str, Any]
    status: ProfileStatus
    rules: RuleSet
    sanctioned: bool
    """A sanction on the site not lifted (possibly expired or acknowledged): posting then reads which."""


async def eligibility(session: AsyncSession, user_id: UUID, site: Site) -> Eligibility:
    """The reader's details as the site sees them, and whether they satisfy its requirements. One query
    (user, profile, the site's guidelines acceptance and whether a sanction applies): it runs on every
    post."""
    sanctioned = exists().where(Sanction.user_id == User.id, Sanction.site_id == site.id, Sanction.lifted_at.is_(None))
    row = (
        await session.execute(
            select(User, RulesAcceptance.version, sanctioned)
            .outerjoin(RulesAcceptance, (RulesAcceptance.user_id == User.id) & (RulesAcceptance.site_id == site.id))
            .where(User.id == user_id)
            .options(joinedload(User.profile))
        )
    ).one_or_none()
    if row is None:
        raise NotFound("There is no such user.")
    user, accepted_version, under_sanction = row
    rules = site_rules(site)
    details = profile_values(user.profile)
    details["accepted_rules_version"] = accepted_version
    status = profile_status(
        {**details, "email_verified": user.email_verified_at is not None},
        required_fields=rules.profile.required_fields,
        minimum_age=rules.profile.minimum_age,
        rules_version=rules.guidelines.version,
        current_year=utcnow().year,
    )
    return Eligibility(user, details, status, rules, bool(under_sanction))


class UserService(Service[User]):
    model_type = User

    def __init__(self, session: AsyncSession, *, settings: Settings, passwords: Passwords, **kwargs: Any) -> None:
        super().__init__(session=session, **kwargs)
        self.settings = settings
        self.passwords = passwords

    # registration and login

    async def register(
        self,
        email: str,
        password: str,
        *,
        site: Site | None = None,
        network: str | None = None,
        client: str | None = None,
    ) -> tuple[str, SessionToken, User]:
        email = normalise_email(email)
        errors = []
        if problem := email_problem(email):
            errors.append({"pointer": "/email", "message": problem})
        if len(password) < MIN_PASSWORD_LENGTH:
            errors.append({"pointer": "/password", "message": f"Use at least {MIN_PASSWORD_LENGTH} characters."})
        if errors:
            raise InvalidInput("Check the highlighted fields.", errors=errors)
        if await self.exists(email=email):
            raise Conflict("An account with this email already exists. Log in instead.", code="email-taken")
        user = await self.create_user(email, password)
        token, session = await self._open_session(user, network=network, client=client)
        queue_verification(self.session, self.settings, user, site)
        await self.session.commit()
        return token, session, user

    async def create_user(self, email: str, password: str, *, is_superadmin: bool = False) -> User:
        user = User(
            email=normalise_email(email),
            password_hash=await self.passwords.hash(password),
            is_superadmin=is_superadmin,
        )
        user.profile = Profile()
        try:
            return await self.create(user, auto_commit=False)
        except DuplicateKeyError as exc:  # a concurrent registration of the same email
            raise Conflict("An account with this email already exists. Log in instead.", code="email-taken") from exc

    async def login(
        self, email: str, password: str, client_address: str, *, client: str | None = None
    ) -> tuple[str, SessionToken, User]:
        email = normalise_email(email)
        now = utcnow()
        await self._check_throttle(email, client_address, now)
        user = await self.get_one_or_none(email=email)
        ok = await self.passwords.verify(user.password_hash if user else None, password)
        if not ok or user is None:
            self.session.add(LoginFailure(email=email, client_address=client_address, created_at=now))
            await self.session.commit()  # the failure must count even though this request fails
            raise Unauthenticated("The email or password is not right.", code="login-failed")
        # Only this address's mistakes are forgiven: an attacker elsewhere keeps waiting.
        await self.session.execute(
            delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.client_address == client_address)
        )
        if self.passwords.needs_rehash(user.password_hash):
            user.password_hash = await self.passwords.hash(password)
        user.last_login_at = now
        token, session = await self._open_session(user, network=coarse_network(client_address), client=client)
        await self.session.commit()
        return token, session, user

    async def _check_throttle(self, email: str, client_address: str, now: datetime) -> None:
        """Throttled per (account, address) and per address, never per account alone: failures from one
        address cannot keep the account's owner out from another (docs/deploy.md, login throttling). Past
        the free attempts each further one waits twice as long after the latest failure (one query)."""
        since = now - timedelta(seconds=self.settings.login_window_seconds)
        same_account = LoginFailure.email == email
        row = (
            await self.session.execute(
                select(
                    func.count().filter(same_account),
                    func.max(LoginFailure.created_at).filter(same_account),
                    func.count(),
                    func.max(LoginFailure.created_at),
                ).where(LoginFailure.client_address == client_address, LoginFailure.created_at > since)
            )
        ).one()
        free = self.settings.login_max_failures
        waits = [
            login_wait(count, latest, free=allowed, now=now, cap=self.settings.login_max_delay_seconds)
            for count, latest, allowed in ((row[0], row[1], free), (row[2], row[3], free * ADDRESS_FAILURE_FACTOR))
        ]
        if (wait := max(waits)) > 0:
            raise RateLimited("Too many failed logins from this address. Try again later.", retry_after=ceil(wait))

    async def _open_session(
        self, user: User, *, network: str | None = None, client: str | None = None
    ) -> tuple[str, SessionToken]:
        token = new_token()
        now = utcnow()
        session = SessionToken(
            token_hash=token_hash(token),
            user_id=user.id,
            expires_at=now + timedelta(seconds=self.settings.session_ttl_seconds),
            last_used_at=now,
            network=network,
            client=(client or "")[:120] or None,
        )
        self.session.add(session)
        await self.session.flush()
        return token, session

    async def logout(self, current: CurrentUser) -> None:
        await self.session.execute(
            update(SessionToken)
            .where(SessionToken.token_hash == current.token_hash, SessionToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        await self.session.commit()

    # personal details

    async def site(self, slug: str) -> Site:
        """The site whose requirements a reader asks about (GET /me?site=)."""
        return await site_by_slug(self.session, slug)

    async def roles(self, user_id: UUID) -> list[tuple[str, str]]:
        rows = await self.session.execute(
            select(Site.slug, Membership.role)
            .join(Site, Site.id == Membership.site_id)
            .where(Membership.user_id == user_id)
        )
        return [(slug, str(role)) for slug, role in rows.all()]

    async def update_profile(self, user_id: UUID, values: dict[str, Any], *, site: Site | None) -> User:
        """Change the fields given. Guidelines are accepted per site, so that needs `site`."""
        rules_version = site_rules(site).guidelines.version if site else None
        values = {k: clean_text(v) if isinstance(v, str) else v for k, v in values.items()}
        if isinstance(values.get("country"), str):
            values["country"] = values["country"].upper()
        problems = validate_profile_fields(values, current_year=utcnow().year, rules_version=rules_version)
        user = await self.get(user_id)
        profile = user.profile or Profile(user_id=user_id)
        if "display_name" in values and "display_name" not in problems:
            name = values["display_name"]
            key = display_name_key(name) if name else None
            look = display_name_skeleton(name) if name else None
            if key and await self.session.scalar(
                select(Profile.id).where(Profile.display_name_key == key, Profile.user_id != user_id)
            ):
                problems["display_name"] = "This display name is taken. Choose another."
            elif look and await self.session.scalar(
                select(Profile.id).where(Profile.display_name_skeleton == look, Profile.user_id != user_id)
            ):
                problems["display_name"] = "This display name looks like one already in use. Choose another."
            profile.display_name_key = key
            profile.display_name_skeleton = look
        if problems:
            errors = [{"pointer": f"/{name}", "field": name, "message": msg} for name, msg in problems.items()]
            raise InvalidInput("Check the highlighted fields.", errors=errors)
        for name in ("display_name", "full_name", "country", "birth_year", "bio"):
            if name in values:
                setattr(profile, name, values[name])
        if "accepted_rules_version" in values and site is not None:
            await self._accept_rules(user_id, site.id, values["accepted_rules_version"])
        user.profile = profile
        try:
            await self.session.flush()
        except IntegrityError as exc:  # two readers claimed the same display name at once
            raise InvalidInput(
                "Check the highlighted fields.",
                errors=[
                    {
                        "pointer": "/display_name",
                        "field": "display_name",
                        "message": "This display name is taken.",
                    }
                ],
            ) from exc
        await self.session.commit()
        return user

    async def _accept_rules(self, user_id: UUID, site_id: UUID, version: int | None) -> None:
        existing = await self.session.scalar(
            select(RulesAcceptance).where(RulesAcceptance.user_id == user_id, RulesAcceptance.site_id == site_id)
        )
        if version is None:
            if existing:
                await self.session.delete(existing)
        elif existing:
            existing.version = version
        else:
            self.session.add(RulesAcceptance(user_id=user_id, site_id=site_id, version=version))

    async def describe(self, user_id: UUID, site: Site | None) -> s.Me:
        roles = [s.SiteRole(site=slug, role=role) for slug, role in await self.roles(user_id)]
        if site is None:
            user = await self.get(user_id)
            details = profile_values(user.profile)
            return s.Me(
                user=s.User.of(user),
                profile=s.Profile(**details, accepted_rules_version=None),
                site=None,
                profile_complete=None,
                missing_fields=[],
                under_minimum_age=False,
                minimum_age=None,
                rules_version=None,
                roles=roles,
            )
        eligible = await eligibility(self.session, user_id, site)
        status, rules = eligible.status, eligible.rules
        return s.Me(
            user=s.User.of(eligible.user),
            profile=s.Profile(**eligible.details),
            site=site.slug,
            profile_complete=status.complete,
            missing_fields=list(status.missing_fields),
            under_minimum_age=status.under_minimum_age,
            minimum_age=rules.profile.minimum_age,
            rules_version=rules.guidelines.version,
            roles=roles,
        )


def profile_values(profile: Profile | None) -> dict[str, Any]:
    names = ("display_name", "full_name", "country", "birth_year", "bio")
    return {name: getattr(profile, name, None) for name in names}


async def authenticate(session: AsyncSession, token: str, network: str | None = None) -> CurrentUser | None:
    """The user behind a bearer token, if the token is live, with their site roles: one query (a row per
    membership), so that role guards need none. Notes when and from which network the session was used,
    at most every TOUCH_EVERY (not a write per request)."""
    digest = token_hash(token)
    now = utcnow()
    rows = (
        await session.execute(
            select(
                User.id,
                User.email,
                User.is_superadmin,
                SessionToken.id,
                SessionToken.last_used_at,
                Membership.site_id,
                Site.slug,
                Membership.role,
            )
            .join(SessionToken, SessionToken.user_id == User.id)
            .outerjoin(Membership, Membership.user_id == User.id)
            .outerjoin(Site, Site.id == Membership.site_id)
            .where(
                SessionToken.token_hash == digest,
                SessionToken.revoked_at.is_(None),
                SessionToken.expires_at > now,
            )
        )
    ).all()
    if not rows:
        return None
    user_id, email, is_superadmin, session_id, last_used_at = rows[0][:5]
    if network is not None and (last_used_at is None or now - last_used_at > TOUCH_EVERY):
        await session.execute(
            update(SessionToken)
            .where(SessionToken.id == session_id)
            .values(last_used_at=now, network=network)
            .execution_options(synchronize_session=False)
        )
    memberships = tuple(
        SiteMembership(site_id, slug, str(role)) for *_, site_id, slug, role in rows if site_id is not None
    )
    return CurrentUser(user_id, email, is_superadmin, digest, memberships)
