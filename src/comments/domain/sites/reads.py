"""The front of the public read path: on a cache hit it answers from the version probe and the
per-process cache alone, without opening a session (no pool checkout, no transaction to commit) and
without building repository services; the session and the services come into being on a miss."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from comments.db.engine import request_session
from comments.db.probe import NOT_FOUND, VersionProbe
from comments.domain.sites.readcache import ReadCache
from comments.domain.sites.services import ArticleRef, SiteService
from comments.errors import NoSuchArticle, NoSuchSite


class SiteReads:
    def __init__(self, connection: Any, cache: ReadCache, probe: VersionProbe | None) -> None:
        self.connection = connection
        self.cache = cache
        self.probe = probe

    @cached_property
    def session(self) -> AsyncSession:
        return request_session(self.connection)  # the request's own, committed and closed with it

    @cached_property
    def sites(self) -> SiteService:
        return SiteService(session=self.session, cache=self.cache, probe=self.probe)

    async def article_ref(self, slug: str, article: str) -> ArticleRef:
        """The article's id and version: one indexed lookup through the probe."""
        row = await self.probe.article(slug, article) if self.probe is not None else None
        if row is None:  # no probe, or it could not answer now
            return await self.sites.article_ref(slug, article)
        if row is NOT_FOUND:
            raise NoSuchSite(slug)
        if row[1] is None:
            raise NoSuchArticle(article, slug)
        return ArticleRef(row[1], article, row[2])

    async def counts(self, slug: str, articles: list[str]) -> dict[str, int]:
        """Published comment counts: one indexed lookup of the articles (their counts are kept by the
        database), so nothing to cache."""
        counts = SiteService.count_slots(articles)
        rows = await self.probe.articles(slug, list(counts)) if self.probe is not None else None
        if rows is None:
            return await self.sites.public_counts(slug, articles)
        if not rows:
            raise NoSuchSite(slug)
        counts.update({external_id: n for _, external_id, article_id, n in rows if article_id is not None})
        return counts
