"""A reader's own data: everything we hold about them as JSON (GDPR Art. 15 and 20), and deleting their
account (Art. 17).

Deleting keeps the `user_account` row as a pseudonymous id, with no email, password, profile, sessions
or roles: the append-only audit log and the comments a site keeps point at it. What happens to their
comments is each site's rule (`account.deleted_account_comments`: keep under "deleted account", or
remove); their display name is gone everywhere with the profile.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from comments.clock import utcnow
from comments.config import Settings
from comments.db import (
    AccountToken,
    Article,
    Claim,
    Comment,
    CommentStatus,
    IdempotencyRecord,
    LoginFailure,
    MailMessage,
    Membership,
    Report,
    RulesAcceptance,
    Sanction,
    SessionToken,
    Site,
    SsoIdentity,
    User,
)
from comments.domain.accounts.passwords import Passwords
from comments.domain.rules.stored import site_rules
from comments.errors import InvalidInput, NotFound

FORMAT_VERSION = 1


class MyDataService:
    def __init__(self, session: AsyncSession, *, settings: Settings, passwords: Passwords) -> None:
        self.session = session
        self.settings = settings
        self.passwords = passwords

    async def _user(self, user_id: UUID) -> User:
        user = await self.session.get(User, user_id)
        if user is None or user.deleted_at is not None:
            raise NotFound("There is no such user.")
        return user

    async def export(self, user_id: UUID) -> dict[str, Any]:
        user = await self._user(user_id)
        profile = user.profile
        site_slugs = dict((await self.session.execute(select(Site.id, Site.slug))).all())

        def slug(site_id: UUID) -> str | None:
            return site_slugs.get(site_id)

        comments = (
            await self.session.execute(
                select(Comment, Article.external_id)
                .join(Article, Article.id == Comment.article_id)
                .where(Comment.author_id == user_id)
                .order_by(Comment.created_at)
            )
        ).all()
        reports = (await self.session.scalars(select(Report).where(Report.reporter_id == user_id))).all()
        sanctions = (await self.session.scalars(select(Sanction).where(Sanction.user_id == user_id))).all()
        sessions = (await self.session.scalars(select(SessionToken).where(SessionToken.user_id == user_id))).all()
        acceptances = (
            await self.session.scalars(select(RulesAcceptance).where(RulesAcceptance.user_id == user_id))
        ).all()
        identities = (await self.session.scalars(select(SsoIdentity).where(SsoIdentity.user_id == user_id))).all()
        roles = (await self.session.scalars(select(Membership).where(Membership.user_id == user_id))).all()
        return {
            "format": FORMAT_VERSION,
            "exported_at": utcnow(),
            "account": {
                "id": user.id,
                "email": user.email,
                "email_verified": user.email_verified_at is not None,
                "email_verified_at": user.email_verified_at,
                "created_at": user.created_at,
                "last_login_at": user.last_login_at,
                "is_superadmin": user.is_superadmin,
            },
            "profile": {
                "display_name": profile.display_name if profile else None,
                "full_name": profile.full_name if profile else None,
                "country": profile.country if profile else None,
                "birth_year": profile.birth_year if profile else None,
                "bio": profile.bio if profile else None,
            },
            "profiles_per_site": [
                {"site": slug(a.site_id), "accepted_rules_version": a.version, "accepted_at": a.updated_at}
                for a in acceptances
            ],
            "single_sign_on": [
                {"site": slug(i.site_id), "subject": i.subject, "linked_at": i.created_at} for i in identities
            ],
            "roles": [{"site": slug(m.site_id), "role": str(m.role)} for m in roles],
            "comments": [
                {
                    "id": c.id,
                    "site": slug(c.site_id),
                    "article": article,
                    "parent_id": c.parent_id,
                    "body": c.body,
                    "status": str(c.status),
                    "flagged": c.flagged,
                    "reasons": c.reasons or [],
                    "scores": c.scores,
                    "created_at": c.created_at,
                    "edited_at": c.edited_at,
                    "deleted_at": c.deleted_at,
                }
                for c, article in comments
            ],
            "reports": [
                {
                    "comment_id": r.comment_id,
                    "site": slug(r.site_id),
                    "reason": r.reason,
                    "note": r.note,
                    "created_at": r.created_at,
                    "resolved_at": r.resolved_at,
                }
                for r in reports
            ],
            "sanctions": [
                {
                    "site": slug(x.site_id),
                    "kind": str(x.kind),
                    "reason": x.reason,
                    "until": x.until,
                    "created_at": x.created_at,
                    "acknowledged_at": x.acknowledged_at,
                    "lifted_at": x.lifted_at,
                }
                for x in sanctions
            ],
            "sessions": [
                {
                    "created_at": t.created_at,
                    "last_used_at": t.last_used_at,
                    "expires_at": t.expires_at,
                    "revoked_at": t.revoked_at,
                    "network": t.network,
                    "client": t.client,
                }
                for t in sessions
            ],
        }

    async def check_password(self, user_id: UUID, password: str) -> None:
        user = await self._user(user_id)
        if not await self.passwords.verify(user.password_hash or None, password):
            raise InvalidInput(
                "Check the highlighted fields.",
                errors=[{"pointer": "/password", "message": "This is not your password."}],
            )

    async def delete_account(self, user_id: UUID) -> None:
        """Erase the account (the caller checked the password or a fresh SSO token). One transaction."""
        user = await self._user(user_id)
        now = utcnow()
        old_email = user.email
        sites = (
            await self.session.scalars(
                select(Site).where(Site.id.in_(select(Comment.site_id).where(Comment.author_id == user_id).distinct()))
            )
        ).all()
        for site in sites:
            if site_rules(site).account.deleted_account_comments == "remove":
                await self.session.execute(
                    update(Comment)
                    .where(Comment.author_id == user_id, Comment.site_id == site.id)
                    .values(
                        status=CommentStatus.DELETED, body="", spans=None, deleted_at=now, version=Comment.version + 1
                    )
                    .execution_options(synchronize_session=False)
                )
        for model, column in (
            (SessionToken, SessionToken.user_id),
            (AccountToken, AccountToken.user_id),
            (RulesAcceptance, RulesAcceptance.user_id),
            (SsoIdentity, SsoIdentity.user_id),
            (Membership, Membership.user_id),
            (Claim, Claim.moderator_id),
            (IdempotencyRecord, IdempotencyRecord.user_id),
            (Report, Report.reporter_id),
        ):
            await self.session.execute(delete(model).where(column == user_id))
        await self.session.execute(delete(LoginFailure).where(LoginFailure.email == old_email))
        await self.session.execute(delete(MailMessage).where(MailMessage.to_address == old_email))
        # The name leaves every cached public page: the profile triggers bump versions on a rename, not a delete.
        await self.session.execute(
            update(Article)
            .where(Article.id.in_(select(Comment.article_id).where(Comment.author_id == user_id)))
            .values(version=Article.version + 1)
            .execution_options(synchronize_session=False)
        )
        if user.profile is not None:
            await self.session.delete(user.profile)
            user.profile = None
        await self.session.flush()
        user.email = f"deleted-{user.id.hex}@deleted.invalid"
        user.password_hash = ""
        user.email_verified_at = None
        user.last_login_at = None
        user.is_superadmin = False
        user.deleted_at = now
        await self.session.commit()
