"""Moderators' decisions: approve or reject a comment, one at a time or in bulk.

Race-safe on both databases: the change is one `UPDATE ... WHERE id = :id AND version = :seen`, so of two
moderators deciding on the same version exactly one wins and the other gets 409 with the current state.
Idempotent: repeating your own decision (a retry after a lost answer) answers 200 and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from comments.clock import utcnow
from comments.db import AuditEntry, Claim, Comment, CommentStatus, Report, Site
from comments.db.lookups import site_by_slug
from comments.db.queries import change_versioned
from comments.db.service import Service
from comments.domain.accounts.services import CurrentUser
from comments.domain.audit import record_on
from comments.domain.comments.events import CommentChanged
from comments.domain.comments.reasons import (
    REPORTED,
    approved_reason,
    has_reason,
    pipeline_reasons,
    rejected_reason,
    toxicity_labels,
    with_outcome,
)
from comments.domain.comments.reports import open_report_count
from comments.domain.moderation import schemas as s
from comments.domain.moderation.claims import comment_for_moderator, comment_on_site, refuse_if_claimed_by_other
from comments.domain.rules.stored import site_rules
from comments.errors import Conflict, DomainError, InvalidInput, StaleDecision, problem_summary
from comments.events import emit

ACTIONS = {
    "approve": ("comment.approved", CommentStatus.PUBLISHED),
    "reject": ("comment.rejected", CommentStatus.REJECTED),
}


def check_decision(action: str, reason_code: str | None, note: str | None) -> None:
    errors = []
    if action == "reject" and reason_code is None:
        errors.append({"pointer": "/reason_code", "message": "Say why the comment is rejected."})
    if action == "approve" and reason_code is not None:
        errors.append({"pointer": "/reason_code", "message": "Reason codes are for rejections."})
    if reason_code == "other" and not (note or "").strip():
        errors.append({"pointer": "/note", "message": "With reason 'other', explain in a note."})
    if errors:
        raise InvalidInput("The decision is not complete.", errors=errors)


def state_of(comment: Comment, open_reports: int) -> s.CommentState:
    return s.CommentState(
        id=comment.id,
        status=str(comment.status),  # type: ignore[arg-type]
        version=comment.version,
        flagged=comment.flagged,
        open_reports=open_reports,
    )


async def _queued_at(session: AsyncSession, comment: Comment, site: Site, open_reports: int) -> datetime | None:
    """When the comment entered the queue (for time-to-decision): when it was held or flagged, or when its
    reports reached the threshold."""
    reported = open_reports > 0 and (comment.status == CommentStatus.PUBLISHED or has_reason(comment.reasons, REPORTED))
    if reported:
        threshold = site_rules(site).reports.threshold
        at = await session.scalar(
            select(Report.created_at)
            .where(Report.comment_id == comment.id, Report.resolved_at.is_(None))
            .order_by(Report.created_at)
            .offset(min(threshold, open_reports) - 1)
            .limit(1)
        )
        if at is not None:
            return at
    if comment.status == CommentStatus.HELD or comment.flagged:
        return comment.edited_at or comment.created_at
    return None


async def _is_replay(
    session: AsyncSession, comment: Comment, action: str, reason_code: str | None, user: CurrentUser
) -> bool:
    """The last decision on the comment is this very one, by this moderator: a retried request."""
    last = await session.scalar(
        select(AuditEntry)
        .where(AuditEntry.comment_id == comment.id, AuditEntry.action.in_([a for a, _ in ACTIONS.values()]))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(1)
    )
    return (
        last is not None
        and last.actor_id == user.id
        and last.action == ACTIONS[action][0]
        and last.reason == reason_code
    )


async def apply_decision(
    session: AsyncSession,
    site: Site,
    comment: Comment,
    *,
    action: str,
    seen_version: int,
    reason_code: str | None,
    note: str | None,
    user: CurrentUser,
    respect_claims: bool = True,
) -> s.DecisionOutcome:
    """Decide in the caller's transaction (the caller commits): the comment, its reports, its claim, the
    audit entry and the webhook event change together."""
    now = utcnow()
    audit_action, target = ACTIONS[action]
    open_reports = await open_report_count(session, comment.id)
    if comment.status == CommentStatus.DELETED:
        raise Conflict(
            "The author removed this comment.", code="comment-deleted", current=_builtins(comment, open_reports)
        )
    if seen_version != comment.version:
        if comment.status == target and await _is_replay(session, comment, action, reason_code, user):
            return s.DecisionOutcome(action=action, changed=False, comment=state_of(comment, open_reports))  # type: ignore[arg-type]
        raise _stale(comment, open_reports)
    if respect_claims:
        await refuse_if_claimed_by_other(session, comment.id, user, now)
    if comment.status == target and not comment.flagged and open_reports == 0:
        return s.DecisionOutcome(action=action, changed=False, comment=state_of(comment, open_reports))  # type: ignore[arg-type]
    queued_at = await _queued_at(session, comment, site, open_reports)
    before = {
        "status": str(comment.status),
        "version": comment.version,
        "flagged": comment.flagged,
        "open_reports": open_reports,
        "queued_at": queued_at.isoformat() if queued_at else None,
        "auto_status": str(comment.auto_status) if comment.auto_status else None,
        "reason_codes": sorted({r.code for r in pipeline_reasons(comment.reasons)}),
        "toxicity_labels": toxicity_labels(pipeline_reasons(comment.reasons)),
        "scores": comment.scores,
    }
    outcome = approved_reason() if action == "approve" else rejected_reason(reason_code or "other")
    changed = await change_versioned(
        session,
        comment,
        now,
        seen_version=seen_version,
        status=target,
        flagged=False,
        reasons=with_outcome(comment.reasons, outcome),
    )
    if not changed:  # another moderator's decision committed first
        if comment.status == target and await _is_replay(session, comment, action, reason_code, user):
            return s.DecisionOutcome(action=action, changed=False, comment=state_of(comment, 0))  # type: ignore[arg-type]
        raise _stale(comment, await open_report_count(session, comment.id))
    await session.execute(
        update(Report)
        .where(Report.comment_id == comment.id, Report.resolved_at.is_(None))
        .values(resolved_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(Claim).where(Claim.comment_id == comment.id))
    record_on(
        session,
        comment,
        action=audit_action,
        actor_id=user.id,
        before=before,
        after={"status": str(target), "version": comment.version},
        reason=reason_code,
        note=note,
    )
    decision = {"action": action, "reason_code": reason_code, "moderator_id": user.id}
    await emit(session, CommentChanged(comment, extra={"decision": decision}))
    return s.DecisionOutcome(action=action, changed=True, comment=state_of(comment, 0))  # type: ignore[arg-type]


async def decide_as_consequence(
    session: AsyncSession,
    site: Site,
    comment: Comment,
    action: str,
    *,
    reason_code: str | None,
    note: str,
    user: CurrentUser,
) -> s.DecisionOutcome:
    """A decision that follows from another one (a sanction, a decided notice, a granted appeal): on the
    comment as it is now, and final whoever has claimed it."""
    return await apply_decision(
        session,
        site,
        comment,
        action=action,
        seen_version=comment.version,
        reason_code=reason_code,
        note=note,
        user=user,
        respect_claims=False,
    )


def _builtins(comment: Comment, open_reports: int) -> dict[str, Any]:
    return msgspec.to_builtins(state_of(comment, open_reports))


def _stale(comment: Comment, open_reports: int) -> StaleDecision:
    return StaleDecision(
        f"The comment changed since you loaded it: it is now {comment.status} (version {comment.version}). "
        "Look at it again before deciding.",
        current=_builtins(comment, open_reports),
    )


class DecisionService(Service[Comment]):
    model_type = Comment

    async def decide(self, comment_id: UUID, data: s.DecisionCreate, user: CurrentUser) -> s.DecisionOutcome:
        check_decision(data.action, data.reason_code, data.note)
        comment, site = await comment_for_moderator(self.session, comment_id, user)
        outcome = await self._apply(site, comment, data, data.version, user)
        await self.session.commit()
        return outcome

    async def decide_many(self, slug: str, data: s.BulkDecisionCreate, user: CurrentUser) -> s.BulkOutcome:
        """The same decision on many comments of one site; each gets its own result (200, 404, 409) and
        the ones that succeed are committed together."""
        check_decision(data.action, data.reason_code, data.note)
        site = await site_by_slug(self.session, slug)
        results = []
        for item in data.items:
            try:
                comment = await comment_on_site(self.session, item.id, site)
                outcome = await self._apply(site, comment, data, item.version, user)
            except DomainError as exc:
                current = exc.extra.get("current")
                problem = problem_summary(exc)
                results.append(
                    s.BulkResult(
                        id=item.id,
                        ok=False,
                        status=problem["status"],
                        problem=problem["type"],
                        detail=problem["detail"],
                        comment=msgspec.convert(current, s.CommentState) if current else None,
                    )
                )
                continue
            results.append(
                s.BulkResult(id=item.id, ok=True, status=200, changed=outcome.changed, comment=outcome.comment)
            )
        await self.session.commit()
        return s.BulkOutcome(decided=sum(1 for r in results if r.changed), results=results)

    async def _apply(
        self,
        site: Site,
        comment: Comment,
        data: s.DecisionCreate | s.BulkDecisionCreate,
        seen_version: int,
        user: CurrentUser,
    ) -> s.DecisionOutcome:
        return await apply_decision(
            self.session,
            site,
            comment,
            action=data.action,
            seen_version=seen_version,
            reason_code=data.reason_code,
            note=data.note,
            user=user,
        )
