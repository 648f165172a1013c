"""The queue as SQL: which comments need a decision, their open report counts, filters, sorts and keyset
cursors. Held comments come from the (site, status, created_at) index, flagged ones from a partial index,
reported ones from the open reports; no branch scans a site's published comments."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec
from sqlalchemy import ColumnElement, Select, and_, exists, func, literal_column, or_, select, true, union
from sqlalchemy.sql.selectable import Subquery

from comments.db import Comment, CommentStatus, Report
from comments.errors import InvalidInput

Sort = Literal["oldest", "toxicity", "reports"]
QUEUED_STATUSES = (CommentStatus.HELD, CommentStatus.PUBLISHED)
NO_SCORE = -1.0
"""Sorts unscored comments (classifier_unavailable) after every scored one under `toxicity`."""


@dataclass(frozen=True, slots=True)
class QueueFilter:
    article_id: UUID | None = None
    reason: str | None = None
    label: str = "toxicity"
    min_score: float | None = None
    max_score: float | None = None
    reported_only: bool = False
    author_id: UUID | None = None


def open_reports(site_id: UUID) -> Subquery:
    """Per comment of the site: reports no decision has resolved yet."""
    return (
        select(Report.comment_id, func.count().label("n"), func.max(Report.created_at).label("last_at"))
        .where(Report.site_id == site_id, Report.resolved_at.is_(None))
        .group_by(Report.comment_id)
        .subquery("open_reports")
    )


def queued_ids(site_id: UUID, threshold: int) -> Subquery:
    held = select(Comment.id.label("id")).where(Comment.site_id == site_id, Comment.status == CommentStatus.HELD)
    flagged = select(Comment.id.label("id")).where(
        Comment.site_id == site_id, Comment.flagged.is_(True), Comment.status == CommentStatus.PUBLISHED
    )
    reported = (
        select(Report.comment_id.label("id"))
        .where(Report.site_id == site_id, Report.resolved_at.is_(None))
        .group_by(Report.comment_id)
        .having(func.count() >= threshold)
    )
    return union(held, flagged, reported).subquery("queued")


def _reason_elements(dialect: str) -> tuple[Any, ColumnElement[Any]]:
    """A table of the elements of comment.reasons, and the expression for an element's code."""
    if dialect == "postgresql":
        elements = func.jsonb_array_elements(Comment.reasons).table_valued("value")
        return elements, elements.c.value.op("->>")(literal_column("'code'"))
    elements = func.json_each(Comment.reasons).table_valued("value")
    return elements, func.json_extract(elements.c.value, literal_column("'$.code'"))


def has_reason(dialect: str, code: str) -> ColumnElement[bool]:
    elements, element_code = _reason_elements(dialect)
    return exists(select(literal_column("1")).select_from(elements).where(element_code == code))


def reason_counts(dialect: str, site_id: UUID, threshold: int) -> Select[Any]:
    """(code, queue items with a reason of that code)."""
    ids = queued_ids(site_id, threshold)
    elements, element_code = _reason_elements(dialect)
    return (
        select(element_code.label("code"), func.count(func.distinct(Comment.id)))
        .select_from(Comment)
        .join(ids, ids.c.id == Comment.id)
        .join(elements, true())
        .where(Comment.status.in_(QUEUED_STATUSES))
        .group_by(element_code)
    )


def score_of(label: str) -> ColumnElement[float]:
    return func.coalesce(Comment.scores[label].as_float(), NO_SCORE)


def queue_select(dialect: str, site_id: UUID, threshold: int, where: QueueFilter) -> tuple[Select[Any], Subquery]:
    """Comments in the queue with their open report count, filtered; not yet sorted or paged."""
    ids = queued_ids(site_id, threshold)
    reports = open_reports(site_id)
    count = func.coalesce(reports.c.n, 0)
    query = (
        select(Comment, count.label("open_reports"))
        .join(ids, ids.c.id == Comment.id)
        .outerjoin(reports, reports.c.comment_id == Comment.id)
        .where(Comment.status.in_(QUEUED_STATUSES))
    )
    if where.article_id is not None:
        query = query.where(Comment.article_id == where.article_id)
    if where.author_id is not None:
        query = query.where(Comment.author_id == where.author_id)
    if where.reason:
        query = query.where(has_reason(dialect, where.reason))
    if where.reported_only:
        query = query.where(count > 0)
    score = Comment.scores[where.label].as_float()
    if where.min_score is not None:
        query = query.where(score >= where.min_score)
    if where.max_score is not None:
        query = query.where(score <= where.max_score)
    return query, reports


class Position(msgspec.Struct, array_like=True):
    sort: str
    key: float | None
    created_at: datetime
    id: UUID


def encode_position(sort: Sort, key: float | None, created_at: datetime, id_: UUID) -> str:
    raw = msgspec.json.encode(Position(sort, key, created_at, id_))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_position(cursor: str, sort: Sort) -> Position:
    try:
        pos = msgspec.json.decode(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)), type=Position)
    except (ValueError, msgspec.DecodeError) as exc:
        raise _bad_cursor("Not a cursor this service made.") from exc
    if pos.sort != sort or (sort != "oldest" and pos.key is None):
        raise _bad_cursor("This cursor belongs to another sort order.")
    return pos


def _bad_cursor(message: str) -> InvalidInput:
    return InvalidInput(
        "The cursor is not valid: use next_cursor from a previous page with the same sort.",
        errors=[{"pointer": "/cursor", "message": message}],
    )


def sort_key(sort: Sort, label: str, reports: Subquery) -> ColumnElement[Any] | None:
    """The leading sort key (descending); None for `oldest`, which is (created_at, id) alone."""
    if sort == "toxicity":
        return score_of(label)
    if sort == "reports":
        return func.coalesce(reports.c.n, 0)
    return None


def ordered_page(
    query: Select[Any], key: ColumnElement[Any] | None, cursor: Position | None, limit: int
) -> Select[Any]:
    """Keyset paging: the leading key descending, then oldest first, id as the tie-breaker."""
    after_time = (
        or_(
            Comment.created_at > cursor.created_at,
            and_(Comment.created_at == cursor.created_at, Comment.id > cursor.id),
        )
        if cursor
        else None
    )
    if key is None:
        if after_time is not None:
            query = query.where(after_time)
        return query.order_by(Comment.created_at, Comment.id).limit(limit)
    if cursor is not None:
        query = query.where(or_(key < cursor.key, and_(key == cursor.key, after_time)))
    return query.add_columns(key.label("sort_key")).order_by(key.desc(), Comment.created_at, Comment.id).limit(limit)
