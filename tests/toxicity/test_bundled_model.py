"""The bundled model, for real: assembled from the package weights and loaded through detoxify."""

from __future__ import annotations

import json
import os

import pytest
import torch

from comments.config import Settings
from comments.domain.toxicity import bundled
from comments.domain.toxicity.classifier import Classifier
from comments.domain.toxicity.detoxify_backend import DetoxifyClassifier, load_classifier
from comments.domain.toxicity.testing import TEST_MODEL_HOME

pytestmark = pytest.mark.model

NEUTRAL = [
    "Thanks for the thorough article, the section on the budget was very clear.",
    "I disagree with the mayor here; the numbers in the second chart do not support the plan.",
    "Does anyone know when the new bridge is supposed to open?",
]
TOXIC = [
    "You are a pathetic idiot and everyone here hates you.",
    "Shut up, you stupid moron.",
    "What a load of crap, the author is a f***ing clown.",
]


def test_it_loads_through_detoxify_itself(bundled_classifier: Classifier) -> None:
    from detoxify import Detoxify

    assert isinstance(bundled_classifier, DetoxifyClassifier)
    assert isinstance(bundled_classifier.detoxify, Detoxify)
    assert type(bundled_classifier.detoxify.model).__name__ == bundled.MODEL_CLASS
    assert bundled_classifier.model_id == bundled.bundled_model_id()
    assert list(bundled_classifier.labels) == bundled.bundled_metadata()["labels"]


def test_the_trained_tensors_replace_the_package_weights(bundled_classifier: DetoxifyClassifier) -> None:
    from safetensors.torch import load_file

    state = bundled_classifier.detoxify.model.state_dict()
    trained = load_file(bundled.TRAINED_TENSORS)
    assert {"classifier.weight", "bert.pooler.dense.weight"} <= set(trained)
    for name, tensor in trained.items():
        assert torch.equal(state[name], tensor.float()), name


def test_toxic_text_scores_higher_than_neutral_text(bundled_classifier: Classifier) -> None:
    scores = [result["toxicity"] for result in bundled_classifier.score(NEUTRAL + TOXIC)]
    neutral, toxic = scores[: len(NEUTRAL)], scores[len(NEUTRAL) :]
    assert max(neutral) < min(toxic)
    hold = bundled.recommended_thresholds()["toxicity"]["hold"]
    assert max(neutral) < hold <= min(toxic)


def test_a_single_text_gives_a_list_of_one_dict(bundled_classifier: Classifier) -> None:
    (result,) = bundled_classifier.score([TOXIC[0]])
    assert set(result) == set(bundled_classifier.labels)
    assert all(isinstance(value, float) for value in result.values())
    assert result == pytest.approx(bundled_classifier.score([TOXIC[0], NEUTRAL[0]])[0], abs=1e-5)


def test_scores_do_not_depend_on_batch_neighbours(bundled_classifier: Classifier) -> None:
    alone = [bundled_classifier.score([text])[0]["toxicity"] for text in NEUTRAL + TOXIC]
    together = [result["toxicity"] for result in bundled_classifier.score(NEUTRAL + TOXIC)]
    assert together == pytest.approx(alone, abs=1e-5)


def test_assembly_is_idempotent_and_keyed_by_the_trained_tensors(tmp_path) -> None:
    first = bundled.ensure_bundled_checkpoint(tmp_path)
    written = first.checkpoint.stat().st_mtime_ns
    assert bundled.ensure_bundled_checkpoint(tmp_path) == first
    assert first.checkpoint.stat().st_mtime_ns == written
    assert first.checkpoint.parent.name.startswith("bundled-minilm-l6-")
    leftovers = [p.name for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]
    assert leftovers == []

    checkpoint = torch.load(first.checkpoint, weights_only=False)
    arch = checkpoint["config"]["arch"]["args"]
    assert arch["model_type"] == str(first.config_dir)  # a local directory: no hub lookup
    assert not any(key.endswith("position_ids") for key in checkpoint["state_dict"])
    config = json.loads((first.config_dir / "config.json").read_text())
    assert len(config["id2label"]) == len(checkpoint["config"]["dataset"]["args"]["classes"])


def test_a_moved_home_is_reassembled_with_its_new_paths(tmp_path) -> None:
    old_home, new_home = tmp_path / "old", tmp_path / "new"
    bundled.ensure_bundled_checkpoint(old_home)
    os.rename(old_home, new_home)
    moved = bundled.ensure_bundled_checkpoint(new_home)
    checkpoint = torch.load(moved.checkpoint, weights_only=False)
    assert checkpoint["config"]["arch"]["args"]["model_type"] == str(moved.config_dir)
    assert moved.config_dir.is_dir()


def test_int8_quantisation_keeps_the_ranking(bundled_classifier: Classifier) -> None:
    quantized = load_classifier(Settings(home=TEST_MODEL_HOME, toxicity_quantize=True))
    assert quantized.model_id == bundled_classifier.model_id + "-int8"
    modules = list(quantized.detoxify.model.modules())
    assert not any(type(m) is torch.nn.Linear for m in modules)
    assert any("quantized" in type(m).__module__ for m in modules)
    scores = [result["toxicity"] for result in quantized.score(NEUTRAL + TOXIC)]
    assert max(scores[: len(NEUTRAL)]) < min(scores[len(NEUTRAL) :])


def test_rules_default_to_the_bundled_models_recommended_thresholds():
    """The out-of-the-box hold threshold is the one chosen on the bundled model's validation split."""
    from comments.domain.rules import DEFAULT_TOXICITY_THRESHOLDS
    from comments.domain.toxicity import recommended_thresholds

    assert recommended_thresholds() == DEFAULT_TOXICITY_THRESHOLDS
