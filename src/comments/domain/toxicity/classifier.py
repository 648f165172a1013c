"""The classifier seam: what the posting pipeline needs from a toxicity model."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import msgspec


@runtime_checkable
class Classifier(Protocol):
    """Scores texts with one probability per label (Detoxify's label names: `toxicity`, `insult`, ...).

    `score` is synchronous and CPU-bound: call it from a worker thread, never on the event loop.
    """

    model_id: str
    labels: tuple[str, ...]

    def score(self, texts: list[str]) -> list[dict[str, float]]:
        """One `{label: probability}` dict per text, in the order given."""
        ...


class Span(msgspec.Struct, frozen=True):
    """A stretch of a comment that drove its score: characters `text[start:end]` (a whole word)."""

    start: int
    end: int
    label: str
    """The label it is shown for: the comment's highest-scoring label other than `toxicity` when that
    score is at least 0.5, else `toxicity` (the span head itself is trained on toxic spans, not per label)."""
    score: float
    """The span head's probability for the word (occlusion: the share of the score the word carries)."""


@runtime_checkable
class Explainer(Protocol):
    """What a classifier offers to say why: `explain` is synchronous and CPU-bound like `score` (one more
    forward pass per text); call it from a worker thread, never on the event loop."""

    def explain(self, texts: list[str]) -> list[list[Span]]:
        """Per text, in the order given: the words that drove its score, in text order (empty: none)."""
        ...


class ModelLoadError(RuntimeError):
    """The configured toxicity model could not be loaded (bad setting, missing file, no network)."""


class ClassifierUnavailable(RuntimeError):
    """No scores for this text: the model is loading or failed, timed out, or raised.

    The posting pipeline holds the comment with reason `classifier_unavailable`.
    """
