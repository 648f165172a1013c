"""Notices and appeals are both cases the site's moderators decide: listed by status (open ones oldest
first, the others newest first), closed once (of two moderators deciding at once, one wins), and the
sender told the decision with the redress left to them (Art. 17(3)(f), 20(5), 21)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import Row, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from comments.domain.compliance import messages

OUT_OF_COURT_OR_COURT = (
    "refer the decision to a certified out-of-court dispute settlement body (Article 21 DSA) or bring it "
    "before the competent court."
)


async def case_page(
    session: AsyncSession, query: Select[Any], model: Any, status: str, limit: int, offset: int
) -> tuple[list[Row[Any]], int]:
    """One page of `query` over cases (`model`) with `status` (or all), and how many there are in all."""
    if status != "all":
        query = query.where(model.status == status)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (model.created_at, model.id) if status == "open" else (model.created_at.desc(), model.id.desc())
    rows = (await session.execute(query.order_by(*order).limit(limit).offset(offset))).all()
    return list(rows), total


async def close_case(
    session: AsyncSession, model: Any, case_id: UUID, decided_by: UUID, now: datetime, **decision: Any
) -> bool:
    """Mark an open case decided, with `decision`'s columns. False when it was not open any more."""
    changed = await session.execute(
        update(model)
        .where(model.id == case_id, model.status == "open")
        .values(status="decided", **decision, decided_by=decided_by, decided_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return changed.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def tell_decision(
    session: AsyncSession,
    case: Literal["notice", "appeal"],
    *,
    site_id: UUID,
    words: str,
    explanation: str,
    review: str,
    **recipient: Any,
) -> None:
    """`review` says who reviewed the case and leads into the redress ("You may still")."""
    messages.send(
        session,
        site_id=site_id,
        kind=f"{case}.decided",
        subject=f"The decision on your {case}",
        body=f"{words} {explanation}\n{review} {OUT_OF_COURT_OR_COURT}",
        **recipient,
    )
