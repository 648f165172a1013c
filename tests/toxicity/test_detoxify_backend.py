"""Choosing the model by COMMENTS_TOXICITY_MODEL, without the network (detoxify.Detoxify is replaced)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.error import URLError

import pytest

from comments.config import Settings
from comments.domain.toxicity.classifier import ModelLoadError
from comments.domain.toxicity.detoxify_backend import PUBLISHED_MODELS, DetoxifyClassifier, load_classifier
from comments.domain.toxicity.testing import TEST_MODEL_HOME


class RecordingDetoxify:
    """Stands in for detoxify.Detoxify: records how it was constructed; predicts like detoxify does."""

    calls: list[dict[str, Any]]

    def __init__(self, **kwargs: Any) -> None:
        type(self).calls.append(kwargs)
        self.class_names = ["toxicity", "insult"]
        self.model = None
        self.predicted: list[list[str]] = []

    def predict(self, texts: list[str]) -> dict[str, Any]:
        self.predicted.append(texts)
        # detoxify squeezes the batch dimension: floats for one text, lists otherwise.
        toxicity = [0.9 if "idiot" in t else 0.1 for t in texts]
        insult = [0.8 if "idiot" in t else 0.05 for t in texts]
        if len(texts) == 1:
            return {"toxicity": toxicity[0], "insult": insult[0]}
        return {"toxicity": toxicity, "insult": insult}


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> type[RecordingDetoxify]:
    import detoxify

    recorder = type("Recorder", (RecordingDetoxify,), {"calls": []})
    monkeypatch.setattr(detoxify, "Detoxify", recorder)
    return recorder


@pytest.mark.parametrize("name", PUBLISHED_MODELS)
def test_published_models_are_asked_of_detoxify_by_name(name: str, recording: Any) -> None:
    classifier = load_classifier(Settings(toxicity_model=name, toxicity_device="cpu"))
    assert recording.calls == [{"model_type": name, "device": "cpu"}]
    assert classifier.model_id == f"detoxify-{name}"
    assert classifier.labels == ("toxicity", "insult")


def test_a_published_model_without_network_fails_with_the_setting_to_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import detoxify

    def offline(**_kwargs: Any) -> None:
        raise URLError("Temporary failure in name resolution")

    monkeypatch.setattr(detoxify, "Detoxify", offline)
    with pytest.raises(ModelLoadError) as raised:
        load_classifier(Settings(toxicity_model="unbiased"))
    message = str(raised.value)
    assert "COMMENTS_TOXICITY_MODEL" in message
    assert "bundled" in message
    assert "name resolution" in message


def test_a_local_checkpoint_is_loaded_with_its_config_dir(tmp_path: Path, recording: Any) -> None:
    checkpoint = tmp_path / "toxic.ckpt"
    checkpoint.write_bytes(b"weights")
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    classifier = load_classifier(Settings(toxicity_model=str(checkpoint), toxicity_config_dir=config_dir))
    assert recording.calls == [
        {"checkpoint": str(checkpoint), "huggingface_config_path": str(config_dir), "device": "cpu"}
    ]
    assert classifier.model_id == "checkpoint-toxic"


@pytest.mark.parametrize(
    ("model", "config_dir", "complaint"),
    [
        ("no/such/checkpoint.ckpt", None, "neither 'bundled'"),
        ("originals", None, "neither 'bundled'"),
        (__file__, "no/such/dir", "COMMENTS_TOXICITY_CONFIG_DIR"),
    ],
)
def test_bad_model_settings_fail_clearly(model: str, config_dir: str | None, complaint: str) -> None:
    settings = Settings(toxicity_model=model, toxicity_config_dir=Path(config_dir) if config_dir else None)
    with pytest.raises(ModelLoadError, match=complaint):
        load_classifier(settings)


def test_scores_are_one_dict_per_text_even_for_one_text(recording: Any) -> None:
    classifier = DetoxifyClassifier(recording(), "test")
    assert classifier.score(["you idiot"]) == [{"toxicity": 0.9, "insult": 0.8}]
    assert classifier.score([]) == []


def test_texts_are_predicted_in_chunks_of_similar_length_and_answered_in_order(recording: Any) -> None:
    detoxify = recording()
    classifier = DetoxifyClassifier(detoxify, "test", predict_chunk=2)
    texts = ["a much longer text, you idiot", "hi", "medium text", "you idiot", "ok"]
    results = classifier.score(texts)
    assert [r["toxicity"] for r in results] == [0.9, 0.1, 0.1, 0.9, 0.1]
    assert detoxify.predicted == [["hi", "ok"], ["you idiot", "medium text"], ["a much longer text, you idiot"]]


@pytest.mark.model
def test_an_assembled_checkpoint_loads_as_a_local_checkpoint(bundled_classifier: Any) -> None:
    """The air-gapped path for real: a Detoxify checkpoint file + its Hugging Face config directory."""
    from comments.domain.toxicity.bundled import ensure_bundled_checkpoint

    assembled = ensure_bundled_checkpoint(TEST_MODEL_HOME)
    local = load_classifier(
        Settings(toxicity_model=str(assembled.checkpoint), toxicity_config_dir=assembled.config_dir)
    )
    assert local.model_id == "checkpoint-model"
    texts = ["You are a stupid idiot.", "Thanks, that was helpful."]
    expected = [r["toxicity"] for r in bundled_classifier.score(texts)]
    assert [r["toxicity"] for r in local.score(texts)] == pytest.approx(expected, abs=1e-6)


def test_decisive_words_are_the_words_whose_removal_lowers_the_logit_most(recording: Any) -> None:
    classifier = DetoxifyClassifier(recording(), "recording")
    text = "Thanks for nothing, idiot, and goodbye."
    (scores,) = classifier.score([text])
    spans = classifier._decisive_words(text, "insult", scores)
    assert [text[s.start : s.end] for s in spans] == ["idiot"]
    assert spans[0].label == "insult"
    assert spans[0].score == 1.0


def test_decisive_words_are_not_sought_in_civil_or_very_long_comments(recording: Any) -> None:
    detoxify = recording()
    classifier = DetoxifyClassifier(detoxify, "recording")
    civil = "Thanks for the clear report on the budget."
    assert classifier._decisive_words(civil, "toxicity", {"toxicity": 0.1, "insult": 0.05}) == []
    long_rant = "idiot " + "and the council should explain the budget " * 20
    assert classifier._decisive_words(long_rant, "insult", {"toxicity": 0.9, "insult": 0.8}) == []
    assert detoxify.predicted == []  # under 0.5, or past FALLBACK_MAX_WORDS: no forward pass at all
