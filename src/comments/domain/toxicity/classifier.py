"""The classifier seam: what the posting pipeline needs from a toxicity model."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


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


class ModelLoadError(RuntimeError):
    """The configured toxicity model could not be loaded (bad setting, missing file, no network)."""


class ClassifierUnavailable(RuntimeError):
    """No scores for this text: the model is loading or failed, timed out, or raised.

    The posting pipeline holds the comment with reason `classifier_unavailable`.
    """
