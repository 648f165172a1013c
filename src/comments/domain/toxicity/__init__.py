"""Toxicity scoring: the Classifier seam, the Detoxify backend, the micro-batching runner, the bundled model.

Importing this package does not import torch or detoxify; loading a model does.

Scores: `Classifier.score(texts) -> [{label: probability}]`, labels with Detoxify's names (the bundled
model v5: toxicity, obscene, threat, insult, identity_attack). Per-label defaults for the policy:
`recommended_thresholds() -> {label: {"hold": float | None, "reject": float | None}}`.

Why a comment scored high: `Explainer.explain(texts) -> [[Span(start, end, label, score)]]`, one list per
text, whole words in text order, `text[start:end]` being the word (character offsets into the string
given). Synchronous and CPU-bound like `score` (one forward pass per text for the bundled model, through
the same loaded detoxify model; occlusion for models without a span head): call it from a worker thread
(e.g. `asyncio.to_thread`), never on the event loop, and only for the comments you keep spans for (held
ones). `DetoxifyClassifier` and `testing.FakeClassifier` implement it; check with `isinstance(c, Explainer)`.
"""

from comments.domain.toxicity.bundled import (
    bundled_model_id,
    ensure_bundled_checkpoint,
    recommended_thresholds,
)
from comments.domain.toxicity.classifier import Classifier, ClassifierUnavailable, Explainer, ModelLoadError, Span
from comments.domain.toxicity.cli import model_group, toxicity_group
from comments.domain.toxicity.detoxify_backend import PUBLISHED_MODELS, DetoxifyClassifier, load_classifier
from comments.domain.toxicity.runner import BatchingRunner

__all__ = [
    "PUBLISHED_MODELS",
    "BatchingRunner",
    "Classifier",
    "ClassifierUnavailable",
    "DetoxifyClassifier",
    "Explainer",
    "ModelLoadError",
    "Span",
    "bundled_model_id",
    "ensure_bundled_checkpoint",
    "load_classifier",
    "model_group",
    "recommended_thresholds",
    "toxicity_group",
]
