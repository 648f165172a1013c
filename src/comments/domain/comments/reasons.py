"""Why a comment has its status: the typed `Reason` stored in `comment.reasons` (the pipeline's rule hits
and toxicity, then the latest moderation outcome), and the words moderators and readers choose from when
they reject or report a comment."""

from __future__ import annotations

from typing import Any, Final, Literal

import msgspec

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


class Reason(msgspec.Struct):
    """One element of `comment.reasons` (stored as JSON): a code (`toxicity`, a rule hit's code, or a
    moderation outcome below), the action it led to, the words for the author, details for moderators."""

    code: str
    action: str
    message: str
    detail: dict[str, Any] | None = None
    """{} or None when there is nothing to add (rows stored before this type may lack it)."""


def reasons_of(stored: list[dict[str, Any]] | None) -> list[Reason]:
    """The typed reasons of a comment row."""
    return msgspec.convert(stored or [], list[Reason])


def stored(reasons: list[Reason]) -> list[dict[str, Any]]:
    """What `comment.reasons` holds."""
    return msgspec.to_builtins(reasons)


def has_reason(stored_reasons: list[dict[str, Any]] | None, code: str) -> bool:
    return any(r.code == code for r in reasons_of(stored_reasons))


# Reasons that moderation adds to `comment.reasons`; a new outcome replaces the previous one, while the
# pipeline's own reasons (rule hits, toxicity) stay for the record.
MODERATOR_APPROVED: Final = "moderator_approved"
MODERATOR_REJECTED: Final = "moderator_rejected"
REPORTED: Final = "reported"
MODERATION_CODES: Final = frozenset({MODERATOR_APPROVED, MODERATOR_REJECTED, REPORTED})


def approved_reason() -> Reason:
    return Reason(MODERATOR_APPROVED, "approve", "A moderator reviewed your comment and published it.", {})


def rejected_reason(reason_code: str) -> Reason:
    return Reason(
        MODERATOR_REJECTED,
        "reject",
        f"A moderator removed your comment because {REASON_WORDING[reason_code]}.",
        {"reason_code": reason_code},
    )


def reported_reason() -> Reason:
    return Reason(REPORTED, "hold", "Readers reported your comment; it is hidden until a moderator reviews it.", {})


def with_outcome(stored_reasons: list[dict[str, Any]] | None, outcome: Reason) -> list[dict[str, Any]]:
    """The stored reasons with the latest moderation outcome replacing any earlier one."""
    return stored([*pipeline_reasons(stored_reasons), outcome])


def pipeline_reasons(stored_reasons: list[dict[str, Any]] | None) -> list[Reason]:
    """The pipeline's own reasons (rule hits, toxicity), without moderation outcomes."""
    return [r for r in reasons_of(stored_reasons) if r.code not in MODERATION_CODES]


def toxicity_labels(reasons: list[Reason]) -> list[str]:
    """Labels the model flagged (held or rejected) this comment for."""
    labels = {(r.detail or {}).get("label") for r in reasons if r.code == "toxicity"}
    return sorted(label for label in labels if isinstance(label, str))
