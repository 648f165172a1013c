"""Statements of reasons as their recipients and the site's staff read them, and appeals against them
(Art. 20): within six months, decided by a person other than the one who decided, never automatically.
Reversing restores the comment (or lifts the sanction) and tells the author and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.clock import utcnow
from comments.db import (
    Appeal,
    Comment,
    CommentStatus,
    NotifierSuspension,
    Role,
    Sanction,
    Site,
    StatementOfReasons,
)
from comments.db.queries import stamp_once, where_given
from comments.db.service import Service, view
from comments.domain.accounts.services import CurrentUser
from comments.domain.audit import record
from comments.domain.compliance import schemas as s
from comments.domain.compliance.access import is_staff, site_for
from comments.domain.compliance.cases import APPEALS
from comments.domain.compliance.errors import AlreadyAppealed, AlreadyDecided, AppealTooLate, OwnAppeal, SameDecider
from comments.domain.compliance.statements import appeal_deadline
from comments.domain.compliance.views import aware, seconds_since, statement_view
from comments.domain.moderation.decisions import decide_as_consequence
from comments.errors import InvalidInput, NotFound

CONTENT_DECISIONS = ("removal", "restriction")
_LIFTED = {Sanction: "sanction.lifted", NotifierSuspension: "notifier.suspension_lifted"}


def _statements() -> Select[tuple[StatementOfReasons, str, Appeal | None]]:
    """Statements with their site's slug and their appeal, if any."""
    return (
        select(StatementOfReasons, Site.slug, Appeal)
        .join(Site, Site.id == StatementOfReasons.site_id)
        .outerjoin(Appeal, Appeal.statement_id == StatementOfReasons.id)
    )


class StatementService(Service[StatementOfReasons]):
    model_type = StatementOfReasons

    async def get_statement(self, statement_id: UUID, user: CurrentUser) -> s.StatementOfReasons:
        found = (await self.session.execute(_statements().where(StatementOfReasons.id == statement_id))).one_or_none()
        if found is None:
            raise NotFound("There is no such statement of reasons.")
        row, slug, appeal = found
        if row.user_id != user.id and not is_staff(user, row.site_id):
            raise NotFound("There is no such statement of reasons.")
        return statement_view(row, slug, appeal, utcnow())

    async def mine(self, user: CurrentUser, slug: str | None, comment_id: UUID | None) -> s.StatementList:
        query = where_given(
            _statements().where(StatementOfReasons.user_id == user.id),
            (Site.slug, slug),
            (StatementOfReasons.comment_id, comment_id),
        )
        rows = (
            await self.session.execute(
                query.order_by(StatementOfReasons.created_at.desc(), StatementOfReasons.id.desc()).limit(200)
            )
        ).all()
        now = utcnow()
        return s.StatementList(items=[statement_view(r, slug_, a, now) for r, slug_, a in rows])


