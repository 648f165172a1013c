"""Notices and appeals are both cases the site's moderators decide: listed by status (open ones oldest
first, the others newest first), seen by the site's staff only, closed once (of two moderators deciding
at once, one wins), and the sender told the decision with the redress left to them (Art. 17(3)(f), 20(5),
21). `CaseKind` is that workflow; NOTICES and APPEALS are its two kinds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import Appeal, Comment, Notice, Site, StatementOfReasons
from comments.domain.accounts.services import CurrentUser
from comments.domain.compliance import messages
from comments.domain.compliance.access import staff_row

OUT_OF_COURT_OR_COURT = (
    "refer the decision to a certified out-of-court dispute settlement body (Article 21 DSA) or bring it "
    "before the competent court."
)


@dataclass(frozen=True, eq=False)  # `on` is a SQL expression: its == builds SQL, not a bool
class CaseKind:
    name: str
    """notice | appeal: in the 404, the message's kind (`notice.decided`) and its subject."""
    model: Any
    subject: Any
    """What a case is about (the comment noticed, the statement appealed), joined `on`."""
    on: ColumnElement[bool]
    review: str
    """Who reviewed the case, leading into the redress (`You may still`) in the decision message."""

    async def page(
        self, session: AsyncSession, query: Select[Any], status: str, limit: int, offset: int
    ) -> tuple[list[Row[Any]], int]:
        """One page of `query` (over the cases) with `status` (or all), and how many there are in all."""
        if status != "all":
            query = query.where(self.model.status == status)
        total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
        model = self.model
        order = (model.created_at, model.id) if status == "open" else (model.created_at.desc(), model.id.desc())
        rows = (await session.execute(query.order_by(*order).limit(limit).offset(offset))).all()
        return list(rows), total

    async def for_staff(self, session: AsyncSession, case_id: UUID, user: CurrentUser) -> Row[Any]:
        """(case, subject, site), for the site's staff only; a 404 for anyone else."""
        query = select(self.model, self.subject, Site).join(self.subject, self.on)
        query = query.join(Site, Site.id == self.model.site_id).where(self.model.id == case_id)
        return await staff_row(session, query, user, f"There is no such {self.name}.")

    async def close(
        self, session: AsyncSession, case_id: UUID, decided_by: UUID, now: datetime, **decision: Any
    ) -> bool:
        """Mark an open case decided, with `decision`'s columns. False when it was not open any more."""
        changed = await session.execute(
            update(self.model)
            .where(self.model.id == case_id, self.model.status == "open")
            .values(status="decided", **decision, decided_by=decided_by, decided_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return changed.rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def tell(self, session: AsyncSession, site_id: UUID, words: str, explanation: str, **recipient: Any) -> None:
        """The decision message to the case's sender (`recipient`: the address and the rows it is about)."""
        messages.send(
            session,
            site_id=site_id,
            kind=f"{self.name}.decided",
            subject=f"The decision on your {self.name}",
            body=f"{words} {explanation}\n{self.review} {OUT_OF_COURT_OR_COURT}",
            **recipient,
        )


NOTICES = CaseKind(
    "notice",
    Notice,
    Comment,
    Comment.id == Notice.comment_id,
    "We decided after review by a moderator (not automatically). If you disagree you may",
)
APPEALS = CaseKind(
    "appeal",
    Appeal,
    StatementOfReasons,
    StatementOfReasons.id == Appeal.statement_id,
    "A moderator other than the one who took the decision reviewed it. You may still",
)
