"""The demo site and article that `comments serve` creates on an empty database, so that a newcomer
can use the product at once (/demo shows the article with the widget under it)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.config import Settings
from comments.db import Article, Site
from comments.domain.sites.services import SiteService, origin_of

DEMO_SITE = "demo"
DEMO_ARTICLE = "putin-warning-tomahawk"
DEMO_TITLE = "Putin warns Washington over Tomahawk missiles for Ukraine"


async def create_demo_if_empty(session: AsyncSession, settings: Settings) -> str | None:
    """Creates the demo site and article when there is no site at all; returns the demo site key then."""
    if await session.scalar(select(func.count()).select_from(Site)):
        return None
    origins = {origin_of(settings.public_url), "http://127.0.0.1:8000", "http://localhost:8000"}
    site, key = await SiteService(session=session).create_site(
        DEMO_SITE, "The Daily Ledger (demo)", sorted(o for o in origins if o)
    )
    session.add(
        Article(
            site_id=site.id,
            external_id=DEMO_ARTICLE,
            url=settings.public_url.rstrip("/") + "/demo",
            title=DEMO_TITLE,
        )
    )
    await session.commit()
    return key
