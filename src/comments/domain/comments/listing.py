"""Threaded listing: top-level comments in keyset pages, a bounded number of replies under each.

What a viewer sees: published comments; removed ones that still have replies (as 'comment removed', so
the thread keeps its shape); and their own held or rejected comments with the reasons.

The read path is split so that most of it can be shared between viewers and cached:
- the *public* part of a page (what an anonymous reader sees) comes from one statement that returns the
  page's top-level comments, up to REPLIES_PER_ROOT replies under each with their counts, and the
  thread's total, as plain rows; it is the same for every viewer and is cached per article version;
- a logged-in reader's own held and rejected comments (and the reasons on their own published ones) come
  from one small statement of their own, merged into a copy of the public part.

Statements are built once at import (bind parameters for everything that varies), so a request pays
neither statement construction nor SQLAlchemy's compile-cache key generation for fresh aliases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

import msgspec
from sqlalchemy import Integer, and_, bindparam, case, func, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from comments.db import Article, Comment, CommentStatus, Profile
from comments.domain.comments import schemas as s
from comments.domain.comments.reasons import MODERATOR_APPROVED, Reason, reasons_of
from comments.pagination import decode_cursor, encode_cursor

REPLIES_PER_ROOT = 20
MAX_PAGE = 100
MAX_OWN_ROWS = 500
"""Bound on one viewer's own rows per statement (their hidden top-level comments are also bounded by
the page size)."""

Sort = Literal["newest", "oldest"]

PUBLISHED, DELETED = CommentStatus.PUBLISHED.value, CommentStatus.DELETED.value
HIDDEN = [CommentStatus.HELD.value, CommentStatus.REJECTED.value]


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
    """One ORM comment as its author sees it (the answer to a post or an edit)."""
    row = Row(
        comment.id,
        comment.parent_id,
        comment.root_id,
        comment.depth,
        comment.author_id,
        display_name,
        comment.body,
        str(comment.status),
        comment.created_at,
        comment.edited_at,
        0,
    )
    own = viewer_id is not None and comment.author_id == viewer_id
    return _view(row, article_external_id, comment.reasons if own else None, edit_window, now)


# --- statements, built once ---------------------------------------------------------------------------

_reply = aliased(Comment, name="reply")

# Shown to everyone: published, or removed but still holding up published replies.
PUBLIC = or_(
    Comment.status == PUBLISHED,
    and_(
        Comment.status == DELETED,
        select(_reply.id)
        .where(
            _reply.article_id == Comment.article_id,
            _reply.parent_id == Comment.id,
            _reply.status == PUBLISHED,
        )
        .exists(),
    ),
)

COLUMNS = (
    Comment.id,
    Comment.parent_id,
    Comment.root_id,
    Comment.depth,
    Comment.author_id,
    AUTHOR_NAME.label("display_name"),
    Comment.body,
    Comment.status,
    Comment.created_at,
    Comment.edited_at,
)


def _after(descending: bool) -> Any:
    at, id_ = bindparam("cursor_at", type_=Comment.created_at.type), bindparam("cursor_id", type_=Comment.id.type)
    # The leading bound on created_at alone lets both databases start the index range at the cursor.
    if descending:
        return and_(Comment.created_at <= at, or_(Comment.created_at < at, Comment.id < id_))
    return and_(Comment.created_at >= at, or_(Comment.created_at > at, Comment.id > id_))


def _order(descending: bool) -> tuple[Any, ...]:
    return (Comment.created_at.desc(), Comment.id.desc()) if descending else (Comment.created_at, Comment.id)


def _public_page(descending: bool, with_cursor: bool) -> Any:
    """kind 0: the page's top-level comments (limit + 1, to know whether more follow); kind 1: up to
    REPLIES_PER_ROOT replies under each, with the number of replies shown under that root; kind 2: one
    row holding the thread's published total. One round trip for the whole public page."""
    roots = select(Comment.id).where(Comment.article_id == bindparam("article_id"), Comment.parent_id.is_(None), PUBLIC)
    if with_cursor:
        roots = roots.where(_after(descending))
    page = roots.order_by(*_order(descending)).limit(bindparam("limit", type_=Integer)).cte("page")
    ranked = (
        select(
            Comment.id.label("id"),
            func.row_number().over(partition_by=Comment.root_id, order_by=(Comment.created_at, Comment.id)).label("n"),
            func.count().over(partition_by=Comment.root_id).label("shown"),
        )
        .where(Comment.root_id.in_(select(page.c.id)), PUBLIC)
        .cte("ranked")
    )
    # Kept exact by the triggers of migration 6c073b63007d: no count over a big thread.
    total = select(Article.published_count).where(Article.id == bindparam("article_id")).scalar_subquery()
    top = (
        select(literal(0, Integer).label("kind"), *COLUMNS, literal(0, Integer).label("shown"))
        .join(page, page.c.id == Comment.id)
        .outerjoin(Profile, Profile.user_id == Comment.author_id)
    )
    replies = (
        select(literal(1, Integer), *COLUMNS, ranked.c.shown)
        .join(ranked, ranked.c.id == Comment.id)
        .outerjoin(Profile, Profile.user_id == Comment.author_id)
        .where(ranked.c.n <= REPLIES_PER_ROOT)
    )
    nothing = [null()] * len(COLUMNS)
    return union_all(top, replies, select(literal(2, Integer), *nothing, total))


