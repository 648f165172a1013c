"""Email verification and password reset by mailed one-time links."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from comments.clock import utcnow
from comments.config import Settings
from comments.db import AccountToken, ResetRequest, SessionToken, Site, User
from comments.domain.accounts.emails import email_problem, normalise_email
from comments.domain.accounts.mails import RESET_PASSWORD, VERIFY_EMAIL, queue_reset, queue_verification
from comments.domain.accounts.network import coarse_network
from comments.domain.accounts.passwords import Passwords
from comments.domain.accounts.tokens import token_hash
from comments.domain.mail import enqueue_mail
from comments.errors import InvalidInput, InvalidToken, RateLimited

MIN_PASSWORD_LENGTH: Final = 10
RESET_ANSWER_SECONDS: Final = 0.4
"""RequestPasswordReset answers after this long whatever happened, so its timing says nothing about
whether the address has an account (the work itself takes a few milliseconds either way)."""
VERIFICATIONS_PER_HOUR: Final = 5


def password_problem(password: str, pointer: str = "/password") -> dict[str, str] | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {"pointer": pointer, "message": f"Use at least {MIN_PASSWORD_LENGTH} characters."}
    return None


async def revoke_sessions(session: AsyncSession, user_id: object, *, keep: str | None = None) -> int:
    """End every live session of the user, except the one whose token hash is `keep`."""
    query = update(SessionToken).where(SessionToken.user_id == user_id, SessionToken.revoked_at.is_(None))
    if keep is not None:
        query = query.where(SessionToken.token_hash != keep)
    result = await session.execute(query.values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


class RecoveryService:
    def __init__(self, session: AsyncSession, *, settings: Settings, passwords: Passwords) -> None:
        self.session = session
        self.settings = settings
        self.passwords = passwords

    async def _use_token(self, token: str, purpose: str) -> tuple[AccountToken, User]:
        """The live token and its user, marked used (one conditional UPDATE: two concurrent uses, one wins)."""
        now = utcnow()
        row = await self.session.scalar(
            select(AccountToken).where(AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose)
        )
        user = await self.session.get(User, row.user_id) if row is not None else None
        if row is None or user is None or user.deleted_at is not None:
            raise InvalidToken("This link is wrong, was used already or has expired. Ask for a new one.")
        used = await self.session.execute(
            update(AccountToken)
            .where(AccountToken.id == row.id, AccountToken.used_at.is_(None), AccountToken.expires_at > now)
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if used.rowcount != 1:
            raise InvalidToken("This link is wrong, was used already or has expired. Ask for a new one.")
        return row, user

    async def verify_email(self, token: str) -> User:
        row, user = await self._use_token(token, VERIFY_EMAIL)
        if row.email != user.email:  # the address changed since the mail went out
            raise InvalidToken("This link was for an address your account no longer uses.")
        user.email_verified_at = utcnow()
        await self.session.commit()
        return user

    async def send_verification(self, user_id: object, site: Site | None) -> None:
        """Another verification mail (the first went out on registration); a few per hour at most."""
        user = await self.session.get(User, user_id)
        if user is None or user.email_verified_at is not None:
            return
        since = utcnow() - timedelta(hours=1)
        sent = await self.session.scalar(
            select(func.count()).where(
                AccountToken.user_id == user.id,
                AccountToken.purpose == VERIFY_EMAIL,
                AccountToken.created_at > since,
            )
        )
        if (sent or 0) >= VERIFICATIONS_PER_HOUR:
            raise RateLimited("We sent several mails already. Check your spam folder, or try later.", retry_after=3600)
        queue_verification(self.session, self.settings, user, site)
        await self.session.commit()

    async def request_reset(self, email: str, client_address: str, site: Site | None) -> None:
        """Mail a reset link if an account has this address. Answers the same, after the same time, either
        way; throttled per network (429, for known and unknown addresses alike) and per account (silently:
        no more mails)."""
        started = time.monotonic()
        try:
            await self._request_reset(normalise_email(email), coarse_network(client_address), site)
        finally:
            await asyncio.sleep(max(0.0, RESET_ANSWER_SECONDS - (time.monotonic() - started)))

    async def _request_reset(self, email: str, network: str, site: Site | None) -> None:
        now = utcnow()
        since = now - timedelta(hours=1)
        if problem := email_problem(email):
            raise InvalidInput("Check the highlighted fields.", errors=[{"pointer": "/email", "message": problem}])
        count, oldest = (
            await self.session.execute(
                select(func.count(), func.min(ResetRequest.created_at)).where(
                    ResetRequest.network == network, ResetRequest.created_at > since
                )
            )
        ).one()
        if count >= self.settings.reset_requests_per_network_per_hour:
            raise RateLimited("Too many reset requests. Try again later.", retry_after=(oldest - since).total_seconds())
        self.session.add(ResetRequest(network=network))
        user = await self.session.scalar(select(User).where(User.email == email, User.deleted_at.is_(None)))
        if user is not None:
            recent = await self.session.scalar(
                select(func.count()).where(
                    AccountToken.user_id == user.id,
                    AccountToken.purpose == RESET_PASSWORD,
                    AccountToken.created_at > since,
                )
            )
            if (recent or 0) < self.settings.password_resets_per_hour:
                queue_reset(self.session, self.settings, user, site)
        await self.session.commit()

    async def reset_password(self, token: str, password: str, site: Site | None) -> None:
        """Set a new password from a reset link; every session of the account ends."""
        if problem := password_problem(password):
            raise InvalidInput("Check the highlighted fields.", errors=[problem])
        password_hash = await self.passwords.hash(password)
        row, user = await self._use_token(token, RESET_PASSWORD)
        user.password_hash = password_hash
        if row.email == user.email and user.email_verified_at is None:
            user.email_verified_at = utcnow()  # the link reached this mailbox: that proves the address
        # Other reset links mailed before this one stop working too.
        await self.session.execute(
            update(AccountToken)
            .where(
                AccountToken.user_id == user.id,
                AccountToken.purpose == RESET_PASSWORD,
                AccountToken.used_at.is_(None),
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        await revoke_sessions(self.session, user.id)
        enqueue_mail(self.session, to=user.email, template="password_changed", site=site)
        await self.session.commit()
