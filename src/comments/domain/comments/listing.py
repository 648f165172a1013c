"""Threaded listing: top-level comments in keyset pages, a bounded number of replies under each.

What a viewer sees: published comments; removed ones that still have replies (as 'comment removed', so
the thread keeps its shape); and their own held or rejected comments with the reasons.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from comments.db import Article, Comment, CommentStatus, Profile
from comments.domain.comments import schemas as s
from comments.domain.comments.reasons import MODERATOR_APPROVED, Reason, reasons_of
from comments.pagination import keyset_page

REPLIES_PER_ROOT = 20
MAX_PAGE = 100

Sort = Literal["newest", "oldest"]
BY_TIME = (Comment.created_at, Comment.id)


def _author(author_id: UUID, display_name: str | None) -> s.Author:
    if display_name == DELETED_AUTHOR:
        return s.Author(id=author_id, display_name=None, deleted_account=True)
    return s.Author(id=author_id, display_name=display_name)


def shown_reasons(reasons: list[Reason]) -> list[Reason]:
    """What the author is told. Once a moderator approved the comment, that alone: the reason it was held
    no longer applies. A rejection or a report keeps the earlier reasons beside it."""
    if reasons and reasons[-1].code == MODERATOR_APPROVED:
        return reasons[-1:]
    return reasons


DELETED_AUTHOR = "@deleted"
"""Stands for the name of an author who deleted their account ('@' is never in a display name)."""
# Every account has a profile row until it is deleted: no row means "deleted account".
AUTHOR_NAME = case((Profile.id.is_(None), literal(DELETED_AUTHOR)), else_=Profile.display_name)


def present(
    comment: Comment,
    article_external_id: str,
    display_name: str | None,
    *,
    viewer_id: UUID | None,
    edit_window: timedelta,
    now: datetime,
) -> s.Comment:
    own = viewer_id is not None and comment.author_id == viewer_id
    removed = comment.status == CommentStatus.DELETED
    editable_until = comment.created_at + edit_window
    return s.Comment(
        id=comment.id,
        article=article_external_id,
        parent_id=comment.parent_id,
        depth=comment.depth,
        author=None if removed else _author(comment.author_id, display_name),
        body=None if removed else comment.body,
        status=str(comment.status),  # type: ignore[arg-type]
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        is_own=own,
        editable_until=editable_until if own and not removed and now < editable_until else None,
        reasons=[s.Reason(r.code, r.action, r.message) for r in shown_reasons(reasons_of(comment.reasons))]
        if own
        else [],
    )


def _visible_to(viewer_id: UUID | None):
    replies = aliased(Comment)
    shown = [
        Comment.status == CommentStatus.PUBLISHED,
        and_(
            Comment.status == CommentStatus.DELETED,
            exists().where(replies.parent_id == Comment.id, replies.status == CommentStatus.PUBLISHED),
        ),
    ]
    if viewer_id is not None:
        shown.append(
            and_(
                Comment.author_id == viewer_id,
                Comment.status.in_([CommentStatus.HELD, CommentStatus.REJECTED]),
            )
        )
    return or_(*shown)


class ThreadReader:
    def __init__(self, session: AsyncSession, *, edit_window: timedelta, now: datetime) -> None:
        self.session = session
        self.edit_window = edit_window
        self.now = now

    async def thread(
        self, article: Article, viewer_id: UUID | None, *, cursor: str | None, limit: int, sort: Sort
    ) -> s.ThreadPage:
        limit = max(1, min(limit, MAX_PAGE))
        newest = sort == "newest"
        query = (
            select(Comment, AUTHOR_NAME)
            .outerjoin(Profile, Profile.user_id == Comment.author_id)
            .where(Comment.article_id == article.id, Comment.parent_id.is_(None), _visible_to(viewer_id))
        )
        page = await keyset_page(self.session, query, BY_TIME, cursor, limit, descending=newest)
        items = [self._present(c, article.external_id, name, viewer_id) for c, name in page.rows]
        await self._attach_replies(article, items, viewer_id)
        total = await self.session.scalar(
            select(func.count()).where(Comment.article_id == article.id, Comment.status == CommentStatus.PUBLISHED)
        )
        return s.ThreadPage(
            article=article.external_id,
            sort=sort,
            items=items,
            next_cursor=page.next_cursor,
            total=total or 0,
        )

    async def replies(
        self, root: Comment, article: Article, viewer_id: UUID | None, *, cursor: str | None, limit: int
    ) -> s.RepliesPage:
        """Every reply under a top-level comment, oldest first, flat (each says its parent_id)."""
        limit = max(1, min(limit, MAX_PAGE))
        query = (
            select(Comment, AUTHOR_NAME)
            .outerjoin(Profile, Profile.user_id == Comment.author_id)
            .where(Comment.root_id == root.id, _visible_to(viewer_id))
        )
        page = await keyset_page(self.session, query, BY_TIME, cursor, limit)
        return s.RepliesPage(
            root_id=root.id,
            items=[self._present(c, article.external_id, name, viewer_id) for c, name in page.rows],
            next_cursor=page.next_cursor,
        )

    async def _attach_replies(self, article: Article, roots: list[s.Comment], viewer_id: UUID | None) -> None:
        """At most REPLIES_PER_ROOT replies under each root (oldest first), nested by parent."""
        if not roots:
            return
        root_ids = [r.id for r in roots]
        position = (
            func.row_number().over(partition_by=Comment.root_id, order_by=(Comment.created_at, Comment.id)).label("n")
        )
        ranked = (
            select(Comment.id.label("id"), position)
            .where(Comment.root_id.in_(root_ids), _visible_to(viewer_id))
            .subquery()
        )
        rows = (
            await self.session.execute(
                select(Comment, AUTHOR_NAME)
                .join(ranked, ranked.c.id == Comment.id)
                .outerjoin(Profile, Profile.user_id == Comment.author_id)
                .where(ranked.c.n <= REPLIES_PER_ROOT)
                .order_by(Comment.created_at, Comment.id)
            )
        ).all()
        counts = dict(
            (
                await self.session.execute(
                    select(Comment.root_id, func.count())
                    .where(Comment.root_id.in_(root_ids), _visible_to(viewer_id))
                    .group_by(Comment.root_id)
                )
            ).all()
        )
        by_id: dict[UUID, s.Comment] = {r.id: r for r in roots}
        children: dict[UUID, list[s.Comment]] = defaultdict(list)
        root_of: dict[UUID, UUID] = {}
        for comment, name in rows:
            view = self._present(comment, article.external_id, name, viewer_id)
            by_id[view.id] = view
            root_of[view.id] = comment.root_id
            children[comment.parent_id].append(view)
        for parent_id, kids in children.items():
            # A reply whose parent is hidden from this viewer hangs under its root instead of vanishing.
            parent = by_id.get(parent_id) or by_id[root_of[kids[0].id]]
            parent.replies.extend(kids)
        for root in roots:
            root.reply_count = counts.get(root.id, 0)
            root.more_replies = root.reply_count > REPLIES_PER_ROOT

    def _present(self, comment: Comment, article: str, name: str | None, viewer_id: UUID | None) -> s.Comment:
        return present(comment, article, name, viewer_id=viewer_id, edit_window=self.edit_window, now=self.now)
