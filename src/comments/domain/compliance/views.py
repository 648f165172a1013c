"""Rows to answers: a statement of reasons as its recipient reads it, with the redress it offers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any, TypeVar

from comments.db import Appeal, StatementOfReasons
from comments.db.service import view
from comments.domain.compliance import schemas as s
from comments.domain.compliance.statements import (
    COURTS,
    DECISION_WORDS,
    OUT_OF_COURT,
    appeal_deadline,
    category_label,
)

R = TypeVar("R")


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def seconds_since(moment: datetime, now: datetime) -> int:
    return max(0, int((now - aware(moment)).total_seconds()))


def record_of(kind: type[R], row: Any, **values: Any) -> R:
    """One of the pure modules' records (a dataclass) from a row: each field from the row's attribute of
    the same name, unless given in `values` (as db.service.view does for response structs)."""
    names = [f.name for f in dataclasses.fields(kind)]  # type: ignore[arg-type]
    return kind(**{name: values[name] if name in values else getattr(row, name) for name in names})


def appeal_brief(appeal: Appeal | None) -> s.AppealBrief | None:
    return None if appeal is None else view(s.AppealBrief, appeal, received_at=appeal.created_at)


def statement_view(row: StatementOfReasons, slug: str, appeal: Appeal | None, now: datetime) -> s.StatementOfReasons:
    deadline = appeal_deadline(aware(row.created_at))
    available = appeal is None and now < deadline and row.user_id is not None
    who = "automatically" if row.automated_decision else "after review by a moderator"
    ground = f"the law ({row.legal_reference})" if row.ground == "law" else f"the site's terms ({row.terms_rule})"
    return view(
        s.StatementOfReasons,
        row,
        site=slug,
        summary=f"We {DECISION_WORDS[row.decision]} {who}, on the ground of {ground}.",
        category_label=category_label(row.category),
        decided_at=row.created_at,
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
