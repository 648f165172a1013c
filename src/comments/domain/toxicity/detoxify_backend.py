"""Detoxify as the Classifier: the bundled model, Detoxify's published models, or a local checkpoint.

torch, transformers and detoxify are imported when a model is loaded, not when this module is: importing
the package stays cheap for the CLI and for tests that use a fake classifier.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from comments.domain.toxicity import bundled as _bundled
from comments.domain.toxicity.bundled import bundled_model_id, ensure_bundled_checkpoint
from comments.domain.toxicity.classifier import ModelLoadError, Span

if TYPE_CHECKING:
    from comments.config import Settings

PUBLISHED_MODELS = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")
SETTING = "COMMENTS_TOXICITY_MODEL"


# Texts per `predict` call. detoxify pads a call to its longest text, so on CPU a big batch of mixed lengths
# spends most of its time on padding: texts sorted by length in calls of 8 ran 2x faster than one call of 32
# (bench/model_throughput.py, 2 cores). Accelerators want wide calls.
CPU_PREDICT_CHUNK = 8
ACCELERATOR_PREDICT_CHUNK = 64


# A word: a run of non-space characters, without the punctuation around it ("moron," -> "moron").
_WORD = re.compile(r"\S+")
_EDGE_PUNCTUATION = ".,;:!?\"'()[]{}<>\u00ab\u00bb\u201c\u201d\u2018\u2019"  # with typographic quotes


@dataclass(frozen=True, slots=True)
class SpanHead:
    """The bundled model's token span head: a linear layer over the encoder's last hidden state, with the
    fast tokenizer of the same vocabulary (for character offsets) and the word threshold."""

    weight: Any  # torch.Tensor [1, hidden]
    bias: Any  # torch.Tensor [1]
    tokenizer: Any
    threshold: float
    max_length: int


OCCLUSION_FALLBACK_SCORE = 0.5
"""The top label score from which a text the span head marks nothing in is explained by occlusion (the
same cut that names a label other than toxicity)."""
FALLBACK_MIN_DROP = 0.5
"""Logit units: a word whose removal moves the top label's logit less than this did not decide it."""
FALLBACK_SHARE = 0.3
"""A word is marked when its removal lowers the logit by at least this share of the largest drop."""
FALLBACK_MAX_WORDS = 120
"""One forward pass per word on the model's worker thread: a longer comment is left to the span head alone,
so that one long held comment cannot stall the scoring of everyone else's."""


def _logit(probability: float) -> float:
    clipped = min(max(probability, 1e-6), 1 - 1e-6)
    return math.log(clipped / (1 - clipped))