PUBLIC_PAGE = {(d, c): _public_page(d, c) for d in (True, False) for c in (True, False)}


def _public_replies(with_cursor: bool) -> Any:
    query = (
        select(*COLUMNS, literal(0, Integer))
        .outerjoin(Profile, Profile.user_id == Comment.author_id)
        .where(Comment.root_id == bindparam("root_id"), PUBLIC)
    )
    if with_cursor:
        query = query.where(_after(False))
    return query.order_by(*_order(False)).limit(bindparam("limit", type_=Integer))


PUBLIC_REPLIES = {c: _public_replies(c) for c in (True, False)}


def _replies_for_roots() -> Any:
    """Up to REPLIES_PER_ROOT public replies under each of some top-level comments, with the number
    shown under each (for a viewer's own hidden top-level comments, which the public page lacks)."""
    ranked = (
        select(
            Comment.id.label("id"),
            func.row_number().over(partition_by=Comment.root_id, order_by=(Comment.created_at, Comment.id)).label("n"),
            func.count().over(partition_by=Comment.root_id).label("shown"),
        )
        .where(Comment.root_id.in_(bindparam("root_ids", expanding=True)), PUBLIC)
        .cte("ranked")
    )
    return (
        select(*COLUMNS, ranked.c.shown)
        .join(ranked, ranked.c.id == Comment.id)
        .outerjoin(Profile, Profile.user_id == Comment.author_id)
        .where(ranked.c.n <= REPLIES_PER_ROOT)
    )


REPLIES_FOR_ROOTS = _replies_for_roots()


def _own_rows(descending: bool, with_cursor: bool) -> Any:
    """A viewer's own rows for one page, in one round trip. part 0: their hidden top-level comments
    from the cursor on (limit + 1); part 1: their hidden replies under the page's top-level comments;
    part 2: their shown comments on the page (for the reasons only they see)."""
    mine = and_(Comment.article_id == bindparam("article_id"), Comment.author_id == bindparam("viewer_id"))
    roots = select(literal(0, Integer).label("part"), *COLUMNS, Comment.reasons).where(
        mine, Comment.parent_id.is_(None), Comment.status.in_(HIDDEN)
    )
    if with_cursor:
        roots = roots.where(_after(descending))
    roots = roots.order_by(*_order(descending)).limit(bindparam("limit", type_=Integer))
    replies = (
        select(literal(1, Integer), *COLUMNS, Comment.reasons)
        .where(mine, Comment.root_id.in_(bindparam("root_ids", expanding=True)), Comment.status.in_(HIDDEN))
        .limit(MAX_OWN_ROWS)
    )
    shown = select(literal(2, Integer), *COLUMNS, Comment.reasons).where(
        mine, Comment.id.in_(bindparam("own_ids", expanding=True))
    )
    parts = [roots, replies, shown]
    parts = [p.outerjoin(Profile, Profile.user_id == Comment.author_id) for p in parts]
    return union_all(*(select(p.subquery()) for p in parts))


OWN_ROWS = {(d, c): _own_rows(d, c) for d in (True, False) for c in (True, False)}


