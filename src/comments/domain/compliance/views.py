"""Rows to answers: a statement of reasons as its recipient reads it, with the redress it offers."""

from __future__ import annotations

from datetime import UTC, datetime

from comments.db import Appeal, StatementOfReasons
from comments.domain.compliance import schemas as s
from comments.domain.compliance.statements import (
    COURTS,
    DECISION_WORDS,
    OUT_OF_COURT,
    appeal_deadline,
    category_label,
)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def appeal_brief(appeal: Appeal | None) -> s.AppealBrief | None:
    if appeal is None:
        return None
    return s.AppealBrief(
        id=appeal.id,
        status=appeal.status,
        outcome=appeal.outcome,
        explanation=appeal.explanation,
        decision_explanation=appeal.decision_explanation,
        received_at=appeal.created_at,
        decided_at=appeal.decided_at,
    )


def statement_view(row: StatementOfReasons, slug: str, appeal: Appeal | None, now: datetime) -> s.StatementOfReasons:
    deadline = appeal_deadline(aware(row.created_at))
    available = appeal is None and now < deadline and row.user_id is not None
    who = "automatically" if row.automated_decision else "after review by a moderator"
    ground = f"the law ({row.legal_reference})" if row.ground == "law" else f"the site's terms ({row.terms_rule})"
    return s.StatementOfReasons(
        id=row.id,
        site=slug,
        decision=row.decision,  # type: ignore[arg-type]
        summary=f"We {DECISION_WORDS[row.decision]} {who}, on the ground of {ground}.",
        scope=row.scope,
        facts=row.facts,
        ground=row.ground,  # type: ignore[arg-type]
        legal_reference=row.legal_reference,
        terms_rule=row.terms_rule,
        explanation=row.explanation,
        category=row.category,
        category_label=category_label(row.category),
        source=row.source,
        automated_detection=row.automated_detection,
        automated_decision=row.automated_decision,
        decided_at=row.created_at,
        comment_id=row.comment_id,
        sanction_id=row.sanction_id,
        until=row.until,
        redress=s.Redress(
            appeal=s.AppealRoute(
                available=available,
                deadline=deadline,
                how="Appeal within six months (POST /api/v1/appeals, or 'Appeal' under your comment). "
                "A person other than the one who decided reviews it; no appeal is decided automatically.",
            ),
            out_of_court=OUT_OF_COURT,
            courts=COURTS,
        ),
        appeal=appeal_brief(appeal),
    )
