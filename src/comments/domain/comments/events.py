"""What moderation needs to hear from the posting pipeline. CommentService calls `comment_stored` when it
stores a comment (posted or edited), after the flush and before the commit, so that the audit entry and
the webhook event commit with the comment or not at all."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import Article, Comment, CommentStatus
from comments.domain.audit import record
from comments.domain.moderation.codes import pipeline_reasons, toxicity_labels
from comments.domain.moderation.webhooks import enqueue_comment_event

SYSTEM_ACTIONS = {CommentStatus.HELD: "comment.held", CommentStatus.REJECTED: "comment.auto_rejected"}
"""Not comment.rejected: that one is a moderator's decision (the rules backtest counts it as such)."""


async def comment_stored(session: AsyncSession, comment: Comment, article: Article) -> None:
    """Audit the pipeline's hold or rejection (actor: the system) and queue the `comment.<status>` webhook
    event. Published comments are not audited (they are the bulk and need no review)."""
    action = SYSTEM_ACTIONS.get(CommentStatus(comment.status))
    if action is not None:
        reasons = pipeline_reasons(comment.reasons)
        record(
            session,
            site_id=comment.site_id,
            action=action,
            actor_id=None,
            target_user_id=comment.author_id,
            comment_id=comment.id,
            article_id=comment.article_id,
            after={
                "status": str(comment.status),
                "version": comment.version,
                "reason_codes": sorted({str(r.get("code")) for r in reasons}),
                "toxicity_labels": toxicity_labels(reasons),
                "scores": comment.scores,
            },
            reason=reasons[0].get("code") if reasons else None,
        )
    await enqueue_comment_event(session, comment, article=article)
