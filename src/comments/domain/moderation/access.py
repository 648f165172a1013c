"""Service-side role checks: which sites a user moderates, and loading a comment for a moderator."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import Comment, Membership, Role, Site
from comments.domain.accounts.services import CurrentUser
from comments.domain.sites.guards import RANK
from comments.errors import Forbidden, NoSuchSite, NotFound


async def role_on(session: AsyncSession, user_id: UUID, site_id: UUID) -> Role | None:
    """The membership role (superadmins are not looked up here: callers check the flag)."""
    role = await session.scalar(
        select(Membership.role).where(Membership.user_id == user_id, Membership.site_id == site_id)
    )
    return Role(role) if role else None


async def has_role(session: AsyncSession, user: CurrentUser, site_id: UUID, minimum: Role) -> bool:
    if user.is_superadmin:
        return True
    role = await role_on(session, user.id, site_id)
    return role is not None and RANK[role] >= RANK[minimum]


async def site_for_staff(session: AsyncSession, slug: str, user: CurrentUser, minimum: Role) -> Site:
    """The site, if `user` holds at least `minimum` there. The route guards check this first; services
    check again because they are also called from elsewhere (CLI, tests)."""
    site = await session.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        raise NoSuchSite(slug)
    if not await has_role(session, user, site.id, minimum):
        raise Forbidden(f"Only this site's {minimum}s can do this.")
    return site


async def comment_for_moderator(session: AsyncSession, comment_id: UUID, user: CurrentUser) -> tuple[Comment, Site]:
    """The comment and its site, if `user` moderates that site. Otherwise 404, exactly as for a comment
    that does not exist: moderators of other sites learn nothing."""
    row = (
        await session.execute(
            select(Comment, Site).join(Site, Site.id == Comment.site_id).where(Comment.id == comment_id)
        )
    ).one_or_none()
    if row is not None and await has_role(session, user, row[1].id, Role.MODERATOR):
        return row[0], row[1]
    raise NotFound("There is no such comment.")


async def comment_on_site(session: AsyncSession, comment_id: UUID, site: Site) -> Comment:
    """A comment of `site` (whose staff the caller was checked to be), else 404."""
    comment = await session.scalar(select(Comment).where(Comment.id == comment_id, Comment.site_id == site.id))
    if comment is None:
        raise NotFound("There is no such comment.")
    return comment
