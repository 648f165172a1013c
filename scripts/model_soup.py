"""A uniform model soup (Wortsman et al., ICML 2022): each trained tensor is the mean of the ingredients'.

Used by `scripts/train_bundled_model.py --soup DIR --soup DIR`. An ingredient is a model directory laid out
like src/comments/domain/toxicity/bundled/ (trained tensors, span head, metadata.json). The ingredients
must be fine-tuned from the same backbone with the same layers trained (the same tensor names and shapes),
so the soup is the same network at the same inference cost. Only torch and safetensors: no training extras.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from comments.domain.toxicity import bundled

TENSOR_FILES = {"tensors": bundled.TRAINED_TENSORS.name, "span_head": bundled.SPAN_HEAD_TENSORS.name}
"""What the training script calls each part of a run, and the file it is shipped in."""


def weight_average(model_dirs: list[Path], labels: tuple[str, ...]) -> dict[str, Any]:
    """The soup as the training script saves a run: the best "epoch" holds the averaged tensors (fp32).

    `labels` are the run's; every ingredient must have shipped exactly these, so the classifier rows line up.
    """
    if len(model_dirs) < 2:
        raise SystemExit("--soup needs two or more model directories")
    metadata = [_metadata(model_dir) for model_dir in model_dirs]
    for model_dir, part in zip(model_dirs, metadata, strict=True):
        if tuple(part["labels"]) != labels:
            raise SystemExit(f"--soup: {model_dir} was not trained on the labels {labels}")
    parts: dict[str, dict[str, torch.Tensor]] = {}
    for key, file_name in TENSOR_FILES.items():
        loaded = [load_file(model_dir / file_name) for model_dir in model_dirs]
        shapes = [{name: tuple(tensor.shape) for name, tensor in part.items()} for part in loaded]
        if any(shape != shapes[0] for shape in shapes):
            raise SystemExit(f"--soup: the {file_name} files hold different tensors")
        # fp32 for the mean: two fp16 files averaged in fp16 would round twice.
        parts[key] = {name: torch.stack([part[name].float() for part in loaded]).mean(dim=0) for name in shapes[0]}
    ingredients = [
        {
            "model_dir": str(model_dir),
            "model_id": part["model_id"],
            "sha256": ingredients_key([model_dir]),
        }
        for model_dir, part in zip(model_dirs, metadata, strict=True)
    ]
    return {"best": {"epoch": "soup", **parts}, "history": [], "training_seconds": 0, "soup": ingredients}


def ingredients_key(model_dirs: list[Path]) -> str:
    """A short hash of the ingredients' tensor files, in order: names the saved run and identifies each part."""
    digest = hashlib.sha256()
    for model_dir in model_dirs:
        for file_name in TENSOR_FILES.values():
            digest.update((model_dir / file_name).read_bytes())
    return digest.hexdigest()[:16]


def _metadata(model_dir: Path) -> dict[str, Any]:
    return json.loads((model_dir / bundled.METADATA_FILE.name).read_text(encoding="utf-8"))
