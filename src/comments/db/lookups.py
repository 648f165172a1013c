"""Row lookups every package needs, each with its one 404."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.db.sites import Site
from comments.errors import NoSuchSite


async def site_by_slug(session: AsyncSession, slug: str) -> Site:
    """The site, or NoSuchSite (404). Role checks are the guards' (comments.domain.sites.roles)."""
    site = await session.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        raise NoSuchSite(slug)
    return site
