"""The queue as SQL: which comments need a decision, their open report counts, filters, sorts and keyset
cursors.

The queue has three disjoint sources, queried separately and merged: held comments (from the
(site_id, status, created_at) index), flagged published ones (a partial index), and published ones whose
open reports reached the threshold (from the few open reports). Oldest-first pages therefore read about
one page from each index, whatever the queue's length; no source scans a site's published comments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec
from sqlalchemy import ColumnElement, Select, and_, exists, false, func, literal_column, or_, select, true, union_all
from sqlalchemy.sql.selectable import ScalarSelect, Subquery

from comments.db import Comment, CommentStatus, Report
from comments.pagination import Position as TimePosition
from comments.pagination import after, bad_cursor, decode_token, encode_token

Sort = Literal["oldest", "toxicity", "reports"]
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
    """Per comment of the site: reports no decision has resolved yet (for counts and stats)."""
    return (
        select(Report.comment_id, func.count().label("n"), func.max(Report.created_at).label("last_at"))
        .where(Report.site_id == site_id, Report.resolved_at.is_(None))
        .group_by(Report.comment_id)
        .subquery("open_reports")
    )


def open_report_count() -> ScalarSelect[int]:
    """A comment's open reports, as a correlated subquery: evaluated only for the rows a page needs (an
    index probe each), where joining the site's aggregated reports would let a planner without table
    statistics loop over every report for every queued comment."""
    return (
        select(func.count())
        .where(Report.comment_id == Comment.id, Report.resolved_at.is_(None))
        .correlate(Comment)
        .scalar_subquery()
    )


def reported_ids(site_id: UUID, threshold: int) -> Select[Any]:
    """Comments of the site whose open reports reached the threshold (read first, on their own: few rows,
    from the report index, so that no planner joins them against every published comment)."""
    return (
        select(Report.comment_id)
        .where(Report.site_id == site_id, Report.resolved_at.is_(None))
        .group_by(Report.comment_id)
        .having(func.count() >= threshold)
    )


Source = Literal["held", "flagged", "reported"]
SOURCES: tuple[Source, ...] = ("held", "flagged", "reported")


@dataclass(frozen=True, slots=True)
class Sources:
    """Where a site's queue comes from; the three sources never overlap."""

    site_id: UUID
    reported: tuple[UUID, ...]

    def condition(self, source: Source) -> ColumnElement[bool]:
        if source == "held":
            return and_(Comment.site_id == self.site_id, Comment.status == CommentStatus.HELD)
        # `flagged = true` (not IS TRUE), so that PostgreSQL matches the partial index's predicate.
        if source == "flagged":
            return and_(
                Comment.site_id == self.site_id, Comment.status == CommentStatus.PUBLISHED, Comment.flagged == true()
            )
        # The ids are this site's already; leaving site_id out steers planners to primary-key lookups
        # rather than a scan of the site's published comments.
        return and_(
            Comment.id.in_(self.reported), Comment.status == CommentStatus.PUBLISHED, Comment.flagged == false()
        )

    def active(self) -> tuple[Source, ...]:
        return SOURCES if self.reported else ("held", "flagged")

    def ids(self) -> Subquery:
        """The ids of every queued comment (for counts and stats)."""
        queued = (select(Comment.id.label("id")).where(self.condition(source)) for source in self.active())
        return union_all(*queued).subquery("queued")


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


def reason_counts(dialect: str, sources: Sources) -> Select[Any]:
    """(code, queue items with a reason of that code)."""
    ids = sources.ids()
    elements, element_code = _reason_elements(dialect)
    return (
        select(element_code.label("code"), func.count(func.distinct(Comment.id)))
        .select_from(Comment)
        .join(ids, ids.c.id == Comment.id)
        .join(elements, true())
        .group_by(element_code)
    )


def score_of(label: str) -> ColumnElement[float]:
    return func.coalesce(Comment.scores[label].as_float(), NO_SCORE)


def source_select(dialect: str, sources: Sources, source: Source, where: QueueFilter) -> Select[Any]:
    """One source's comments with their open report count, filtered; not yet sorted or paged."""
    count = open_report_count()
    query = select(Comment, count.label("open_reports")).where(sources.condition(source))
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
    return query


class Position(msgspec.Struct, array_like=True):
    sort: str
    key: float | None
    created_at: datetime
    id: UUID


INVALID_CURSOR = "The cursor is not valid: use next_cursor from a previous page with the same sort."


def encode_position(sort: Sort, key: float | None, created_at: datetime, id_: UUID) -> str:
    return encode_token(Position(sort, key, created_at, id_))


def decode_position(cursor: str, sort: Sort) -> Position:
    pos = decode_token(cursor, Position, detail=INVALID_CURSOR)
    if pos.sort != sort or (sort != "oldest" and pos.key is None):
        raise bad_cursor("This cursor belongs to another sort order.", INVALID_CURSOR)
    return pos


def sort_key(sort: Sort, label: str) -> ColumnElement[Any] | None:
    """The leading sort key (descending); None for `oldest`, which is (created_at, id) alone."""
    if sort == "toxicity":
        return score_of(label)
    if sort == "reports":
        return open_report_count()
    return None


def ordered_page(
    query: Select[Any], key: ColumnElement[Any] | None, cursor: Position | None, limit: int
) -> Select[Any]:
    """Keyset paging: the leading key descending, then oldest first, id as the tie-breaker."""
    after_time = after(
        Comment.created_at, Comment.id, cursor and TimePosition(cursor.created_at, cursor.id), descending=False
    )
    if key is None:
        if cursor is not None:
            # The redundant `created_at >= ...` gives the (site_id, status, created_at) index a range to scan.
            query = query.where(Comment.created_at >= cursor.created_at, after_time)
        return query.order_by(Comment.created_at, Comment.id).limit(limit)
    if cursor is not None:
        query = query.where(or_(key < cursor.key, and_(key == cursor.key, after_time)))
    return query.add_columns(key.label("sort_key")).order_by(key.desc(), Comment.created_at, Comment.id).limit(limit)


def merge_pages(rows: list[Any], sort: Sort, limit: int) -> list[Any]:
    """The first `limit` rows of several sources' pages, in the order SQL sorted each (UUIDs compare like
    the databases compare them: as 16 big-endian bytes)."""
    if sort == "oldest":
        rows.sort(key=lambda row: (row[0].created_at, row[0].id))
    else:
        rows.sort(key=lambda row: (-row.sort_key, row[0].created_at, row[0].id))
    return rows[:limit]
