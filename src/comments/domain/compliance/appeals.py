"""Statements of reasons as their recipients and the site's staff read them, and appeals against them
(Art. 20): within six months, decided by a person other than the one who decided, never automatically.
Reversing restores the comment (or lifts the sanction) and tells the author and the audit log."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select, update

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
from comments.db.service import Service
from comments.domain.accounts.services import CurrentUser
from comments.domain.audit import record
from comments.domain.compliance import messages
from comments.domain.compliance import schemas as s
from comments.domain.compliance.access import is_staff, site_for
from comments.domain.compliance.errors import AlreadyAppealed, AlreadyDecided, AppealTooLate, OwnAppeal, SameDecider
from comments.domain.compliance.statements import appeal_deadline
from comments.domain.compliance.views import aware, statement_view
from comments.domain.moderation.decisions import apply_decision
from comments.errors import InvalidInput, NotFound

CONTENT_DECISIONS = ("removal", "restriction")


class StatementService(Service[StatementOfReasons]):
    model_type = StatementOfReasons

    async def get_statement(self, statement_id: UUID, user: CurrentUser) -> s.StatementOfReasons:
        found = (
            await self.session.execute(
                select(StatementOfReasons, Site.slug, Appeal)
                .join(Site, Site.id == StatementOfReasons.site_id)
                .outerjoin(Appeal, Appeal.statement_id == StatementOfReasons.id)
                .where(StatementOfReasons.id == statement_id)
            )
        ).one_or_none()
        if found is None:
            raise NotFound("There is no such statement of reasons.")
        row, slug, appeal = found
        if row.user_id != user.id and not is_staff(user, row.site_id):
            raise NotFound("There is no such statement of reasons.")
        return statement_view(row, slug, appeal, utcnow())

    async def mine(self, user: CurrentUser, slug: str | None, comment_id: UUID | None) -> s.StatementList:
        query = (
            select(StatementOfReasons, Site.slug, Appeal)
            .join(Site, Site.id == StatementOfReasons.site_id)
            .outerjoin(Appeal, Appeal.statement_id == StatementOfReasons.id)
            .where(StatementOfReasons.user_id == user.id)
        )
        if slug is not None:
            query = query.where(Site.slug == slug)
        if comment_id is not None:
            query = query.where(StatementOfReasons.comment_id == comment_id)
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
        record(
            self.session,
            site_id=statement.site_id,
            action="appeal.received",
            actor_id=user.id,
            target_user_id=user.id,
            comment_id=statement.comment_id,
            after={"appeal_id": str(appeal.id), "statement_id": str(statement.id), "decision": statement.decision},
            note=appeal.explanation,
        )
        await self.session.commit()
        return await self._view(appeal.id)

    # moderators

    async def list_appeals(self, slug: str, user: CurrentUser, status: str, limit: int, offset: int) -> s.AppealList:
        site = await site_for(self.session, slug, user, Role.MODERATOR)
        query = select(Appeal.id).where(Appeal.site_id == site.id)
        if status != "all":
            query = query.where(Appeal.status == status)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        order = (Appeal.created_at, Appeal.id) if status == "open" else (Appeal.created_at.desc(), Appeal.id.desc())
        ids = list(await self.session.scalars(query.order_by(*order).limit(limit).offset(offset)))
        return s.AppealList(items=[await self._view(i) for i in ids], total=total)

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
        return s.Appeal(
            id=appeal.id,
            site=slug,
            statement=statement_view(statement, slug, appeal, now),
            appellant_id=appeal.appellant_id,
            explanation=appeal.explanation,
            status=appeal.status,
            outcome=appeal.outcome,
            decision_explanation=appeal.decision_explanation,
            received_at=appeal.created_at,
            seconds_since_receipt=max(0, int((now - aware(appeal.created_at)).total_seconds())),
            decided_by=appeal.decided_by,
            decided_at=appeal.decided_at,
            original_decider=statement.decided_by,
            comment_body=body,
        )

    async def decide(self, appeal_id: UUID, data: s.AppealDecisionCreate, user: CurrentUser) -> s.Appeal:
        found = (
            await self.session.execute(
                select(Appeal, StatementOfReasons, Site)
                .join(StatementOfReasons, StatementOfReasons.id == Appeal.statement_id)
                .join(Site, Site.id == Appeal.site_id)
                .where(Appeal.id == appeal_id)
            )
        ).one_or_none()
        if found is None or not is_staff(user, found[2].id):
            raise NotFound("There is no such appeal.")
        appeal, statement, site = found
        if statement.decided_by == user.id:
            raise SameDecider("You took the decision under appeal: another moderator must review it.")
        if appeal.appellant_id == user.id:
            raise OwnAppeal("You cannot decide your own appeal.")
        if appeal.status != "open":
            raise AlreadyDecided("This appeal was already decided.")
        now = utcnow()
        explanation = data.explanation.strip()
        changed = await self.session.execute(
            update(Appeal)
            .where(Appeal.id == appeal.id, Appeal.status == "open")
            .values(
                status="decided",
                outcome=data.outcome,
                decision_explanation=explanation,
                decided_by=user.id,
                decided_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # another moderator decided it first
            raise AlreadyDecided("This appeal was already decided.")
        restored = await self._reverse(statement, site, user, explanation, now) if data.outcome == "reversed" else None
        record(
            self.session,
            site_id=site.id,
            action="appeal.decided",
            actor_id=user.id,
            target_user_id=appeal.appellant_id,
            comment_id=statement.comment_id,
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
        messages.send(
            self.session,
            site_id=site.id,
            kind="appeal.decided",
            to_user_id=appeal.appellant_id,
            statement_id=statement.id,
            appeal_id=appeal.id,
            subject="The decision on your appeal",
            body=f"{words} {explanation}\nA moderator other than the one who took the decision reviewed it. "
            "You may still refer the decision to a certified out-of-court dispute settlement body (Article 21 "
            "DSA) or bring it before the competent court.",
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
            await apply_decision(
                self.session,
                site,
                comment,
                action="approve",
                seen_version=comment.version,
                reason_code=None,
                note=note,
                user=user,
                respect_claims=False,
            )
            return "the comment is published again"
        if statement.sanction_id is not None:
            lifted = await self.session.execute(
                update(Sanction)
                .where(Sanction.id == statement.sanction_id, Sanction.lifted_at.is_(None))
                .values(lifted_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if lifted.rowcount != 1:
                return None
            record(
                self.session,
                site_id=site.id,
                action="sanction.lifted",
                actor_id=user.id,
                target_user_id=statement.user_id,
                before={"sanction_id": str(statement.sanction_id), "kind": statement.decision},
                after={"sanction_id": str(statement.sanction_id), "lifted_at": now.isoformat()},
                note=note,
            )
            return f"the {statement.decision} is lifted"
        if statement.notifier_suspension_id is not None:
            lifted = await self.session.execute(
                update(NotifierSuspension)
                .where(
                    NotifierSuspension.id == statement.notifier_suspension_id, NotifierSuspension.lifted_at.is_(None)
                )
                .values(lifted_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if lifted.rowcount != 1:
                return None
            record(
                self.session,
                site_id=site.id,
                action="notifier.suspension_lifted",
                actor_id=user.id,
                target_user_id=statement.user_id,
                after={"suspension_id": str(statement.notifier_suspension_id), "lifted_at": now.isoformat()},
                note=note,
            )
            return "your notices are processed again"
        return None


def _str(value: UUID | None) -> str | None:
    return str(value) if value else None
