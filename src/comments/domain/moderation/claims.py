"""Claims: a moderator takes a queue item for a few minutes so that nobody else works it meanwhile.
Claims expire by themselves (nothing to clean up: an expired claim is simply taken over)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from comments.clock import utcnow
from comments.db import Claim, Comment, CommentStatus, Profile, Role, Site
from comments.db.service import Service
from comments.domain.accounts.services import CurrentUser
from comments.domain.moderation import schemas as s
from comments.domain.moderation.queue import claim_view
from comments.domain.sites.roles import has_role
from comments.errors import ClaimedByOther, Conflict, NotFound


async def comment_for_moderator(session: AsyncSession, comment_id: UUID, user: CurrentUser) -> tuple[Comment, Site]:
    """The comment and its site, if `user` moderates that site. Otherwise 404, exactly as for a comment
    that does not exist: moderators of other sites learn nothing."""
    row = (
        await session.execute(
            select(Comment, Site).join(Site, Site.id == Comment.site_id).where(Comment.id == comment_id)
        )
    ).one_or_none()
    if row is not None and has_role(user, row[1].id, Role.MODERATOR):
        return row[0], row[1]
    raise NotFound("There is no such comment.")


async def comment_on_site(session: AsyncSession, comment_id: UUID, site: Site) -> Comment:
    """A comment of `site` (whose staff the guard checked the caller to be), else 404."""
    comment = await session.scalar(select(Comment).where(Comment.id == comment_id, Comment.site_id == site.id))
    if comment is None:
        raise NotFound("There is no such comment.")
    return comment


async def live_claim(session: AsyncSession, comment_id: UUID, now: datetime) -> tuple[Claim, str | None] | None:
    row = (
        await session.execute(
            select(Claim, Profile.display_name)
            .outerjoin(Profile, Profile.user_id == Claim.moderator_id)
            .where(Claim.comment_id == comment_id, Claim.expires_at > now)
        )
    ).one_or_none()
    return (row[0], row[1]) if row else None


async def refuse_if_claimed_by_other(session: AsyncSession, comment_id: UUID, user: CurrentUser, now: datetime) -> None:
    """Deciding on a comment another moderator has claimed is a 409 naming them."""
    found = await live_claim(session, comment_id, now)
    if found is not None and found[0].moderator_id != user.id:
        raise _claimed(found[0], found[1], user)


def _claimed(claim: Claim, name: str | None, user: CurrentUser) -> ClaimedByOther:
    who = name or "another moderator"
    return ClaimedByOther(
        f"{who} is working on this comment until {claim.expires_at.isoformat()}.",
        claim={
            "moderator_id": str(claim.moderator_id),
            "moderator_name": name,
            "expires_at": claim.expires_at.isoformat(),
            "mine": claim.moderator_id == user.id,
        },
    )


class ClaimService(Service[Claim]):
    model_type = Claim

    async def claim(self, comment_id: UUID, user: CurrentUser, minutes: int) -> s.ClaimView:
        """Claim (or extend your claim on) a comment; 409 while someone else's claim lasts."""
        comment, site = await comment_for_moderator(self.session, comment_id, user)
        if comment.status == CommentStatus.DELETED:
            raise Conflict("The author removed this comment.", code="comment-deleted")
        now = utcnow()
        expires = now + timedelta(minutes=minutes)
        # One statement takes over an expired claim or extends one's own, so two moderators racing for
        # an expired claim cannot both win.
        taken = await self.session.execute(
            update(Claim)
            .where(Claim.comment_id == comment_id, or_(Claim.expires_at <= now, Claim.moderator_id == user.id))
            .values(moderator_id=user.id, expires_at=expires, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 0:
            found = await live_claim(self.session, comment_id, now)
            if found is not None:
                raise _claimed(found[0], found[1], user)
            self.session.add(Claim(comment_id=comment_id, site_id=site.id, moderator_id=user.id, expires_at=expires))
            try:
                await self.session.flush()
            except IntegrityError:  # another moderator claimed it a moment ago
                await self.session.rollback()
                found = await live_claim(self.session, comment_id, utcnow())
                if found is None:
                    raise
                raise _claimed(found[0], found[1], user) from None
        await self.session.commit()
        claim, name = await live_claim(self.session, comment_id, now) or (None, None)
        assert claim is not None
        return claim_view(claim, name, user.id)

    async def release(self, comment_id: UUID, user: CurrentUser) -> None:
        """Give a claim back. Admins may release anyone's claim; releasing nothing is fine."""
        comment, site = await comment_for_moderator(self.session, comment_id, user)
        now = utcnow()
        found = await live_claim(self.session, comment_id, now)
        others = found is not None and found[0].moderator_id != user.id
        if others and not has_role(user, site.id, Role.ADMIN):
            assert found is not None
            raise _claimed(found[0], found[1], user)
        await self.session.execute(delete(Claim).where(Claim.comment_id == comment.id))
        await self.session.commit()
