"""The mails accounts send, and their one-time tokens (only the SHA-256 is stored)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from comments.config import Settings
from comments.db import AccountToken, Site, User
from comments.domain.accounts.tokens import new_token, token_hash
from comments.domain.mail import enqueue_mail

VERIFY_EMAIL: Final = "verify_email"
RESET_PASSWORD: Final = "reset_password"  # noqa: S105 - a token purpose, not a password


def account_link(settings: Settings, site: Site | None, action: str, token: str) -> str:
    """The account page with the token in the fragment: browsers never send a fragment to a server, so
    the token stays out of access logs and Referer headers."""
    query = f"?{urlencode({'site': site.slug})}" if site is not None else ""
    return f"{settings.public_url.rstrip('/')}/account{query}#{action}={token}"


def issue_token(session: AsyncSession, user: User, purpose: str, ttl_seconds: int) -> str:
    token = new_token()
    session.add(
        AccountToken(
            token_hash=token_hash(token),
            user_id=user.id,
            purpose=purpose,
            email=user.email,
            expires_at=datetime.now(UTC) + timedelta(seconds=ttl_seconds),
        )
    )
    return token


def queue_verification(session: AsyncSession, settings: Settings, user: User, site: Site | None) -> None:
    """A verification mail for the user's current address, in the caller's transaction."""
    ttl = settings.email_verification_ttl_seconds
    _queue_link(session, settings, user, site, VERIFY_EMAIL, "verify", ttl, {"hours": ttl // 3600})


def queue_reset(session: AsyncSession, settings: Settings, user: User, site: Site | None) -> None:
    ttl = settings.password_reset_ttl_seconds
    _queue_link(session, settings, user, site, RESET_PASSWORD, "reset", ttl, {"minutes": ttl // 60})


def _queue_link(
    session: AsyncSession,
    settings: Settings,
    user: User,
    site: Site | None,
    purpose: str,
    action: str,
    ttl_seconds: int,
    context: dict[str, int],
) -> None:
    """A one-time token for `purpose` and the mail (its template is named after the purpose) with its link."""
    token = issue_token(session, user, purpose, ttl_seconds)
    link = account_link(settings, site, action, token)
    enqueue_mail(session, to=user.email, template=purpose, context={"link": link, **context}, site=site)