def _own_replies(with_cursor: bool) -> Any:
    mine = and_(Comment.root_id == bindparam("root_id"), Comment.author_id == bindparam("viewer_id"))
    hidden = select(literal(0, Integer).label("part"), *COLUMNS, Comment.reasons).where(
        mine, Comment.status.in_(HIDDEN)
    )
    if with_cursor:
        hidden = hidden.where(_after(False))
    hidden = hidden.order_by(*_order(False)).limit(bindparam("limit", type_=Integer))
    shown = select(literal(2, Integer), *COLUMNS, Comment.reasons).where(
        mine, Comment.id.in_(bindparam("own_ids", expanding=True))
    )
    parts = [p.outerjoin(Profile, Profile.user_id == Comment.author_id) for p in (hidden, shown)]
    return union_all(*(select(p.subquery()) for p in parts))


OWN_REPLIES = {c: _own_replies(c) for c in (True, False)}


# --- rows and views -----------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Row:
    id: UUID
    parent_id: UUID | None
    root_id: UUID | None
    depth: int
    author_id: UUID
    display_name: str | None
    body: str
    status: str
    created_at: datetime
    edited_at: datetime | None
    shown: int


@dataclass(slots=True)
class PublicPage:
    """The part of a thread page every viewer shares: cached per (article, version, sort, cursor, limit)."""

    roots: list[Row]
    """Up to limit + 1 top-level comments, in page order."""
    replies: dict[UUID, list[Row]]
    """Up to REPLIES_PER_ROOT replies per top-level comment, oldest first."""
    reply_counts: dict[UUID, int]
    total: int
    encoded: bytes | None = None
    """The anonymous answer, encoded once."""


@dataclass(slots=True)
class PublicReplies:
    rows: list[Row]
    encoded: bytes | None = None


@dataclass(slots=True)
class Viewer:
    """A logged-in reader and what their own comments need: the edit window and the time now."""

    id: UUID
    edit_window: timedelta
    now: datetime


def _row(values: Any) -> Row:
    return Row(*values[:11])


def _key(row: Row) -> tuple[datetime, UUID]:
    return (row.created_at, row.id)


def _view(
    row: Row, article: str, reasons: list[dict[str, Any]] | None, edit_window: timedelta | None, now: datetime | None
) -> s.Comment:
    """`reasons` is None unless the viewer wrote the comment."""
    own = reasons is not None
    removed = row.status == DELETED
    editable_until = None
    if own and not removed and edit_window is not None and now is not None:
        until = row.created_at + edit_window
        editable_until = until if now < until else None
    return s.Comment(
        id=row.id,
        article=article,
        parent_id=row.parent_id,
        depth=row.depth,
        author=None if removed else _author(row.author_id, row.display_name),
        body=None if removed else row.body,
        status=row.status,  # type: ignore[arg-type]
        created_at=row.created_at,
        edited_at=row.edited_at,
        is_own=own,
        editable_until=editable_until,
        reasons=[s.Reason(r.code, r.action, r.message) for r in shown_reasons(reasons_of(reasons))] if own else [],
    )


