"""Everything a moderator needs beside a queued comment, loaded for a whole page at once (a fixed number of
queries per page, whatever its size): article, parent, author and their history, reports, claim."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import Article, Claim, Comment, CommentStatus, Profile, Report, Sanction, User
from comments.db.service import view
from comments.domain.comments.pipeline import sanction_in_force as is_active
from comments.domain.comments.reasons import REPORTED, has_reason, pipeline_reasons, stored
from comments.domain.moderation import schemas as s


def _why(comment: Comment, open_reports: int, threshold: int) -> list[Any]:
    why: list[Any] = []
    if comment.status == CommentStatus.HELD:
        why.append("held")
    if open_reports >= threshold or has_reason(comment.reasons, REPORTED):
        why.append("reported")
    if comment.flagged and comment.status == CommentStatus.PUBLISHED:
        why.append("flagged")
    return why


async def build_items(
    session: AsyncSession,
    site_id: UUID,
    rows: list[tuple[Comment, int]],
    *,
    viewer_id: UUID,
    threshold: int,
    now: datetime,
) -> list[s.QueueItem]:
    if not rows:
        return []
    comments = [c for c, _ in rows]
    ids = [c.id for c in comments]
    author_ids = {c.author_id for c in comments}
    articles = {
        a.id: a for a in await session.scalars(select(Article).where(Article.id.in_({c.article_id for c in comments})))
    }
    parents = await _parents(session, {c.parent_id for c in comments if c.parent_id})
    authors = {
        row.id: row
        for row in await session.execute(
            select(User.id, User.created_at, Profile.display_name)
            .outerjoin(Profile, Profile.user_id == User.id)
            .where(User.id.in_(author_ids))
        )
    }
    counts = await _author_counts(session, site_id, author_ids)
    sanctions = await _active_sanctions(session, site_id, author_ids, now)
    reports = await _open_reports(session, ids)
    claims = await _claims(session, ids, viewer_id, now)
    items = []
    for comment, open_reports in rows:
        article = articles[comment.article_id]
        author = authors.get(comment.author_id)
        created = author.created_at if author else comment.created_at
        items.append(
            s.QueueItem(
                comment=view(s.QueueComment, comment, status=str(comment.status)),
                why=_why(comment, open_reports, threshold),
                article=s.ArticleRef(id=article.external_id, title=article.title, url=article.url),
                parent=parents.get(comment.parent_id) if comment.parent_id else None,
                author=s.AuthorInfo(
                    id=comment.author_id,
                    display_name=author.display_name if author else None,
                    account_created_at=created,
                    account_age_days=max(0, (now - created).days),
                    counts=counts.get(comment.author_id, s.AuthorCounts(0, 0, 0)),
                    active_sanctions=sanctions.get(comment.author_id, []),
                ),
                scores=comment.scores,
                model=comment.model,
                reasons=stored(pipeline_reasons(comment.reasons)),
                spans=msgspec.convert(comment.spans, list[s.SpanView]) if comment.spans else None,
                open_reports=open_reports,
                reports=reports.get(comment.id, []),
                claim=claims.get(comment.id),
            )
        )
    return items


async def _parents(session: AsyncSession, parent_ids: set[UUID | None]) -> dict[UUID, s.ParentRef]:
    if not parent_ids:
        return {}
    rows = await session.execute(
        select(Comment.id, Comment.status, Comment.body, Profile.display_name)
        .outerjoin(Profile, Profile.user_id == Comment.author_id)
        .where(Comment.id.in_(parent_ids))
    )
    return {
        row.id: s.ParentRef(
            id=row.id,
            status=str(row.status),  # type: ignore[arg-type]
            body=None if row.status == CommentStatus.DELETED else row.body,
            author_name=row.display_name,
        )
        for row in rows
    }


async def _author_counts(session: AsyncSession, site_id: UUID, author_ids: set[UUID]) -> dict[UUID, s.AuthorCounts]:
    rows = await session.execute(
        select(Comment.author_id, Comment.status, func.count())
        .where(Comment.site_id == site_id, Comment.author_id.in_(author_ids))
        .group_by(Comment.author_id, Comment.status)
    )
    by_author: dict[UUID, dict[str, int]] = defaultdict(dict)
    for author_id, status, n in rows.all():
        by_author[author_id][str(status)] = n
    return {
        author: s.AuthorCounts(published=c.get("published", 0), held=c.get("held", 0), rejected=c.get("rejected", 0))
        for author, c in by_author.items()
    }


async def _active_sanctions(
    session: AsyncSession, site_id: UUID, user_ids: set[UUID], now: datetime
) -> dict[UUID, list[s.SanctionBrief]]:
    rows = await session.scalars(
        select(Sanction)
        .where(Sanction.site_id == site_id, Sanction.user_id.in_(user_ids), Sanction.lifted_at.is_(None))
        .order_by(Sanction.created_at)
    )
    found: dict[UUID, list[s.SanctionBrief]] = defaultdict(list)
    for row in rows:
        if is_active(row, now):
            found[row.user_id].append(
                s.SanctionBrief(
                    id=row.id,
                    kind=str(row.kind),  # type: ignore[arg-type]
                    reason=row.reason,
                    until=row.until,
                    created_at=row.created_at,
                )
            )
    return found


async def _open_reports(session: AsyncSession, comment_ids: list[UUID]) -> dict[UUID, list[s.ReportView]]:
    rows = await session.scalars(
        select(Report)
        .where(Report.comment_id.in_(comment_ids), Report.resolved_at.is_(None))
        .order_by(Report.created_at, Report.id)
    )
    found: dict[UUID, list[s.ReportView]] = defaultdict(list)
    for row in rows:
        found[row.comment_id].append(
            s.ReportView(reporter_id=row.reporter_id, reason=row.reason, note=row.note, created_at=row.created_at)
        )
    return found


async def _claims(
    session: AsyncSession, comment_ids: list[UUID], viewer_id: UUID, now: datetime
) -> dict[UUID, s.ClaimView]:
    rows = await session.execute(
        select(Claim, Profile.display_name)
        .outerjoin(Profile, Profile.user_id == Claim.moderator_id)
        .where(Claim.comment_id.in_(comment_ids), Claim.expires_at > now)
    )
    return {claim.comment_id: claim_view(claim, name, viewer_id) for claim, name in rows.all()}


def claim_view(claim: Claim, name: str | None, viewer_id: UUID) -> s.ClaimView:
    return s.ClaimView(
        comment_id=claim.comment_id,
        moderator_id=claim.moderator_id,
        moderator_name=name,
        expires_at=claim.expires_at,
        mine=claim.moderator_id == viewer_id,
    )
