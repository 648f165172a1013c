"""Statements of reasons (Art. 17), built from the audit entry of the decision they explain. Pure: the
hook (hook.py) feeds it the entry as it is added to the session, and stores what it returns.

How the two automation flags are set, from how the decision was made:
- `automated_detection`: the model or the posting rules held, rejected or flagged the comment.
  Readers' reports and notices are detection by people.
- `automated_decision`: nobody decided. The pipeline's hold or rejection, and a report threshold that
  hides a comment, are automated; a moderator's rejection, a sanction and a notice decision are not.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from comments.domain.compliance.categories import CATEGORIES, eu_category_for

APPEAL_MONTHS: Final = 6

STATEMENT_ACTIONS: Final = frozenset(
    {
        "comment.held",
        "comment.auto_rejected",
        "comment.reported",
        "comment.rejected",
        "comment.restricted",
        "user.suspended",
        "user.banned",
        "notifier.suspended",
    }
)
"""Audit actions that are a removal, a restriction or a suspension. (comment.approved and user.warned
restrict nothing; notice.* and appeal.* are not decisions on content.)"""

CONTEXT_KEY: Final = "compliance.decision_context"
"""session.info key: a notice decision puts its notice here while it applies the decision, so that the
statement says the decision answered a notice (and on which legal ground)."""


@dataclass(frozen=True, slots=True)
class AuditFacts:
    """What the hook reads from an audit entry."""

    action: str
    site_id: UUID
    actor_id: UUID | None
    target_user_id: UUID | None
    comment_id: UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class NoticeContext:
    notice_id: UUID
    category: str
    ground: str  # illegal | terms
    explanation: str
    legal_reference: str | None


@dataclass(frozen=True, slots=True)
class StatementDraft:
    decision: str
    scope: str
    facts: str
    ground: str
    source: str
    automated_detection: bool
    automated_decision: bool
    eu_category: str
    user_id: UUID | None = None
    recipient_email: str | None = None
    comment_id: UUID | None = None
    notice_id: UUID | None = None
    sanction_id: UUID | None = None
    notifier_suspension_id: UUID | None = None
    legal_reference: str | None = None
    terms_rule: str | None = None
    explanation: str | None = None
    category: str | None = None
    decided_by: UUID | None = None
    until: datetime | None = None


HIDDEN = "The comment is hidden from other readers; you still see it."
REMOVED = "The comment is removed from the site for everyone but you."


def _automatic_facts(codes: list[str], labels: list[str]) -> str:
    parts = []
    if labels:
        parts.append(f"Our automatic toxicity check flagged the comment ({', '.join(labels)}).")
    rule_codes = [c for c in codes if c != "toxicity"]
    if "classifier_unavailable" in rule_codes:
        parts.append("Our automatic check could not score the comment, so it waits for a moderator.")
        rule_codes.remove("classifier_unavailable")
    if rule_codes:
        parts.append(f"It matched the site's posting rules: {', '.join(rule_codes)}.")
    return " ".join(parts) or "The site's posting rules held the comment for review."


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def _until(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def build_statement(entry: AuditFacts, notice: NoticeContext | None = None) -> StatementDraft | None:
    """The statement an audit entry calls for, or None when it calls for none."""
    if entry.action not in STATEMENT_ACTIONS:
        return None
    before, after = entry.before or {}, entry.after or {}
    common: dict[str, Any] = {"user_id": entry.target_user_id, "comment_id": entry.comment_id}
    if notice is not None and entry.action in ("comment.rejected", "comment.restricted"):
        law = notice.ground == "illegal"
        return StatementDraft(
            decision="removal" if entry.action == "comment.rejected" else "restriction",
            scope=REMOVED if entry.action == "comment.rejected" else HIDDEN,
            facts="A notice said the comment is illegal; a moderator reviewed it and the comment. "
            + notice.explanation,
            ground="law" if law else "terms",
            legal_reference=notice.legal_reference if law else None,
            terms_rule=None if law else "community guidelines",
            explanation=notice.explanation,
            category=notice.category,
            eu_category=eu_category_for(notice.category if law else None, entry.reason),
            source="notice",
            automated_detection=False,
            automated_decision=False,
            notice_id=notice.notice_id,
            decided_by=entry.actor_id,
            **common,
        )
    if entry.action in ("comment.held", "comment.auto_rejected"):
        codes = [str(c) for c in after.get("reason_codes") or []]
        labels = [str(label) for label in after.get("toxicity_labels") or []]
        held = entry.action == "comment.held"
        rule = entry.reason or (codes[0] if codes else None)
        return StatementDraft(
            decision="restriction" if held else "removal",
            scope=(HIDDEN + " A moderator will review it.") if held else REMOVED,
            facts=_automatic_facts(codes, labels),
            ground="terms",
            terms_rule=", ".join(codes) or rule,
            eu_category=eu_category_for(None, rule),
            source="own_initiative",
            automated_detection=True,
            automated_decision=True,
            **common,
        )
    if entry.action == "comment.reported":
        if not after.get("hidden"):
            return None  # the threshold queued the comment but kept it visible: nothing was restricted
        return StatementDraft(
            decision="restriction",
            scope=HIDDEN + " A moderator will review it.",
            facts=entry.note or "Readers reported the comment.",
            ground="terms",
            terms_rule="reports threshold",
            eu_category=eu_category_for(None, None),
            source="report",
            automated_detection=False,
            automated_decision=True,
            **common,
        )
    if entry.action == "comment.rejected":
        codes = [str(c) for c in before.get("reason_codes") or []]
        labels = [str(label) for label in before.get("toxicity_labels") or []]
        automatic = (before.get("auto_status") in ("held", "rejected") and bool(codes)) or bool(before.get("flagged"))
        if automatic:
            facts = _automatic_facts(codes, labels) + " A moderator reviewed it and removed it."
            source = "own_initiative"
        elif before.get("open_reports"):
            facts = "Readers reported the comment; a moderator reviewed it and removed it."
            source = "report"
        else:
            facts = "A moderator reviewed the comment and removed it."
            source = "own_initiative"
        return StatementDraft(
            decision="removal",
            scope=REMOVED,
            facts=facts,
            ground="terms",
            terms_rule=entry.reason,
            explanation=entry.note,
            eu_category=eu_category_for(None, entry.reason),
            source=source,
            automated_detection=automatic,
            automated_decision=False,
            decided_by=entry.actor_id,
            **common,
        )
    if entry.action in ("user.suspended", "user.banned"):
        until = _until(after.get("until"))
        banned = entry.action == "user.banned"
        return StatementDraft(
            decision="ban" if banned else "suspension",
            scope="You cannot comment on this site "
            + ("until the ban is lifted." if banned else f"until {until.isoformat() if until else 'it ends'}."),
            facts="A moderator reviewed your comments on this site. " + (entry.note or ""),
            terms_rule="community guidelines",
            sanction_id=_uuid(after.get("sanction_id")),
            **_against_person(entry, until),
        )
    # notifier.suspended
    until = _until(after.get("until"))
    return StatementDraft(
        decision="notice_suspension",
        scope=f"Notices you send to this site are not processed until {until.isoformat() if until else 'it ends'}.",
        facts=f"{after.get('unfounded_notices', 0)} of your recent notices were manifestly unfounded. "
        + (entry.note or ""),
        terms_rule="Article 23 DSA: misuse of the notice mechanism",
        notifier_suspension_id=_uuid(after.get("suspension_id")),
        recipient_email=after.get("reporter_email"),
        **_against_person(entry, until),
    )


def _against_person(entry: AuditFacts, until: datetime | None) -> dict[str, Any]:
    """What a moderator's suspension of a reader or of a notifier states alike: the site's terms, on the
    moderator's own initiative, until a time."""
    return {
        "ground": "terms",
        "explanation": entry.note,
        "eu_category": eu_category_for(None, None),
        "source": "own_initiative",
        "automated_detection": False,
        "automated_decision": False,
        "decided_by": entry.actor_id,
        "user_id": entry.target_user_id,
        "until": until,
    }


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the last day of the month where that day does not exist)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def appeal_deadline(decided_at: datetime) -> datetime:
    return add_months(decided_at, APPEAL_MONTHS)


DECISION_WORDS: Final = {
    "removal": "removed your comment",
    "restriction": "restricted the visibility of your comment",
    "suspension": "suspended your account on this site",
    "ban": "banned your account from this site",
    "notice_suspension": "suspended the processing of your notices",
}

OUT_OF_COURT: Final = (
    "You may also refer the decision to a certified out-of-court dispute settlement body (Article 21 DSA); "
    "the list is published by the Digital Services Coordinators and the European Commission."
)
COURTS: Final = "You may always challenge the decision before the competent court under national law."


def category_label(category: str | None) -> str | None:
    return CATEGORIES[category].label if category in CATEGORIES else None
