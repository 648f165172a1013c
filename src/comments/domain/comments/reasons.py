"""The words moderators and readers choose from: why a comment is rejected or reported, and the reasons a
moderation outcome adds to a comment (its author sees them in the widget)."""

from __future__ import annotations

from typing import Any, Final, Literal

ReasonCode = Literal[
    "offensive",
    "abusive",
    "spam",
    "off_topic",
    "personal_information",
    "hate_speech",
    "misinformation",
    "other",
]
"""Why a moderator rejects a comment, or why a reader reports one. `other` needs a note."""

REASON_WORDING: Final[dict[str, str]] = {
    "offensive": "it is offensive",
    "abusive": "it is abusive towards others",
    "spam": "it is spam or advertising",
    "off_topic": "it is off topic",
    "personal_information": "it shares personal information",
    "hate_speech": "it contains hate speech",
    "misinformation": "it spreads misinformation",
    "other": "it breaks the community guidelines",
}

# Reasons that moderation adds to `comment.reasons`; a new outcome replaces the previous one, while the
# pipeline's own reasons (rule hits, toxicity) stay for the record.
MODERATOR_APPROVED: Final = "moderator_approved"
MODERATOR_REJECTED: Final = "moderator_rejected"
REPORTED: Final = "reported"
MODERATION_CODES: Final = frozenset({MODERATOR_APPROVED, MODERATOR_REJECTED, REPORTED})


def approved_reason() -> dict[str, Any]:
    return {
        "code": MODERATOR_APPROVED,
        "action": "approve",
        "message": "A moderator reviewed your comment and published it.",
        "detail": {},
    }


def rejected_reason(reason_code: str) -> dict[str, Any]:
    return {
        "code": MODERATOR_REJECTED,
        "action": "reject",
        "message": f"A moderator removed your comment because {REASON_WORDING[reason_code]}.",
        "detail": {"reason_code": reason_code},
    }


def reported_reason() -> dict[str, Any]:
    return {
        "code": REPORTED,
        "action": "hold",
        "message": "Readers reported your comment; it is hidden until a moderator reviews it.",
        "detail": {},
    }


def with_outcome(reasons: list[dict[str, Any]], outcome: dict[str, Any]) -> list[dict[str, Any]]:
    """The pipeline's reasons plus the latest moderation outcome (earlier outcomes are dropped)."""
    return [r for r in reasons if r.get("code") not in MODERATION_CODES] + [outcome]


def pipeline_reasons(reasons: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [r for r in reasons or [] if r.get("code") not in MODERATION_CODES]


def toxicity_labels(reasons: list[dict[str, Any]] | None) -> list[str]:
    """Labels the model flagged (held or rejected) this comment for."""
    labels = {(r.get("detail") or {}).get("label") for r in reasons or [] if r.get("code") == "toxicity"}
    return sorted(label for label in labels if isinstance(label, str))