class DetoxifyClassifier:
    """A loaded `detoxify.Detoxify`. `score` sorts the texts by length and predicts in chunks of similar
    length (`predict_chunk` texts per call), then returns the scores in the order given.

    `explain` runs detoxify's own loaded model once per text with `output_hidden_states` and applies the
    span head to the last hidden state (the bundled model); without a span head (Detoxify's published
    models, local checkpoints) it falls back to occlusion: a word's share of the top score, one forward
    pass per word. Occlusion also answers (in logits: `_decisive_words`) for a text the span head marks
    nothing in while the model scores it as abusive (a top label at or above OCCLUSION_FALLBACK_SCORE): the
    head was trained on the words of insults and slurs, and a coded attack has none.
    """

    def __init__(
        self,
        detoxify: Any,
        model_id: str,
        predict_chunk: int = CPU_PREDICT_CHUNK,
        span_head: SpanHead | None = None,
    ) -> None:
        self.detoxify = detoxify
        self.model_id = model_id
        self.labels: tuple[str, ...] = tuple(detoxify.class_names)
        self.predict_chunk = predict_chunk
        self.span_head = span_head
        # Occlusion: a word is a span when removing it takes away this share of the top score.
        self.occlusion_threshold = 0.3

    def explain(self, texts: list[str]) -> list[list[Span]]:
        words, labels, scores = self._explain(texts)
        threshold = self.span_head.threshold if self.span_head is not None else self.occlusion_threshold
        spans = [
            [Span(start, end, label, round(p, 4)) for start, end, p in found if p >= threshold]
            for found, label in zip(words, labels, strict=True)
        ]
        if self.span_head is not None:
            for index, found in enumerate(spans):
                if not found:
                    spans[index] = self._decisive_words(texts[index], labels[index], scores[index])
        return spans

    def _decisive_words(self, text: str, label: str, base: dict[str, float]) -> list[Span]:
        """For a text the model scores as abusive (`base`, its scores) but the span head marks nothing in: the
        words whose removal lowers the top label's logit most (at least FALLBACK_MIN_DROP, and at least
        FALLBACK_SHARE of the largest drop). Logits, not probabilities: a saturated 0.99 barely moves when one
        word goes."""
        top = max(base, key=base.__getitem__)
        words = _words(text)
        if base[top] < OCCLUSION_FALLBACK_SCORE or len(words) > FALLBACK_MAX_WORDS:
            return []
        without = self.score(_without_each_word(text, words))
        drops = [_logit(base[top]) - _logit(scores[top]) for scores in without]
        largest = max(drops, default=0.0)
        if largest < FALLBACK_MIN_DROP:
            return []
        cut = max(FALLBACK_MIN_DROP, FALLBACK_SHARE * largest)
        return [
            Span(start, end, label, round(drop / largest, 4))
            for (start, end), drop in zip(words, drops, strict=True)
            if drop >= cut
        ]

    def explain_words(self, texts: list[str]) -> list[list[tuple[int, int, float]]]:
        """Every word of every text with its span probability (or occlusion share), in text order."""
        return self._explain(texts)[0]

    def _explain(
        self, texts: list[str]
    ) -> tuple[list[list[tuple[int, int, float]]], list[str], list[dict[str, float]]]:
        """Per text: its words with their span probability (or occlusion share), the label to name, and the
        text's own scores (from the same forward pass)."""
        if self.span_head is None:
            return self._occlusion_words(texts)
        import torch

        head = self.span_head
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        words: list[list[tuple[int, int, float]]] = [[] for _ in texts]
        labels = ["toxicity"] * len(texts)
        text_scores: list[dict[str, float]] = [{} for _ in texts]
        device = next(self.detoxify.model.parameters()).device
        for start in range(0, len(order), self.predict_chunk):
            chunk = order[start : start + self.predict_chunk]
            encoded = head.tokenizer(
                [texts[i] for i in chunk],
                truncation=True,
                max_length=head.max_length,
                padding=True,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            offsets = encoded.pop("offset_mapping").tolist()
            with torch.no_grad():
                output = self.detoxify.model(**encoded.to(device), output_hidden_states=True)
                hidden = output.hidden_states[-1].float()
                tokens = torch.sigmoid(hidden @ head.weight.T.to(device) + head.bias.to(device))[..., 0].cpu()
                scores = torch.sigmoid(output.logits.float()).cpu()
            for row, index in enumerate(chunk):
                words[index] = _word_scores(texts[index], offsets[row], tokens[row].tolist())
                labels[index] = self._label_for(scores[row].tolist())
                text_scores[index] = dict(zip(self.labels, scores[row].tolist(), strict=True))
        return words, labels, text_scores

    def _label_for(self, scores: list[float]) -> str:
        others = [(score, label) for label, score in zip(self.labels, scores, strict=True) if label != "toxicity"]
        if others and max(others)[0] >= 0.5:
            return max(others)[1]
        return (
            "toxicity"
            if "toxicity" in self.labels
            else self.labels[int(max(range(len(scores)), key=scores.__getitem__))]
        )

    def _occlusion_words(
        self, texts: list[str]
    ) -> tuple[list[list[tuple[int, int, float]]], list[str], list[dict[str, float]]]:
        results: list[list[tuple[int, int, float]]] = []
        labels = []
        bases = []
        for text in texts:
            spans = _words(text)
            scored = self.score([text, *_without_each_word(text, spans)])
            base = scored[0]
            bases.append(base)
            top = max(base, key=base.__getitem__)
            labels.append(self._label_for([base[label] for label in self.labels]))
            whole = max(base[top], 1e-6)
            results.append(
                [
                    (start, end, max(0.0, (whole - s[top]) / whole))
                    for (start, end), s in zip(spans, scored[1:], strict=True)
                ]
            )
        return results, labels, bases

    def score(self, texts: list[str]) -> list[dict[str, float]]:
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        results: list[dict[str, float]] = [{}] * len(texts)
        for start in range(0, len(order), self.predict_chunk):
            chunk = order[start : start + self.predict_chunk]
            for index, scores in zip(chunk, self._predict([texts[i] for i in chunk]), strict=True):
                results[index] = scores
        return results

    def _predict(self, texts: list[str]) -> list[dict[str, float]]:
        predicted = self.detoxify.predict(texts)
        # Detoxify squeezes its output: a list of one text gives a float per label, not a list.
        columns = {label: values if isinstance(values, list) else [values] for label, values in predicted.items()}
        return [{label: float(columns[label][row]) for label in self.labels} for row in range(len(texts))]


def load_classifier(settings: Settings, on_step: Callable[[str], None] | None = None) -> DetoxifyClassifier:
    """Load the model named by `settings.toxicity_model` (slow: seconds; call it off the event loop)."""
    name = settings.toxicity_model.strip()
    if name == "bundled" or (name not in PUBLISHED_MODELS and settings.toxicity_config_dir is not None):
        # Everything is local: never try the hub. Read when huggingface_hub is first imported.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    import torch
    from transformers.utils import logging as transformers_logging

    if settings.toxicity_threads > 0:
        torch.set_num_threads(settings.toxicity_threads)
    transformers_logging.disable_progress_bar()

    if name == "bundled":
        detoxify, model_id = _load_bundled(settings, on_step)
    elif name in PUBLISHED_MODELS:
        detoxify, model_id = _load_published(name, settings.toxicity_device), f"detoxify-{name}"
    else:
        detoxify, model_id = _load_local(Path(name).expanduser(), settings), f"checkpoint-{Path(name).stem}"

    span_head = _load_span_head(settings) if name == "bundled" else None
    if settings.toxicity_quantize:
        detoxify.model = quantize_linear_layers(detoxify.model)
        model_id += "-int8"
    chunk = CPU_PREDICT_CHUNK if settings.toxicity_device == "cpu" else ACCELERATOR_PREDICT_CHUNK
    return DetoxifyClassifier(detoxify, model_id, predict_chunk=chunk, span_head=span_head)


def _word_scores(text: str, offsets: list[list[int]], tokens: list[float]) -> list[tuple[int, int, float]]:
    """Token probabilities merged to words: a word scores its highest token."""
    found = []
    for start, end in _words(text):
        inside = [p for (a, b), p in zip(offsets, tokens, strict=False) if a != b and a < end and b > start]
        if inside:
            found.append((start, end, float(max(inside))))
    return found


def _without_each_word(text: str, words: list[tuple[int, int]]) -> list[str]:
    """The text once per word, with that word taken out (occlusion's variants)."""
    return [text[:start] + text[end:] for start, end in words]


def _words(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _WORD.finditer(text):
        start, end = match.span()
        while start < end and text[start] in _EDGE_PUNCTUATION:
            start += 1
        while end > start and text[end - 1] in _EDGE_PUNCTUATION:
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def _load_span_head(settings: Settings) -> SpanHead | None:
    if not _bundled.SPAN_HEAD_TENSORS.is_file():
        return None
    from safetensors.torch import load_file
    from transformers import BertTokenizerFast

    tensors = load_file(_bundled.SPAN_HEAD_TENSORS)
    config_dir = ensure_bundled_checkpoint(settings.home).config_dir
    return SpanHead(
        weight=tensors["weight"].float(),
        bias=tensors["bias"].float(),
        tokenizer=BertTokenizerFast.from_pretrained(str(config_dir)),
        threshold=_bundled.span_threshold(),
        max_length=int(_bundled.bundled_metadata()["max_length"]),
    )


def quantize_linear_layers(model: Any) -> Any:
    """Dynamic int8 quantisation of every Linear layer (weights int8, activations quantised per batch)."""
    import torch
    from torch.ao.quantization import quantize_dynamic

    return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def _load_bundled(settings: Settings, on_step: Callable[[str], None] | None) -> tuple[Any, str]:
    from detoxify import Detoxify

    try:
        bundled = ensure_bundled_checkpoint(settings.home, on_step)
        detoxify = Detoxify(
            checkpoint=str(bundled.checkpoint),
            huggingface_config_path=str(bundled.config_dir),
            device=settings.toxicity_device,
        )
    except Exception as exc:
        raise ModelLoadError(f"the bundled toxicity model could not be assembled or loaded: {exc}") from exc
    return detoxify, bundled_model_id()


def _load_published(name: str, device: str) -> Any:
    from detoxify import Detoxify

    try:
        return Detoxify(model_type=name, device=device)
    except Exception as exc:
        raise ModelLoadError(
            f"{SETTING}={name}: Detoxify's published model could not be loaded ({exc}). detoxify downloads "
            f"it on first use, which needs network access to github.com and huggingface.co. Without it, set "
            f"{SETTING}=bundled (the offline model shipped with the service) or to the path of a local "
            "Detoxify checkpoint, with COMMENTS_TOXICITY_CONFIG_DIR pointing at its Hugging Face config."
        ) from exc


def _load_local(checkpoint: Path, settings: Settings) -> Any:
    if not checkpoint.is_file():
        raise ModelLoadError(
            f"{SETTING}={settings.toxicity_model!r} is neither 'bundled', one of Detoxify's published models "
            f"({', '.join(PUBLISHED_MODELS)}), nor an existing checkpoint file."
        )
    config_dir = settings.toxicity_config_dir
    if config_dir is not None and not config_dir.is_dir():
        raise ModelLoadError(f"COMMENTS_TOXICITY_CONFIG_DIR={config_dir} is not a directory.")
    from detoxify import Detoxify

    try:
        return Detoxify(
            checkpoint=str(checkpoint),
            huggingface_config_path=str(config_dir) if config_dir is not None else None,
            device=settings.toxicity_device,
        )
    except Exception as exc:
        raise ModelLoadError(
            f"{SETTING}={checkpoint}: the checkpoint could not be loaded ({exc}). An air-gapped install "
            "also needs COMMENTS_TOXICITY_CONFIG_DIR: the Hugging Face config and tokenizer files."
        ) from exc
