"""Who may see what: notices and appeals to the site's moderators and admins, a statement to its recipient
and the site's staff, the report to the site's admins. Refusals for things named by id are 404s, so that
staff of other sites and other readers learn nothing."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import Membership, Role, Site
from comments.domain.accounts.services import CurrentUser
from comments.errors import Forbidden, NoSuchSite

RANK = {Role.MODERATOR: 1, Role.ADMIN: 2}


async def is_staff(
    session: AsyncSession, user: CurrentUser | None, site_id: UUID, minimum: Role = Role.MODERATOR
) -> bool:
    if user is None:
        return False
    if user.is_superadmin:
        return True
    role = await session.scalar(
        select(Membership.role).where(Membership.user_id == user.id, Membership.site_id == site_id)
    )
    return role is not None and RANK[Role(role)] >= RANK[minimum]


async def site_for(session: AsyncSession, slug: str, user: CurrentUser, minimum: Role) -> Site:
    site = await session.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        raise NoSuchSite(slug)
    if not await is_staff(session, user, site.id, minimum):
        raise Forbidden(f"Only this site's {minimum}s can do this.")
    return site
