"""The transparency report and the Transparency Database export for a site and period: the queries;
the figures are computed by report.py and the format by eu_export.py (both pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from comments.clock import utcnow
from comments.db import Appeal, AuditEntry, Notice, Role, Site, StatementOfReasons
from comments.db.service import Service
from comments.domain.accounts.services import CurrentUser
from comments.domain.compliance.access import site_for
from comments.domain.compliance.eu_export import EXPORTED_DECISIONS, ExportRow, to_transparency_db
from comments.domain.compliance.report import AppealRow, NoticeRow, ReviewRow, StatementRow, build_report
from comments.domain.compliance.views import record_of
from comments.errors import InvalidInput

NOT_RULES = {"toxicity", "classifier_unavailable"}
"""Pipeline reason codes that are not posting rules (the model's, and the model's absence)."""


def check_period(start: datetime, end: datetime) -> None:
    if end <= start:
        raise InvalidInput(
            "The period ends before it starts.", errors=[{"pointer": "/end", "message": "Use an end after start."}]
        )


def review_of(entry: AuditEntry) -> ReviewRow:
    before = entry.before or {}
    codes = set(before.get("reason_codes") or [])
    return ReviewRow(
        approved=entry.action == "comment.approved",
        auto_status=before.get("auto_status"),
        model_flagged=bool(before.get("toxicity_labels")),
        rules_flagged=bool(codes - NOT_RULES),
    )


class TransparencyService(Service[StatementOfReasons]):
    model_type = StatementOfReasons

    async def report(self, slug: str, user: CurrentUser, start: datetime, end: datetime) -> dict[str, Any]:
        check_period(start, end)
        site = await site_for(self.session, slug, user, Role.ADMIN)
        notices = [
            record_of(NoticeRow, n)
            for n in await self.session.scalars(
                select(Notice).where(Notice.site_id == site.id, Notice.created_at >= start, Notice.created_at < end)
            )
        ]
        statements = [record_of(StatementRow, r) for r in await self._statements(site, start, end)]
        appeals = [
            record_of(AppealRow, a, against_automated_decision=automated)
            for a, automated in (
                await self.session.execute(
                    select(Appeal, StatementOfReasons.automated_decision)
                    .join(StatementOfReasons, StatementOfReasons.id == Appeal.statement_id)
                    .where(Appeal.site_id == site.id, Appeal.created_at >= start, Appeal.created_at < end)
                )
            ).all()
        ]
        reviews = [
            review_of(e)
            for e in await self.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.site_id == site.id,
                    AuditEntry.action.in_(("comment.approved", "comment.rejected")),
                    AuditEntry.actor_id.is_not(None),
                    AuditEntry.created_at >= start,
                    AuditEntry.created_at < end,
                )
            )
        ]
        return build_report(
            site=site.slug,
            start=start,
            end=end,
            notices=notices,
            statements=statements,
            appeals=appeals,
            reviews=reviews,
            generated_at=utcnow(),
        )

    async def _statements(self, site: Site, start: datetime, end: datetime) -> list[StatementOfReasons]:
        return list(
            await self.session.scalars(
                select(StatementOfReasons)
                .where(
                    StatementOfReasons.site_id == site.id,
                    StatementOfReasons.created_at >= start,
                    StatementOfReasons.created_at < end,
                )
                .order_by(StatementOfReasons.created_at, StatementOfReasons.id)
            )
        )

    async def export(self, slug: str, user: CurrentUser, start: datetime, end: datetime) -> dict[str, Any]:
        check_period(start, end)
        site = await site_for(self.session, slug, user, Role.ADMIN)
        statements = [
            to_transparency_db(
                record_of(ExportRow, r),
                guidelines_url=None,
            )
            for r in await self._statements(site, start, end)
            if r.decision in EXPORTED_DECISIONS
        ]
        return {
            "site": site.slug,
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "statements": statements,
        }