def _cursor_params(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    pos = decode_cursor(cursor)
    return {"cursor_at": pos.created_at, "cursor_id": pos.id}


def _nest(roots: list[s.Comment], replies: list[tuple[Row, s.Comment]]) -> None:
    """Replies under their parent; a reply whose parent this viewer cannot see hangs under its root."""
    by_id: dict[UUID, s.Comment] = {r.id: r for r in roots}
    children: dict[UUID | None, list[s.Comment]] = defaultdict(list)
    root_of: dict[UUID, UUID | None] = {}
    for row, view in sorted(replies, key=lambda pair: _key(pair[0])):
        by_id[view.id] = view
        root_of[view.id] = row.root_id
        children[row.parent_id].append(view)
    for parent_id, kids in children.items():
        parent = by_id.get(parent_id) if parent_id is not None else None
        if parent is None:
            root_id = root_of[kids[0].id]
            parent = by_id[root_id] if root_id is not None else None
        if parent is not None:
            parent.replies.extend(kids)


class ThreadReader:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # the public part

    async def public_page(self, article_id: UUID, *, cursor: str | None, limit: int, sort: Sort) -> PublicPage:
        limit = max(1, min(limit, MAX_PAGE))
        params = {"article_id": article_id, "limit": limit + 1, **_cursor_params(cursor)}
        statement = PUBLIC_PAGE[(sort == "newest", bool(cursor))]
        result = await self.session.execute(statement, params)
        roots: list[Row] = []
        replies: dict[UUID, list[Row]] = defaultdict(list)
        counts: dict[UUID, int] = {}
        total = 0
        for values in result.all():
            kind = values[0]
            if kind == 2:
                total = values[-1] or 0
                continue
            row = Row(*values[1:12])
            if kind == 0:
                roots.append(row)
            else:
                replies[row.root_id].append(row)  # type: ignore[index]
                counts[row.root_id] = row.shown  # type: ignore[index]
        roots.sort(key=_key, reverse=sort == "newest")
        for rows in replies.values():
            rows.sort(key=_key)
        return PublicPage(roots=roots, replies=dict(replies), reply_counts=counts, total=total)

    async def public_replies(self, root_id: UUID, *, cursor: str | None, limit: int) -> PublicReplies:
        limit = max(1, min(limit, MAX_PAGE))
        params = {"root_id": root_id, "limit": limit + 1, **_cursor_params(cursor)}
        result = await self.session.execute(PUBLIC_REPLIES[bool(cursor)], params)
        return PublicReplies(rows=[_row(v) for v in result.all()])

    # pages as a viewer sees them

    @staticmethod
    def encode_anonymous(page: PublicPage, article: str, *, limit: int, sort: Sort) -> bytes:
        if page.encoded is None:
            page.encoded = encode(ThreadReader.page_view(page, article, None, [], limit=limit, sort=sort))
        return page.encoded

    @staticmethod
    def page_view(
        page: PublicPage,
        article: str,
        viewer: Viewer | None,
        own: list[tuple[int, Row, list[dict[str, Any]]]],
        *,
        limit: int,
        sort: Sort,
    ) -> s.ThreadPage:
        """The public part with the viewer's own rows merged in. `own`: (part, row, reasons) from OWN_ROWS."""
        limit = max(1, min(limit, MAX_PAGE))
        reasons = {row.id: why for _, row, why in own}
        hidden_roots = [row for part, row, _ in own if part == 0]
        window = viewer.edit_window if viewer else None
        now = viewer.now if viewer else None

        def view(row: Row) -> s.Comment:
            return _view(row, article, reasons.get(row.id), window, now)

        roots = page.roots
        if hidden_roots:
            roots = sorted([*roots, *hidden_roots], key=_key, reverse=sort == "newest")
        more = len(roots) > limit
        roots = roots[:limit]
        items = [view(r) for r in roots]
        replies: list[tuple[Row, s.Comment]] = []
        hidden_replies: dict[UUID, list[Row]] = defaultdict(list)
        for part, row, _ in own:
            if part == 1:
                hidden_replies[row.root_id].append(row)  # type: ignore[index]
        for root, item in zip(roots, items, strict=True):
            shown = page.replies.get(root.id, [])
            mine = hidden_replies.get(root.id)
            if mine:
                shown = sorted([*shown, *mine], key=_key)[:REPLIES_PER_ROOT]
            replies += [(row, view(row)) for row in shown]
            item.reply_count = page.reply_counts.get(root.id, 0) + len(mine or ())
            item.more_replies = item.reply_count > REPLIES_PER_ROOT
        _nest(items, replies)
        last = roots[-1] if roots else None
        return s.ThreadPage(
            article=article,
            sort=sort,
            items=items,
            next_cursor=encode_cursor(last.created_at, last.id) if more and last else None,
            total=page.total,
        )

    async def own_rows(
        self, article_id: UUID, page: PublicPage, viewer: Viewer, *, cursor: str | None, limit: int, sort: Sort
    ) -> list[tuple[int, Row, list[dict[str, Any]]]]:
        """The viewer's own rows for this page (one statement)."""
        limit = max(1, min(limit, MAX_PAGE))
        shown = [r for r in page.roots if r.author_id == viewer.id]
        shown += [r for rows in page.replies.values() for r in rows if r.author_id == viewer.id]
        params = {
            "article_id": article_id,
            "viewer_id": viewer.id,
            "limit": limit + 1,
            "root_ids": [r.id for r in page.roots[:limit]],
            "own_ids": [r.id for r in shown],
            **_cursor_params(cursor),
        }
        result = await self.session.execute(OWN_ROWS[(sort == "newest", bool(cursor))], params)
        return [(v[0], Row(*v[1:11], 0), v[11] or []) for v in result.all()]

    async def _with_hidden_roots(
        self,
        article_id: UUID,
        page: PublicPage,
        viewer: Viewer,
        on_page: list[UUID],
        own: list[tuple[int, Row, list[dict[str, Any]]]],
    ) -> PublicPage:
        """The viewer's own top-level comments hidden after readers replied keep their replies (for
        them): the public ones in one statement, the viewer's own hidden ones and reasons in another.
        Extends `own` in place."""
        result = await self.session.execute(REPLIES_FOR_ROOTS, {"root_ids": on_page})
        rows = [_row(v) for v in result.all()]
        replies: dict[UUID, list[Row]] = defaultdict(list)
        for row in rows:
            replies[row.root_id].append(row)  # type: ignore[index]
        params = {
            "article_id": article_id,
            "viewer_id": viewer.id,
            "limit": 1,
            "root_ids": on_page,
            "own_ids": [r.id for r in rows if r.author_id == viewer.id],
        }
        more = await self.session.execute(OWN_ROWS[(False, False)], params)
        own += [(v[0], Row(*v[1:11], 0), v[11] or []) for v in more.all() if v[0] != 0]  # part 0 is known
        return PublicPage(
            roots=page.roots,
            replies={**page.replies, **{k: sorted(v, key=_key) for k, v in replies.items()}},
            reply_counts={**page.reply_counts, **{k: v[0].shown for k, v in replies.items()}},
            total=page.total,
        )

    async def viewer_page(
        self,
        article_id: UUID,
        article: str,
        page: PublicPage,
        viewer: Viewer,
        *,
        cursor: str | None,
        limit: int,
        sort: Sort,
    ) -> s.ThreadPage:
        own = await self.own_rows(article_id, page, viewer, cursor=cursor, limit=limit, sort=sort)
        hidden = {row.id: row for part, row, _ in own if part == 0}
        if hidden:
            merged = sorted([*page.roots, *hidden.values()], key=_key, reverse=sort == "newest")
            on_page = [r.id for r in merged[: max(1, min(limit, MAX_PAGE))] if r.id in hidden]
            if on_page:
                page = await self._with_hidden_roots(article_id, page, viewer, on_page, own)
        return self.page_view(page, article, viewer, own, limit=limit, sort=sort)

    async def replies(
        self,
        root_id: UUID,
        article: str,
        public: PublicReplies,
        viewer: Viewer | None,
        *,
        cursor: str | None,
        limit: int,
    ) -> s.RepliesPage:
        """Every reply under a top-level comment, oldest first, flat (each says its parent_id)."""
        limit = max(1, min(limit, MAX_PAGE))
        rows = public.rows
        reasons: dict[UUID, list[dict[str, Any]]] = {}
        if viewer is not None:
            params = {
                "root_id": root_id,
                "viewer_id": viewer.id,
                "limit": limit + 1,
                "own_ids": [r.id for r in rows if r.author_id == viewer.id],
                **_cursor_params(cursor),
            }
            result = await self.session.execute(OWN_REPLIES[bool(cursor)], params)
            own = [(v[0], Row(*v[1:11], 0), v[11] or []) for v in result.all()]
            reasons = {row.id: why for _, row, why in own}
            hidden = [row for part, row, _ in own if part == 0]
            if hidden:
                rows = sorted([*rows, *hidden], key=_key)
        more = len(rows) > limit
        rows = rows[:limit]
        window = viewer.edit_window if viewer else None
        now = viewer.now if viewer else None
        last = rows[-1] if rows else None
        return s.RepliesPage(
            root_id=root_id,
            items=[_view(r, article, reasons.get(r.id), window, now) for r in rows],
            next_cursor=encode_cursor(last.created_at, last.id) if more and last else None,
        )


def encode(value: Any) -> bytes:
    return msgspec.json.encode(value)


def thread_key(article_id: UUID, version: int, sort: Sort, cursor: str | None, limit: int) -> tuple[Any, ...]:
    return ("thread", article_id, version, sort, cursor or "", limit)


def replies_key(article_id: UUID, version: int, root_id: UUID, cursor: str | None, limit: int) -> tuple[Any, ...]:
    return ("replies", article_id, version, root_id, cursor or "", limit)
