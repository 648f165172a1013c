"""The decision: rule hits and toxicity scores -> published, held or rejected, with every reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import isfinite
from typing import Any, Literal

from comments.domain.rules.engine import Hit
from comments.domain.rules.schema import RuleSet, effective_thresholds
from comments.domain.rules.wording import label_concern

Status = Literal["published", "held", "rejected"]


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # a hit's code, "toxicity" or "classifier_unavailable"
    action: Literal["reject", "hold", "flag"]
    message: str  # for the reader
    detail: dict[str, Any] = field(default_factory=dict)  # for moderators


@dataclass(frozen=True, slots=True)
class Decision:
    status: Status
    flagged: bool  # published, and listed for moderators
    reasons: tuple[Reason, ...]


_UNAVAILABLE = "A moderator will check your comment because our automatic check is not available right now."


def decide(rules: RuleSet, hits: list[Hit], scores: dict[str, float] | None) -> Decision:
    """Rejected if any hit rejects or a score reaches its label's reject threshold; else held if any hit
    holds, a score reaches its hold threshold, or there are no scores (never publish unscored); else
    published, flagged if any hit flags. When a rule rejects, the caller may skip scoring: the comment is
    rejected without a classifier_unavailable reason."""
    reasons = [Reason(hit.code, hit.action, hit.message, hit.detail) for hit in hits]
    unscored = scores is None
    for label, threshold in effective_thresholds(rules.toxicity).items():
        score = scores.get(label) if scores is not None else None
        if score is None:
            continue  # a label this model does not produce
        if not isfinite(score):
            unscored = True
            continue
        for action, level in (("reject", threshold.reject), ("hold", threshold.hold)):
            if level is not None and score >= level:
                reasons.append(_toxicity(label, score, action, level))
                break
    actions = {reason.action for reason in reasons}
    if "reject" in actions:
        return Decision("rejected", False, tuple(reasons))
    if unscored:
        reasons.append(Reason("classifier_unavailable", "hold", _UNAVAILABLE))
    if unscored or "hold" in actions:
        return Decision("held", False, tuple(reasons))
    return Decision("published", "flag" in actions, tuple(reasons))


def _toxicity(label: str, score: float, action: Literal["reject", "hold"], threshold: float) -> Reason:
    return Reason(
        "toxicity",
        action,
        f"Our automatic check found that your comment {label_concern(label)}.",
        {
            "label": label,
            "score": score,
            "threshold": threshold,
            "summary": f"{label}:{score:.2f}>={threshold:.2f}",
        },
    )
