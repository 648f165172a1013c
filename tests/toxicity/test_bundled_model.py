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
    held = _held(bundled_classifier, NEUTRAL + TOXIC)
    assert held == [False] * len(NEUTRAL) + [True] * len(TOXIC)


def _held(classifier: Classifier, texts: list[str]) -> list[bool]:
    """The default policy: any label at or above its hold (or reject) threshold."""
    thresholds = bundled.recommended_thresholds()
    return [
        any(
            value is not None and scores[label] >= value
            for label, levels in thresholds.items()
            for value in levels.values()
        )
        for scores in classifier.score(texts)
    ]


# News comments, not in any training or test file (written for these tests).
HEATED_CIVIL = [
    "This budget is a disgrace. The chancellor promised no tax rises on working people and broke that "
    "promise within months, and the figures in the red book do not add up.",
    "Damn, another rise in rail fares. The government keeps failing commuters and nobody is held to account.",
    "Calling the minister's housing plan stupid policy is fair: it builds nothing where people need homes.",
    "As a Muslim and a nurse, I am tired of politicians using immigration as a scapegoat for NHS waiting lists.",
]
BY_LABEL = {
    "threat": "I know which street you live on. Keep posting and I will come round and break your legs.",
    "insult": "You are a brainless, pathetic little troll and everyone on this thread is laughing at you.",
    "identity_attack": "Muslims are vermin and should never be allowed to live in this country.",
}


def test_the_v5_labels_are_there(bundled_classifier: Classifier) -> None:
    assert {"toxicity", "insult", "threat", "identity_attack"} <= set(bundled_classifier.labels)
    assert bundled_classifier.model_id == "bundled-minilm-l6-v9"


@pytest.mark.parametrize("label", sorted(BY_LABEL))
def test_threats_insults_and_identity_attacks_score_high_in_their_label_and_are_held(
    bundled_classifier: Classifier, label: str
) -> None:
    (scores,) = bundled_classifier.score([BY_LABEL[label]])
    assert scores[label] >= bundled.recommended_thresholds()[label]["hold"]
    assert _held(bundled_classifier, [BY_LABEL[label]]) == [True]


def test_heated_civil_news_comments_are_published(bundled_classifier: Classifier) -> None:
    assert _held(bundled_classifier, HEATED_CIVIL) == [False] * len(HEATED_CIVIL)


def test_thresholds_in_the_metadata_are_well_formed() -> None:
    thresholds = bundled.recommended_thresholds()
    labels = bundled.bundled_metadata()["labels"]
    assert set(thresholds) == set(labels)
    for levels in thresholds.values():
        assert set(levels) == {"hold", "reject"}
        for value in levels.values():
            assert value is None or 0.0 < value < 1.0
    # The policy: profanity alone never holds; threats and identity attacks hold lower than insults.
    assert thresholds.get("obscene", {"hold": None})["hold"] is None
    for low in ("threat", "identity_attack"):
        assert thresholds[low]["hold"] <= thresholds["insult"]["hold"]
        assert thresholds[low]["hold"] <= thresholds["toxicity"]["hold"]


def test_explain_returns_spans_inside_the_text_that_cover_the_offending_word(bundled_classifier) -> None:
    from comments.domain.toxicity.classifier import Explainer, Span

    assert isinstance(bundled_classifier, Explainer)
    assert bundled_classifier.span_head is not None  # the bundled model explains with its span head
    texts = [
        "The council's report was thorough, but you are a complete idiot if you think it settles anything.",
        "Shut up, moron.",
        "Thanks for the article, the section on the budget was very clear.",
    ]
    explained = bundled_classifier.explain(texts)
    assert len(explained) == len(texts)
    for text, spans in zip(texts, explained, strict=True):
        for span in spans:
            assert isinstance(span, Span)
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start : span.end].strip() == text[span.start : span.end]
            assert span.label in bundled_classifier.labels
            assert 0.0 <= span.score <= 1.0
    assert "idiot" in [texts[0][s.start : s.end] for s in explained[0]]
    assert "moron" in [texts[1][s.start : s.end] for s in explained[1]]
    assert explained[2] == []
    # One text at a time gives the same spans as a batch (padding does not change them).
    assert bundled_classifier.explain([texts[1]]) == [explained[1]]


def test_explain_falls_back_to_occlusion_without_a_span_head(bundled_classifier: DetoxifyClassifier) -> None:
    occluding = DetoxifyClassifier(bundled_classifier.detoxify, bundled_classifier.model_id)
    text = "Thanks for the update on the bridge, moron."
    (spans,) = occluding.explain([text])
    assert "moron" in [text[s.start : s.end] for s in spans]


def test_a_coded_attack_the_span_head_leaves_unmarked_is_explained_by_its_decisive_words(
    bundled_classifier: DetoxifyClassifier,
) -> None:
    coded = "Every single one of those dinghy arrivals should be sent straight back, they will never be British."
    civil = "Thanks for the article, the section on the budget was very clear."
    (head_words,) = bundled_classifier.explain_words([coded])
    assert all(p < bundled_classifier.span_head.threshold for _, _, p in head_words)  # the head marks nothing
    spans, civil_spans = bundled_classifier.explain([coded, civil])
    marked = [coded[s.start : s.end] for s in spans]
    assert "British" in marked
    assert len(marked) <= 3  # the words that decided it, not the whole comment
    assert all(0.0 < s.score <= 1.0 for s in spans)
    assert civil_spans == []  # a civil comment is not explained by occlusion


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
    # The span head runs on the quantised model too.
    assert quantized.explain(["Shut up, moron."])[0]


def test_rules_default_to_the_bundled_models_recommended_thresholds():
    """The out-of-the-box thresholds are the ones chosen on the bundled model's validation split."""
    from comments.domain.rules import DEFAULT_TOXICITY_THRESHOLDS
    from comments.domain.toxicity import recommended_thresholds

    assert recommended_thresholds() == DEFAULT_TOXICITY_THRESHOLDS
