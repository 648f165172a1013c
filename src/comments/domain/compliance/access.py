"""Who may see what: notices and appeals to the site's moderators and admins, a statement to its recipient
and the site's staff, the report to the site's admins. Refusals for things named by id are 404s, so that
staff of other sites and other readers learn nothing. The role check is the one in sites.roles (in memory:
the caller's memberships come with their session)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Row, Select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import Role, Site
from comments.db.lookups import site_by_slug
from comments.domain.accounts.services import CurrentUser
from comments.domain.sites.roles import has_role
from comments.errors import Forbidden, NotFound


def is_staff(user: CurrentUser | None, site_id: UUID, minimum: Role = Role.MODERATOR) -> bool:
    return user is not None and has_role(user, site_id, minimum)


async def site_for(session: AsyncSession, slug: str, user: CurrentUser, minimum: Role) -> Site:
    """The site, if `user` holds `minimum` there (the route guards check first; services check again
    because they are called from elsewhere too)."""
    site = await site_by_slug(session, slug)
    if not has_role(user, site.id, minimum):
        raise Forbidden(f"Only this site's {minimum}s can do this.")
    return site


async def staff_row(session: AsyncSession, query: Select[Any], user: CurrentUser, missing: str) -> Row[Any]:
    """The one row of `query` (whose last entity is the site) if `user` is staff there; otherwise NotFound
    with `missing`, the same answer as for a row that does not exist."""
    found = (await session.execute(query)).one_or_none()
    if found is None or not is_staff(user, found[-1].id):
        raise NotFound(missing)
    return found
