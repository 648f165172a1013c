"""What the comments package announces, and the audit of the pipeline's own decisions.

CommentService calls `comment_stored` when it stores a comment (posted or edited), after the flush and
before the commit. The audit entry is written here (the audit log sits below this package); everything
else that must hear of the comment (webhooks, and later caches or live updates) listens for
`CommentChanged` through `comments.events`, in this transaction: it commits with the comment or not at
all, and no import points back up the package graph."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import Article, Comment, CommentStatus
from comments.domain.audit import record_on
from comments.domain.comments.reasons import pipeline_reasons, toxicity_labels
from comments.events import emit

SYSTEM_ACTIONS = {CommentStatus.HELD: "comment.held", CommentStatus.REJECTED: "comment.auto_rejected"}
"""Not comment.rejected: that one is a moderator's decision (the rules backtest counts it as such)."""


@dataclass(frozen=True, slots=True)
class CommentChanged:
    """A comment was stored, decided on or reported. `event` defaults to `comment.<status>`; `extra` adds
    e.g. the decision or the report to what webhooks send. Emitted after the flush, before the commit."""

    comment: Comment
    article: Article | None = None
    event: str | None = None
    extra: dict[str, Any] | None = None


async def comment_stored(session: AsyncSession, comment: Comment, article: Article) -> None:
    """Audit the pipeline's hold or rejection (actor: the system) and announce the comment. Published
    comments are not audited (they are the bulk and need no review)."""
    action = SYSTEM_ACTIONS.get(CommentStatus(comment.status))
    if action is not None:
        reasons = pipeline_reasons(comment.reasons)
        record_on(
            session,
            comment,
            action=action,
            actor_id=None,
            after={
                "status": str(comment.status),
                "version": comment.version,
                "reason_codes": sorted({r.code for r in reasons}),
                "toxicity_labels": toxicity_labels(reasons),
                "scores": comment.scores,
            },
            reason=reasons[0].code if reasons else None,
        )
    await emit(session, CommentChanged(comment, article))