class AppealService(Service[Appeal]):
    model_type = Appeal

    # the recipient of a statement

    async def _appealable(self, data: s.AppealCreate, user: CurrentUser) -> StatementOfReasons:
        if (data.comment_id is None) == (data.statement_id is None):
            raise InvalidInput(
                "Say which decision you appeal.",
                errors=[{"pointer": "/comment_id", "message": "Give either comment_id or statement_id."}],
            )
        query = select(StatementOfReasons).where(StatementOfReasons.user_id == user.id)
        if data.statement_id is not None:
            query = query.where(StatementOfReasons.id == data.statement_id)
        else:
            query = query.where(StatementOfReasons.comment_id == data.comment_id).order_by(
                StatementOfReasons.created_at.desc(), StatementOfReasons.id.desc()
            )
        statement = await self.session.scalar(query.limit(1))
        if statement is None:
            raise NotFound("There is no decision of ours on this to appeal.")
        return statement

    async def appeal(self, data: s.AppealCreate, user: CurrentUser) -> s.Appeal:
        statement = await self._appealable(data, user)
        now = utcnow()
        if now >= appeal_deadline(aware(statement.created_at)):
            raise AppealTooLate("The six months to appeal this decision have passed.")
        if await self.session.scalar(select(Appeal.id).where(Appeal.statement_id == statement.id)) is not None:
            raise AlreadyAppealed("You already appealed this decision.")
        appeal = Appeal(
            site_id=statement.site_id,
            statement_id=statement.id,
            appellant_id=user.id,
            explanation=data.explanation.strip(),
        )
        self.session.add(appeal)
        await self.session.flush()
        _record(
            self.session,
            appeal,
            statement,
            "appeal.received",
            user,
            after={"appeal_id": str(appeal.id), "statement_id": str(statement.id), "decision": statement.decision},
            note=appeal.explanation,
        )
        await self.session.commit()
        return await self._view(appeal.id)

    # moderators

    async def list_appeals(self, slug: str, user: CurrentUser, status: str, limit: int, offset: int) -> s.AppealList:
        site = await site_for(self.session, slug, user, Role.MODERATOR)
        query = select(Appeal.id).where(Appeal.site_id == site.id)
        rows, total = await APPEALS.page(self.session, query, status, limit, offset)
        return s.AppealList(items=[await self._view(appeal_id) for (appeal_id,) in rows], total=total)

    async def _view(self, appeal_id: UUID) -> s.Appeal:
        appeal, statement, slug, body = (
            await self.session.execute(
                select(Appeal, StatementOfReasons, Site.slug, Comment.body)
                .join(StatementOfReasons, StatementOfReasons.id == Appeal.statement_id)
                .join(Site, Site.id == Appeal.site_id)
                .outerjoin(Comment, Comment.id == StatementOfReasons.comment_id)
                .where(Appeal.id == appeal_id)
                .execution_options(populate_existing=True)  # the decision was an UPDATE statement
            )
        ).one()
        now = utcnow()
        return view(
            s.Appeal,
            appeal,
            site=slug,
            statement=statement_view(statement, slug, appeal, now),
            received_at=appeal.created_at,
            seconds_since_receipt=seconds_since(appeal.created_at, now),
            original_decider=statement.decided_by,
            comment_body=body,
        )

    async def decide(self, appeal_id: UUID, data: s.AppealDecisionCreate, user: CurrentUser) -> s.Appeal:
        appeal, statement, site = await APPEALS.for_staff(self.session, appeal_id, user)
        if statement.decided_by == user.id:
            raise SameDecider("You took the decision under appeal: another moderator must review it.")
        if appeal.appellant_id == user.id:
            raise OwnAppeal("You cannot decide your own appeal.")
        if appeal.status != "open":
            raise AlreadyDecided("This appeal was already decided.")
        now = utcnow()
        explanation = data.explanation.strip()
        decided = await APPEALS.close(
            self.session, appeal.id, user.id, now, outcome=data.outcome, decision_explanation=explanation
        )
        if not decided:  # another moderator decided it first
            raise AlreadyDecided("This appeal was already decided.")
        restored = await self._reverse(statement, site, user, explanation, now) if data.outcome == "reversed" else None
        _record(
            self.session,
            appeal,
            statement,
            "appeal.decided",
            user,
            before={"appeal_id": str(appeal.id), "status": "open", "decided_by": _str(statement.decided_by)},
            after={
                "appeal_id": str(appeal.id),
                "statement_id": str(statement.id),
                "outcome": data.outcome,
                "restored": restored,
            },
            reason=data.outcome,
            note=explanation,
        )
        words = {
            "upheld": "We reviewed your appeal and keep our decision.",
            "reversed": "We reviewed your appeal and reversed our decision" + (f": {restored}." if restored else "."),
        }[data.outcome]
        APPEALS.tell(
            self.session,
            site.id,
            words,
            explanation,
            to_user_id=appeal.appellant_id,
            statement_id=statement.id,
            appeal_id=appeal.id,
        )
        await self.session.commit()
        return await self._view(appeal.id)

    async def _reverse(
        self, statement: StatementOfReasons, site: Site, user: CurrentUser, explanation: str, now: datetime
    ) -> str | None:
        """Undo the decision: publish the comment again, lift the sanction or the notifier's suspension.
        Each undoing is audited as its own action (comment.approved, sanction.lifted, ...)."""
        note = f"Appeal reversed: {explanation}"[:2000]
        if statement.decision in CONTENT_DECISIONS and statement.comment_id is not None:
            comment = await self.session.get(Comment, statement.comment_id)
            if comment is None or comment.status not in (CommentStatus.REJECTED, CommentStatus.HELD):
                return None  # already published again, or deleted by its author
            await decide_as_consequence(self.session, site, comment, "approve", reason_code=None, note=note, user=user)
            return "the comment is published again"
        if statement.sanction_id is not None:
            before = {"sanction_id": str(statement.sanction_id), "kind": statement.decision}
            lifted = await self._lift(
                Sanction, statement.sanction_id, statement, user, note, now, key="sanction_id", before=before
            )
            return f"the {statement.decision} is lifted" if lifted else None
        if statement.notifier_suspension_id is not None:
            lifted = await self._lift(
                NotifierSuspension, statement.notifier_suspension_id, statement, user, note, now, key="suspension_id"
            )
            return "your notices are processed again" if lifted else None
        return None

    async def _lift(
        self,
        model: type[Sanction] | type[NotifierSuspension],
        row_id: UUID,
        statement: StatementOfReasons,
        user: CurrentUser,
        note: str,
        now: datetime,
        *,
        key: str,
        before: dict[str, Any] | None = None,
    ) -> bool:
        """Lift the sanction or the notifier's suspension, audited as sanction.lifted or
        notifier.suspension_lifted (`key` names it in the entry); False when it was lifted already."""
        if not await stamp_once(self.session, model, row_id, "lifted_at", now):
            return False
        record(
            self.session,
            site_id=statement.site_id,
            action=_LIFTED[model],
            actor_id=user.id,
            target_user_id=statement.user_id,
            before=before,
            after={key: str(row_id), "lifted_at": now.isoformat()},
            note=note,
        )
        return True


def _record(
    session: AsyncSession, appeal: Appeal, statement: StatementOfReasons, action: str, user: CurrentUser, **details: Any
) -> None:
    """An entry about an appeal: on the appellant and the comment of the decision appealed."""
    record(
        session,
        site_id=statement.site_id,
        action=action,
        actor_id=user.id,
        target_user_id=appeal.appellant_id,
        comment_id=statement.comment_id,
        **details,
    )


def _str(value: UUID | None) -> str | None:
    return str(value) if value else None
