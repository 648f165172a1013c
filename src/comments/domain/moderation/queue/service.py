"""The moderation queue of a site: held comments, flagged ones, and published ones whose open reports
reached the site's threshold; filtered, sorted, in keyset pages; and the counts behind the tabs."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select

from comments.clock import utcnow
from comments.db import Article, Comment, CommentStatus
from comments.db.lookups import site_by_slug
from comments.db.service import Service
from comments.domain.accounts.services import CurrentUser
from comments.domain.moderation import schemas as s
from comments.domain.moderation.queue.items import build_items
from comments.domain.moderation.queue.query import (
    QueueFilter,
    Sort,
    Sources,
    decode_position,
    encode_position,
    merge_pages,
    ordered_page,
    reason_counts,
    reported_ids,
    sort_key,
    source_select,
)
from comments.domain.rules.stored import site_rules
from comments.errors import NoSuchArticle


class QueueService(Service[Comment]):
    model_type = Comment

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def list_queue(
        self,
        slug: str,
        user: CurrentUser,
        *,
        article: str | None = None,
        reason: str | None = None,
        label: str = "toxicity",
        min_score: float | None = None,
        max_score: float | None = None,
        reported_only: bool = False,
        author: UUID | None = None,
        sort: Sort = "oldest",
        cursor: str | None = None,
        limit: int = 20,
    ) -> s.QueuePage:
        site = await site_by_slug(self.session, slug)
        threshold = site_rules(site).reports.threshold
        article_id = None
        if article is not None:
            article_id = await self.session.scalar(
                select(Article.id).where(Article.site_id == site.id, Article.external_id == article)
            )
            if article_id is None:
                raise NoSuchArticle(article, site.slug)
        where = QueueFilter(
            article_id=article_id,
            reason=reason,
            label=label,
            min_score=min_score,
            max_score=max_score,
            reported_only=reported_only,
            author_id=author,
        )
        position = decode_position(cursor, sort) if cursor else None
        sources = await self._sources(site.id, threshold)
        found = []
        for source in sources.active():
            query = source_select(self.dialect, sources, source, where)
            found += (await self.session.execute(ordered_page(query, sort_key(sort, label), position, limit + 1))).all()
        rows = merge_pages(found, sort, limit + 1)
        more, rows = len(rows) > limit, rows[:limit]
        now = utcnow()
        items = await build_items(
            self.session,
            site.id,
            [(row[0], row[1]) for row in rows],
            viewer_id=user.id,
            threshold=threshold,
            now=now,
        )
        next_cursor = None
        if more and rows:
            last = rows[-1]
            next_cursor = encode_position(
                sort, None if sort == "oldest" else float(last.sort_key), last[0].created_at, last[0].id
            )
        return s.QueuePage(items=items, next_cursor=next_cursor, sort=sort)

    async def counts(self, slug: str) -> s.QueueCounts:
        site = await site_by_slug(self.session, slug)
        sources = await self._sources(site.id, site_rules(site).reports.threshold)
        by_source = {
            source: await self.session.scalar(select(func.count()).where(sources.condition(source))) or 0
            for source in sources.active()
        }
        # The `reported` tab also holds comments hidden (held) because of their reports.
        reported = await self.session.scalar(
            select(func.count()).where(
                Comment.id.in_(sources.reported), Comment.status.in_((CommentStatus.HELD, CommentStatus.PUBLISHED))
            )
        )
        by_reason = (await self.session.execute(reason_counts(self.dialect, sources))).tuples().all()
        return s.QueueCounts(
            total=sum(by_source.values()),
            held=by_source["held"],
            reported=reported or 0,
            flagged=by_source["flagged"],
            by_reason={code: n for code, n in by_reason if code},
        )

    async def _sources(self, site_id: UUID, threshold: int) -> Sources:
        reported = await self.session.scalars(reported_ids(site_id, threshold))
        return Sources(site_id=site_id, reported=tuple(reported))
