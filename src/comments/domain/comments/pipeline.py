"""The posting pipeline: gates -> content rules -> toxicity -> decide -> store.

Gates refuse without writing a row (401/403/409/413/422/429). Everything after them ends in exactly one
stored comment whose status and reasons say what happened. The toxicity call happens before anything
is written, so no write transaction is held open while the model works; when the model is idle it is
asked even before the gates' queries (score_early), and its answer is used only once they pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import Article, Comment, CommentStatus, Sanction, SanctionKind, Site
from comments.domain.accounts.profiles import has_control_characters
from comments.domain.rules import (
    AuthorHistory,
    Decision,
    Draft,
    Hit,
    RuleSet,
    check_rate_limit,
    decide,
    evaluate,
)
from comments.domain.rules.stored import thread_closes_at
from comments.errors import (
    DomainError,
    InvalidInput,
    PayloadTooLarge,
    RateLimited,
    Sanctioned,
    ThreadClosed,
    WarningNotAcknowledged,
)

log = logging.getLogger(__name__)

HISTORY_WINDOW = timedelta(hours=24)
HISTORY_ROWS = 500
"""Enough for any sane per-day rate limit; bounds the query on prolific accounts."""


class ToxicityScorer(Protocol):
    model_id: str

    @property
    def idle(self) -> bool:
        """True when nothing waits for the model: a text given now is scored at once."""
        ...

    async def score(self, text: str) -> dict[str, float]:
        """Label scores; raises an exception when the model cannot answer in time."""
        ...


@runtime_checkable
class SpanExplainer(Protocol):
    """A scorer that can also say which words drove the scores (the runner: Explainer.explain, run by its
    worker thread, off the event loop)."""

    async def explain(self, text: str) -> list[Any]:
        """Spans (start, end, label, score), character offsets into `text`."""
        ...


EXPLAIN_SECONDS = 5.0
"""At most this long for the spans of a held comment; past it the comment is stored without them."""


@dataclass(frozen=True, slots=True)
class EarlyScore:
    """The model's answer for `text`, asked for before the gates ran (see score_early)."""

    text: str
    task: asyncio.Future[dict[str, float]]


@dataclass(frozen=True, slots=True)
class Verdict:
    hits: list[Hit]
    decision: Decision
    scores: dict[str, float] | None
    model: str | None
    spans: list[dict[str, Any]] | None = None
    """Why a toxicity threshold held or rejected it (explain=True in judge); None otherwise."""


def clean_body(body: str, rules: RuleSet) -> str:
    """Trimmed body within the site's limits, or a 413/422 naming the limit."""
    text = body.replace("\r\n", "\n").strip()
    if has_control_characters(text):
        raise InvalidInput(
            "Your comment contains control characters.",
            errors=[{"pointer": "/body", "message": "Remove control characters."}],
        )
    if len(text) > rules.body.max_length:
        raise PayloadTooLarge(
            f"Comments can be at most {rules.body.max_length} characters; yours has {len(text)}.",
            max_length=rules.body.max_length,
            length=len(text),
        )
    if len(text) < max(1, rules.body.min_length):
        raise InvalidInput(
            f"Comments need at least {max(1, rules.body.min_length)} characters.",
            errors=[{"pointer": "/body", "message": f"Write at least {max(1, rules.body.min_length)} characters."}],
        )
    return text


@contextmanager
def score_early(scorer: ToxicityScorer | None, body: str, rules: RuleSet) -> Iterator[EarlyScore | None]:
    """Ask the model for the body's scores before the gates' queries run, so that a lone post waits for
    the database and the model at the same time rather than one after the other: the model is most of a
    post's latency. Only when the model is idle: under load it is busy anyway and an early start gains
    nothing, while a post that a gate then refuses would have taken model time from the others. Leaving
    the block drops an answer nobody read (a refused post's: a text still queued is then never scored)."""
    early = _ask_early(scorer, body, rules)
    try:
        yield early
    finally:
        if early is not None:
            early.task.cancel()  # no-op once answered


def _ask_early(scorer: ToxicityScorer | None, body: str, rules: RuleSet) -> EarlyScore | None:
    if scorer is None or not scorer.idle:
        return None
    try:
        text = clean_body(body, rules)
    except DomainError:
        return None  # the body gate refuses it in its turn
    task = asyncio.ensure_future(scorer.score(text))
    task.add_done_callback(_ignore_unread_failure)
    return EarlyScore(text, task)


def _ignore_unread_failure(task: asyncio.Future[dict[str, float]]) -> None:
    # A refused post's answer is never read; its failure must not be logged as "never retrieved". A post
    # that does read it logs the failure in judge().
    if not task.cancelled():
        task.exception()


def sanction_in_force(sanction: Sanction, now: datetime) -> bool:
    """Whether a sanction binds now: the rule check_sanctions enforces (and the moderation views show)."""
    if sanction.lifted_at is not None:
        return False
    if sanction.kind == SanctionKind.BAN:
        return True
    if sanction.kind == SanctionKind.SUSPEND:
        return sanction.until is not None and sanction.until > now
    return sanction.acknowledged_at is None  # a warning, until the reader acknowledges it


