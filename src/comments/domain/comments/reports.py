"""Reader reports. A reader with a complete profile reports a published comment once, within a rate limit;
when a comment's open reports reach the site's threshold it enters the moderation queue, and is hidden
meanwhile when the site's rules say so (it becomes held, with a `reported` reason its author sees)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from comments.clock import utcnow
from comments.db import Comment, CommentStatus, Report, Site
from comments.db.queries import RowLimits, change_versioned
from comments.db.service import Service
from comments.domain.accounts.services import CurrentUser, eligibility
from comments.domain.audit import record_on
from comments.domain.comments import schemas as s
from comments.domain.comments.events import CommentChanged
from comments.domain.comments.pipeline import check_sanctions
from comments.domain.comments.reasons import reported_reason, with_outcome
from comments.domain.rules.stored import site_rules
from comments.errors import AlreadyReported, Forbidden, InvalidInput, NotFound, ProfileIncomplete
from comments.events import emit

REPORT_LIMITS: Final = RowLimits(
    Report,
    ((timedelta(minutes=1), 5), (timedelta(hours=1), 30)),
    "You are reporting too often. Try again a little later.",
)
"""Reports one reader may file per window: enough for a bad thread, too few to brigade."""


class ReportService(Service[Report]):
    model_type = Report

    async def report(self, comment_id: UUID, data: s.ReportCreate, reader: CurrentUser) -> s.ReportReceipt:
        if data.reason == "other" and not (data.note or "").strip():
            raise InvalidInput(
                "Say what is wrong with the comment.",
                errors=[{"pointer": "/note", "message": "With reason 'other', explain in a note."}],
            )
        # On PostgreSQL the row lock serialises reports on one comment, so exactly one of them sees the
        # count reach the threshold (SQLite serialises writers anyway).
        row = (
            await self.session.execute(
                select(Comment, Site)
                .join(Site, Site.id == Comment.site_id)
                .where(Comment.id == comment_id)
                .with_for_update(of=Comment)
            )
        ).one_or_none()
        if row is None:
            raise NotFound("There is no such comment.")
        comment, site = row
        if comment.author_id == reader.id:
            raise Forbidden("You cannot report your own comment.", code="own-comment")
        if comment.status != CommentStatus.PUBLISHED:
            raise NotFound("There is no such comment.")
        profile = (await eligibility(self.session, reader.id, site)).status
        if not profile.complete:
            raise ProfileIncomplete(
                "Complete your personal details to report comments.", missing_fields=list(profile.missing_fields)
            )
        now = utcnow()
        await check_sanctions(self.session, reader.id, site, now)
        await REPORT_LIMITS.check(self.session, Report.reporter_id == reader.id, now)
        if await self.exists(Report.comment_id == comment.id, Report.reporter_id == reader.id):
            raise AlreadyReported("You already reported this comment; moderators will look at it.")
        report = Report(
            comment_id=comment.id, site_id=site.id, reporter_id=reader.id, reason=data.reason, note=data.note
        )
        self.session.add(report)
        try:
            await self.session.flush()
        except IntegrityError as exc:  # the same reader's concurrent duplicate
            await self.session.rollback()
            raise AlreadyReported("You already reported this comment; moderators will look at it.") from exc
        await self._on_report(site, comment, report)
        await self.session.commit()
        return s.ReportReceipt(
            id=report.id, comment_id=comment.id, reason=report.reason, note=report.note, created_at=report.created_at
        )

    async def _on_report(self, site: Site, comment: Comment, report: Report) -> None:
        rules = site_rules(site).reports
        open_reports = await open_report_count(self.session, comment.id)
        reached = open_reports == rules.threshold
        if reached:
            hide = rules.hide_when_reported
            if hide:
                await change_versioned(
                    self.session,
                    comment,
                    utcnow(),
                    seen_version=comment.version,
                    status=CommentStatus.HELD,
                    reasons=with_outcome(comment.reasons, reported_reason()),
                )
            record_on(
                self.session,
                comment,
                action="comment.reported",
                actor_id=None,
                before={"status": "published", "open_reports": open_reports - 1},
                after={"status": str(comment.status), "open_reports": open_reports, "hidden": hide},
                note=f"{open_reports} reader reports reached the threshold of {rules.threshold}.",
            )
            if hide:
                await emit(self.session, CommentChanged(comment, event="comment.held"))
        await emit(
            self.session,
            CommentChanged(
                comment,
                event="comment.reported",
                extra={
                    "report": {"reason": report.reason, "note": report.note},
                    "open_reports": open_reports,
                    "threshold": rules.threshold,
                    "queued": open_reports >= rules.threshold,
                },
            ),
        )


async def open_report_count(session: AsyncSession, comment_id: UUID) -> int:
    return (
        await session.scalar(select(func.count()).where(Report.comment_id == comment_id, Report.resolved_at.is_(None)))
    ) or 0
