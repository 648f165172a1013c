"""A reader's own sessions: change password, see where they are logged in, end sessions."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from comments.clock import utcnow
from comments.config import Settings
from comments.db import LoginFailure, SessionToken, Site, User
from comments.domain.accounts import schemas as s
from comments.domain.accounts.emails import email_problem, normalise_email
from comments.domain.accounts.mails import queue_verification
from comments.domain.accounts.passwords import Passwords
from comments.domain.accounts.recovery import password_problem, revoke_sessions
from comments.domain.mail import enqueue_mail
from comments.errors import Conflict, InvalidInput, NotFound, RateLimited


class AccountSessionService:
    def __init__(self, session: AsyncSession, *, settings: Settings, passwords: Passwords) -> None:
        self.session = session
        self.settings = settings
        self.passwords = passwords

    async def change_password(
        self, user_id: UUID, current_token_hash: str, current: str, new: str, client_address: str, site: Site | None
    ) -> None:
        """Needs the current password (a stolen session alone cannot lock the owner out); ends every other
        session. Wrong current passwords count as failed logins (the same throttle)."""
        user = await self._throttled_user(user_id)
        if problem := password_problem(new, "/new_password"):
            raise InvalidInput("Check the highlighted fields.", errors=[problem])
        await self._confirm_password(
            user, current, client_address, "/current_password", "This is not your current password."
        )
        user.password_hash = await self.passwords.hash(new)
        await revoke_sessions(self.session, user.id, keep=current_token_hash)
        enqueue_mail(self.session, to=user.email, template="password_changed", site=site)
        await self.session.commit()

    async def change_email(
        self, user_id: UUID, new_email: str, password: str, client_address: str, site: Site | None
    ) -> User:
        """Move the account to another address (the password is needed): the new address gets a
        verification mail and stays unverified until its link is followed; the old one is told."""
        user = await self._throttled_user(user_id)
        email = normalise_email(new_email)
        if problem := email_problem(email):
            raise InvalidInput("Check the highlighted fields.", errors=[{"pointer": "/email", "message": problem}])
        await self._confirm_password(user, password, client_address, "/password", "This is not your password.")
        if email == user.email:
            return user
        if await self.session.scalar(select(User.id).where(User.email == email)):
            raise Conflict("An account with this email already exists.", code="email-taken")
        old = user.email
        user.email = email
        user.email_verified_at = None
        try:
            await self.session.flush()
        except IntegrityError as exc:  # taken at the same moment by a registration
            raise Conflict("An account with this email already exists.", code="email-taken") from exc
        queue_verification(self.session, self.settings, user, site)
        enqueue_mail(self.session, to=old, template="email_changed", context={"new_email": email}, site=site)
        await self.session.commit()
        return user

    async def _throttled_user(self, user_id: UUID) -> User:
        """The user, unless their wrong passwords are over the login throttle."""
        user = await self.session.get(User, user_id)
        if user is None:
            raise NotFound("There is no such user.")
        await self._check_throttle(user.email)
        return user

    async def _confirm_password(self, user: User, password: str, client_address: str, pointer: str, wrong: str) -> None:
        """A wrong password counts as a failed login (the same throttle), committed before the refusal."""
        if not await self.passwords.verify(user.password_hash or None, password):
            self.session.add(LoginFailure(email=user.email, client_address=client_address[:64]))
            await self.session.commit()
            raise InvalidInput("Check the highlighted fields.", errors=[{"pointer": pointer, "message": wrong}])

    async def _check_throttle(self, email: str) -> None:
        window = timedelta(seconds=self.settings.login_window_seconds)
        now = utcnow()
        count, oldest = (
            await self.session.execute(
                select(func.count(), func.min(LoginFailure.created_at)).where(
                    LoginFailure.email == email, LoginFailure.created_at > now - window
                )
            )
        ).one()
        if count >= self.settings.login_max_failures:
            raise RateLimited("Too many wrong passwords. Try again later.", retry_after=(oldest + window - now).seconds)

    async def list_sessions(self, user_id: UUID, current_token_hash: str) -> list[s.SessionInfo]:
        rows = await self.session.scalars(
            select(SessionToken)
            .where(
                SessionToken.user_id == user_id,
                SessionToken.revoked_at.is_(None),
                SessionToken.expires_at > utcnow(),
            )
            .order_by(SessionToken.created_at.desc())
            .limit(100)
        )
        return [
            s.SessionInfo(
                id=row.id,
                created_at=row.created_at,
                last_used_at=row.last_used_at or row.created_at,
                expires_at=row.expires_at,
                network=row.network,
                client=row.client,
                current=row.token_hash == current_token_hash,
            )
            for row in rows
        ]

    async def revoke(self, user_id: UUID, session_id: UUID) -> None:
        """End one of the user's sessions. Someone else's session is 'not found', never 'forbidden'."""
        result = await self.session.execute(
            update(SessionToken)
            .where(SessionToken.id == session_id, SessionToken.user_id == user_id, SessionToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise NotFound("You have no such session.")
        await self.session.commit()

    async def logout_everywhere(self, user_id: UUID) -> int:
        ended = await revoke_sessions(self.session, user_id)
        await self.session.commit()
        return ended
