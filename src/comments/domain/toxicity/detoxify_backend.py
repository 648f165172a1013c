"""Detoxify as the Classifier: the bundled model, Detoxify's published models, or a local checkpoint.

torch, transformers and detoxify are imported when a model is loaded, not when this module is: importing
the package stays cheap for the CLI and for tests that use a fake classifier.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from comments.domain.toxicity.bundled import bundled_model_id, ensure_bundled_checkpoint
from comments.domain.toxicity.classifier import ModelLoadError

if TYPE_CHECKING:
    from comments.config import Settings

PUBLISHED_MODELS = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")
SETTING = "COMMENTS_TOXICITY_MODEL"


# Texts per `predict` call. detoxify pads a call to its longest text, so on CPU a big batch of mixed lengths
# spends most of its time on padding: texts sorted by length in calls of 8 ran 2x faster than one call of 32
# (bench/model_throughput.py, 2 cores). Accelerators want wide calls.
CPU_PREDICT_CHUNK = 8
ACCELERATOR_PREDICT_CHUNK = 64


class DetoxifyClassifier:
    """A loaded `detoxify.Detoxify`. `score` sorts the texts by length and predicts in chunks of similar
    length (`predict_chunk` texts per call), then returns the scores in the order given."""

    def __init__(self, detoxify: Any, model_id: str, predict_chunk: int = CPU_PREDICT_CHUNK) -> None:
        self.detoxify = detoxify
        self.model_id = model_id
        self.labels: tuple[str, ...] = tuple(detoxify.class_names)
        self.predict_chunk = predict_chunk

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

    if settings.toxicity_quantize:
        detoxify.model = quantize_linear_layers(detoxify.model)
        model_id += "-int8"
    chunk = CPU_PREDICT_CHUNK if settings.toxicity_device == "cpu" else ACCELERATOR_PREDICT_CHUNK
    return DetoxifyClassifier(detoxify, model_id, predict_chunk=chunk)


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
