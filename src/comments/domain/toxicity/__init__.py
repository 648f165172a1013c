"""Toxicity scoring: the Classifier seam, the Detoxify backend, the micro-batching runner, the bundled model.

Importing this package does not import torch or detoxify; loading a model does.
"""

from comments.domain.toxicity.bundled import (
    bundled_model_id,
    ensure_bundled_checkpoint,
    recommended_thresholds,
)
from comments.domain.toxicity.classifier import Classifier, ClassifierUnavailable, ModelLoadError
from comments.domain.toxicity.cli import model_group, toxicity_group
from comments.domain.toxicity.detoxify_backend import PUBLISHED_MODELS, DetoxifyClassifier, load_classifier
from comments.domain.toxicity.runner import BatchingRunner

__all__ = [
    "PUBLISHED_MODELS",
    "BatchingRunner",
    "Classifier",
    "ClassifierUnavailable",
    "DetoxifyClassifier",
    "ModelLoadError",
    "bundled_model_id",
    "ensure_bundled_checkpoint",
    "load_classifier",
    "model_group",
    "recommended_thresholds",
    "toxicity_group",
]
