"""Statements of reasons in the EU DSA Transparency Database's submission format (the JSON body of
`POST https://transparency.dsa.ec.europa.eu/api/v1/statement`; fields in docs/dsa.md). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from comments.domain.compliance.categories import CATEGORIES

EEA: Final = tuple(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
SOURCE_TYPES: Final = {
    "notice": "SOURCE_ARTICLE_16",
    "report": "SOURCE_TYPE_OTHER_NOTIFICATION",
    "own_initiative": "SOURCE_VOLUNTARY",
}
VISIBILITY: Final = {
    "removal": "DECISION_VISIBILITY_CONTENT_REMOVED",
    "restriction": "DECISION_VISIBILITY_CONTENT_DISABLED",
}
ACCOUNT: Final = {"suspension": "DECISION_ACCOUNT_SUSPENDED", "ban": "DECISION_ACCOUNT_TERMINATED"}
EXPORTED_DECISIONS: Final = frozenset(VISIBILITY) | frozenset(ACCOUNT)
"""Art. 24(5) asks for the Art. 17 statements; an Art. 23 suspension of a notifier is not one."""


@dataclass(frozen=True, slots=True)
class ExportRow:
    id: UUID
    decision: str
    ground: str
    legal_reference: str | None
    terms_rule: str | None
    explanation: str | None
    facts: str
    category: str | None
    eu_category: str
    source: str
    automated_detection: bool
    automated_decision: bool
    created_at: datetime
    content_date: datetime | None
    until: datetime | None


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def to_transparency_db(row: ExportRow, *, guidelines_url: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"puid": str(row.id)}
    if row.decision in VISIBILITY:
        out["decision_visibility"] = [VISIBILITY[row.decision]]
    if row.decision in ACCOUNT:
        out["decision_account"] = ACCOUNT[row.decision]
        out["account_type"] = "ACCOUNT_TYPE_PRIVATE"
        if row.until is not None:
            out["end_date_account_restriction"] = _day(row.until)
    if row.ground == "law":
        out["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        out["illegal_content_legal_ground"] = row.legal_reference or "not stated"
        out["illegal_content_explanation"] = row.explanation or row.facts
    else:
        out["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        out["incompatible_content_ground"] = row.terms_rule or "community guidelines"
        out["incompatible_content_explanation"] = row.explanation or row.facts
        out["incompatible_content_illegal"] = "No"
    if guidelines_url:
        out["decision_ground_reference_url"] = guidelines_url
    out["category"] = row.eu_category
    keyword = CATEGORIES[row.category].eu_keyword if row.category in CATEGORIES else None
    if keyword:
        out["category_specification"] = [keyword]
    out["content_type"] = ["CONTENT_TYPE_TEXT"]
    out["content_date"] = _day(row.content_date or row.created_at)
    out["application_date"] = _day(row.created_at)
    out["decision_facts"] = row.facts
    out["source_type"] = SOURCE_TYPES[row.source]
    out["automated_detection"] = "Yes" if row.automated_detection else "No"
    out["automated_decision"] = (
        "AUTOMATED_DECISION_FULLY" if row.automated_decision else "AUTOMATED_DECISION_NOT_AUTOMATED"
    )
    out["territorial_scope"] = list(EEA)
    return out
