"""AnalyzeComment and SuggestCommentScore on our model, and the feedback they leave for retraining.

Texts are scored through the same micro-batching runner as posted comments. Nothing here logs a text,
and a request with `doNotStore: true` leaves nothing about its text in the database.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.db.perspective import PerspectiveFeedback, PerspectiveKey
from comments.db.service import Service, view
from comments.domain.moderation.schemas import LabelQuality
from comments.domain.moderation.stats import metrics as quality
from comments.domain.perspective import mapping
from comments.domain.perspective import schemas as s

log = logging.getLogger(__name__)

DEFAULT_HOLD = 0.5
"""The auto-hold threshold for labels the bundled model's metadata does not name."""


class Scorer(Protocol):
    """The toxicity runner (BatchingRunner) as this package uses it."""

    model_id: str | None

    async def score(self, text: str) -> dict[str, float]: ...


def scorer_labels(scorer: Any) -> tuple[str, ...]:
    """The labels the loaded model scores (empty while it loads): decided at run time, not by a list."""
    return tuple(getattr(scorer, "labels", ()) or ()) if scorer is not None else ()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class PerspectiveService(Service[PerspectiveFeedback]):
    """The two Comment Analyzer operations. `explain` (text -> spans) feeds spanScores when a client asks
    for spanAnnotations; until the toxicity package has one, each attribute gets one whole-text span."""

    model_type = PerspectiveFeedback

    def __init__(
        self, *args: Any, scorer: Scorer | None = None, explain: mapping.Explainer | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.scorer = scorer
        self.explain = explain

    async def analyze(self, request: s.AnalyzeCommentRequest) -> s.AnalyzeCommentResponse:
        labels = scorer_labels(self.scorer)
        if not labels:
            raise mapping.unavailable("The toxicity model is not loaded yet; try again shortly.")
        analysis = mapping.plan_analysis(request, labels, getattr(self.scorer, "model_id", None))
        scores = await self._score(analysis.text) if analysis.attributes else {}
        if any(label not in scores for label in analysis.labels):
            raise mapping.unavailable("The toxicity model gave no score for a requested attribute.")
        return mapping.build_answer(analysis, scores, self.explain)

    async def suggest(self, key_id: UUID, request: s.SuggestCommentScoreRequest) -> s.SuggestCommentScoreResponse:
        """Store each suggested score as moderator feedback for `key_id` (text hashed unless the client set
        doNotStore false; nothing about the text when it set doNotStore true)."""
        text = mapping.check_text(request.comment)
        suggested = mapping.suggestions(request)
        requested = list(request.languages or [])
        forget_text = request.do_not_store is True
        scores: Mapping[str, float] = {}
        model_id = None
        if not forget_text and any(item.label for item in suggested):
            scores, model_id = await self._score_if_possible(text)
        for item in suggested:
            model_score = scores.get(item.label) if item.label else None
            self.session.add(
                PerspectiveFeedback(
                    key_id=key_id,
                    attribute=item.attribute,
                    label=item.label,
                    value=item.value,
                    model_score=None if forget_text else model_score,
                    model_id=None if forget_text or model_score is None else model_id,
                    text_sha256=None if forget_text else text_sha256(text),
                    text=text if request.do_not_store is False else None,
                    community_id=(request.community_id or None) and request.community_id[:500],
                    client_token=(request.client_token or None) and request.client_token[:500],
                )
            )
        await self.session.commit()
        return s.SuggestCommentScoreResponse(
            client_token=request.client_token,
            requested_languages=requested or None,
            detected_languages=list(mapping.model_languages(model_id or getattr(self.scorer, "model_id", None))[:1]),
        )

    async def _score(self, text: str) -> dict[str, float]:
        if self.scorer is None:
            raise mapping.unavailable("Toxicity scoring is disabled on this server.")
        try:
            return await self.scorer.score(text)
        except Exception as exc:  # the runner's ClassifierUnavailable (timeout, model error): a 503, logged
            log.warning("perspective: the model could not score a text (%s)", type(exc).__name__)
            raise mapping.unavailable("The toxicity model could not score this text in time.") from exc

    async def _score_if_possible(self, text: str) -> tuple[Mapping[str, float], str | None]:
        """Feedback is kept even when the model cannot score it now (its model_score stays empty)."""
        if not scorer_labels(self.scorer):
            return {}, None
        try:
            return await self._score(text), getattr(self.scorer, "model_id", None)
        except mapping.PerspectiveError:
            return {}, None


class FeedbackService(Service[PerspectiveFeedback]):
    """What clients' suggested scores say about the model: export for retraining, auto-hold quality."""

    model_type = PerspectiveFeedback

    async def export(
        self, *, key_name: str | None = None, with_text_only: bool = False
    ) -> AsyncIterator[s.FeedbackRecord]:
        """Every suggested score, oldest first, as labelled examples (streamed: the table may be large)."""
        query = (
            select(PerspectiveFeedback, PerspectiveKey.name)
            .join(PerspectiveKey, PerspectiveKey.id == PerspectiveFeedback.key_id)
            .order_by(PerspectiveFeedback.created_at, PerspectiveFeedback.id)
        )
        if key_name is not None:
            query = query.where(PerspectiveKey.name == key_name)
        if with_text_only:
            query = query.where(PerspectiveFeedback.text.is_not(None))
        result = await self.session.stream(query.execution_options(yield_per=500))
        async for row, name in result:
            yield s.FeedbackRecord(
                key=name,
                attribute=row.attribute,
                label=row.label,
                value=row.value,
                created_at=row.created_at,
                text=row.text,
                text_sha256=row.text_sha256,
                model_score=row.model_score,
                model_id=row.model_id,
                community_id=row.community_id,
                client_token=row.client_token,
            )

    async def quality(
        self, thresholds: Mapping[str, float], *, key_name: str | None = None, default: float = DEFAULT_HOLD
    ) -> list[LabelQuality]:
        """Precision and recall of the model's automatic holds against the clients' decisions, computed as
        the moderation stats compute them: a feedback whose model score reached the label's hold threshold
        counts as auto-held, a suggested value >= 0.5 as rejected."""
        query = select(
            PerspectiveFeedback.created_at,
            PerspectiveFeedback.label,
            PerspectiveFeedback.value,
            PerspectiveFeedback.model_score,
        ).where(PerspectiveFeedback.label.is_not(None), PerspectiveFeedback.model_score.is_not(None))
        if key_name is not None:
            query = query.join(PerspectiveKey, PerspectiveKey.id == PerspectiveFeedback.key_id).where(
                PerspectiveKey.name == key_name
            )
        facts_by_label: dict[str, list[quality.DecisionFact]] = {}
        for created_at, label, value, model_score in await self.session.execute(query):
            flagged = model_score >= thresholds.get(label, default)
            facts_by_label.setdefault(label, []).append(
                quality.DecisionFact(
                    decided_at=created_at,
                    action="reject" if value >= 0.5 else "approve",
                    reason_code=None,
                    queued_at=None,
                    status_before="held" if flagged else "published",
                    flagged_labels=(label,) if flagged else (),
                )
            )
        # One label at a time: each feedback row speaks for one attribute only.
        return [quality.label_quality(facts, [label])[0] for label, facts in sorted(facts_by_label.items())]


async def usage(session: AsyncSession) -> list[s.KeyInfo]:
    rows = await session.scalars(select(PerspectiveKey).order_by(PerspectiveKey.created_at))
    return [key_info(row) for row in rows]


async def feedback_counts(session: AsyncSession) -> list[tuple[str, str, bool, int]]:
    """(key name, attribute, rejected?, count) for the metrics."""
    rejected = PerspectiveFeedback.value >= 0.5
    rows = await session.execute(
        select(PerspectiveKey.name, PerspectiveFeedback.attribute, rejected, func.count())
        .join(PerspectiveKey, PerspectiveKey.id == PerspectiveFeedback.key_id)
        .group_by(PerspectiveKey.name, PerspectiveFeedback.attribute, rejected)
    )
    return [(name, attribute, bool(flag), int(n)) for name, attribute, flag, n in rows]


def key_info(row: PerspectiveKey) -> s.KeyInfo:
    return view(s.KeyInfo, row)
