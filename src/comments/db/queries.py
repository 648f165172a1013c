"""Query steps that several domain packages take alike: stamping a row once, changing a versioned row,
refusing a sender whose recent rows pass a limit, a list's optional filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from comments.errors import RateLimited


async def stamp_once(session: AsyncSession, model: Any, row_id: Any, column: str, now: datetime) -> bool:
    """Set `column` (lifted_at, acknowledged_at) to `now` if it is still unset. True when this call set
    it: of two concurrent requests only one does, and only that one audits the change."""
    result = await session.execute(
        update(model)
        .where(model.id == row_id, getattr(model, column).is_(None))
        .values({column: now, "updated_at": now})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


@dataclass(frozen=True, slots=True)
class RowLimits:
    """At most `limit` rows of `model` per sender in each `window`; `message` tells a refused sender."""

    model: Any
    windows: tuple[tuple[timedelta, int], ...]
    message: str

    async def check(self, session: AsyncSession, sender: ColumnElement[bool], now: datetime) -> None:
        """RateLimited when the sender's rows in a window reach its limit; the retry is when the oldest of
        them leaves the window."""
        created_at = self.model.created_at
        for window, limit in self.windows:
            query = select(func.count(), func.min(created_at)).where(sender, created_at > now - window)
            count, oldest = (await session.execute(query)).one()
            if count >= limit:
                oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
                raise RateLimited(self.message, retry_after=int((oldest + window - now).total_seconds()) + 1)


def where_given(query: Select[Any], *filters: tuple[Any, Any]) -> Select[Any]:
    """`column == value` for each (column, value) whose value is given: the optional filters of a list."""
    return query.where(*(column == value for column, value in filters if value is not None))


async def change_versioned(
    session: AsyncSession, row: Any, now: datetime, *, seen_version: int | None = None, **values: Any
) -> bool:
    """Set `values` on a versioned row (a comment), bump its version and stamp updated_at. With
    `seen_version`, only while the row is still at that version (of two concurrent changes, one wins).
    True when this call changed it. The row is reloaded either way (the other change's values, if it lost)."""
    model = type(row)
    query = update(model).where(model.id == row.id)
    if seen_version is not None:
        query = query.where(model.version == seen_version)
    changed = await session.execute(
        query.values(**values, version=model.version + 1, updated_at=now).execution_options(synchronize_session=False)
    )
    await session.refresh(row)
    return changed.rowcount == 1  # type: ignore[attr-defined, no-any-return]