async def check_sanctions(session: AsyncSession, user_id: UUID, site: Site, now: datetime) -> None:
    rows = (
        await session.scalars(
            select(Sanction).where(
                Sanction.user_id == user_id, Sanction.site_id == site.id, Sanction.lifted_at.is_(None)
            )
        )
    ).all()
    for sanction in rows:
        if sanction.kind == SanctionKind.BAN:
            raise Sanctioned(f"You are banned from commenting on {site.name}.", reason=sanction.reason, kind="ban")
        if sanction.kind == SanctionKind.SUSPEND and sanction.until and sanction.until > now:
            raise Sanctioned(
                f"You are suspended from commenting on {site.name} until {sanction.until.isoformat()}.",
                reason=sanction.reason,
                kind="suspend",
                until=sanction.until.isoformat(),
            )
    for sanction in rows:
        if sanction.kind == SanctionKind.WARN and sanction.acknowledged_at is None:
            raise WarningNotAcknowledged(
                "A moderator warned you. Read and acknowledge the warning before commenting again.",
                reason=sanction.reason,
                sanction_id=str(sanction.id),
            )


def check_open(article: Article, rules: RuleSet, now: datetime) -> None:
    closes_at = thread_closes_at(article, rules)
    if closes_at is None or closes_at > now:
        return
    if closes_at == article.closed_at:
        raise ThreadClosed("This thread is closed to new comments.")
    raise ThreadClosed("This thread closed automatically and takes no new comments.")


async def author_history(
    session: AsyncSession,
    user_id: UUID,
    account_created_at: datetime,
    site: Site,
    article: Article | None,
    now: datetime,
    rules: RuleSet,
) -> AuthorHistory:
    """What the rules need to know about an author's recent activity, read from the database so that
    limits hold across every server process."""
    duplicate_window = timedelta(seconds=rules.duplicate.window_seconds)
    recent = (
        await session.execute(
            select(Comment.created_at, Comment.article_id, Comment.body)
            .where(
                Comment.author_id == user_id,
                Comment.site_id == site.id,
                Comment.created_at > now - HISTORY_WINDOW,
            )
            .order_by(Comment.created_at.desc())
            .limit(HISTORY_ROWS)
        )
    ).all()
    return AuthorHistory(
        account_created_at=account_created_at,
        approved_on_site=await _approved_on_site(session, user_id, site, rules),
        recent_on_site=tuple(at for at, _, _ in recent),
        recent_on_article=tuple(at for at, article_id, _ in recent if article and article_id == article.id),
        recent_bodies=tuple((body, at) for at, _, body in recent if at > now - duplicate_window),
    )


async def _approved_on_site(session: AsyncSession, user_id: UUID, site: Site, rules: RuleSet) -> int:
    """The author's published comments on the site, counted only as far as a rule looks: premoderation of
    new commenters needs `approved_comments_needed` of them and no other rule reads the number. So a post
    costs no count at all on most sites, and a bounded one on the rest, however prolific the author."""
    premoderation = rules.premoderation
    if premoderation.mode != "new_commenters":
        return 0
    published = (
        select(Comment.id)
        .where(Comment.author_id == user_id, Comment.site_id == site.id, Comment.status == CommentStatus.PUBLISHED)
        .limit(premoderation.approved_comments_needed)
        .subquery()
    )
    return await session.scalar(select(func.count()).select_from(published)) or 0


def check_rate(rules: RuleSet, history: AuthorHistory, now: datetime) -> None:
    limited = check_rate_limit(rules, history, now)
    if limited is not None:
        raise RateLimited(limited.message, retry_after=limited.retry_after_seconds, limit=limited.code)


async def judge(
    rules: RuleSet,
    draft: Draft,
    history: AuthorHistory,
    now: datetime,
    scorer: ToxicityScorer | None,
    early: EarlyScore | None = None,
    *,
    explain: bool = False,
) -> Verdict:
    """Content rules, then the model (its early answer when it scored this very text), then the decision.
    A model that fails or times out gives no scores: decide() then holds the comment as
    classifier_unavailable (never published unscored). With `explain`, a comment a toxicity threshold
    held or rejected also gets the spans that drove its scores."""
    hits = evaluate(rules, draft, history, now)
    scores: dict[str, float] | None = None
    if scorer is not None:
        try:
            if early is not None and early.text == draft.body:
                scores = await early.task
            else:
                scores = await scorer.score(draft.body)
        except Exception:
            log.warning("toxicity scoring failed; holding the comment", exc_info=True)
    model = scorer.model_id if scorer is not None and scores is not None else None
    decision = decide(rules, hits, scores)
    spans = await explain_held(scorer, draft.body, decision) if explain else None
    return Verdict(hits, decision, scores, model, spans)


async def explain_held(scorer: ToxicityScorer | None, body: str, decision: Decision) -> list[dict[str, Any]] | None:
    """The spans of a comment that a toxicity threshold held or rejected, as stored (character offsets
    into `body`). None for other comments, and when the model cannot say in time: logged, and the comment
    is stored without them (explaining is an aid to moderators, never a reason to lose a post)."""
    if decision.status == "published" or not any(r.code == "toxicity" for r in decision.reasons):
        return None
    if not isinstance(scorer, SpanExplainer):
        return None
    try:
        spans = msgspec.to_builtins(await asyncio.wait_for(scorer.explain(body), EXPLAIN_SECONDS))
    except Exception:
        log.warning("toxicity explain failed; storing the comment without spans", exc_info=True)
        return None
    return [
        {"start": s["start"], "end": s["end"], "label": s["label"], "score": float(s["score"])}
        for s in spans
        if 0 <= s["start"] < s["end"] <= len(body)
    ]
