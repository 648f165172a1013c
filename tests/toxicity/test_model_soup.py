"""scripts/model_soup.py: the weight average behind `train_bundled_model.py --soup` (docs/toxicity.md, v11)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from comments.domain.toxicity import bundled

LABELS = ("toxicity", "threat")
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "model_soup.py"


@pytest.fixture(scope="module")
def soup():
    spec = importlib.util.spec_from_file_location("model_soup", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ingredient(directory: Path, model_id: str, value: float, *, labels=LABELS, width: int = 3) -> Path:
    directory.mkdir()
    weight = torch.full((len(labels), width), value, dtype=torch.float16)
    save_file({"classifier.weight": weight}, directory / bundled.TRAINED_TENSORS.name)
    save_file(
        {"span.weight": torch.full((1, width), -value, dtype=torch.float16)}, directory / bundled.SPAN_HEAD_TENSORS.name
    )
    (directory / bundled.METADATA_FILE.name).write_text(json.dumps({"model_id": model_id, "labels": list(labels)}))
    return directory


def test_each_tensor_is_the_mean_of_the_ingredients_in_fp32(soup, tmp_path) -> None:
    first = ingredient(tmp_path / "a", "v9", 0.25)
    second = ingredient(tmp_path / "b", "v10a", 0.5)

    result = soup.weight_average([first, second], LABELS)

    weight = result["best"]["tensors"]["classifier.weight"]
    assert weight.dtype == torch.float32
    assert torch.equal(weight, torch.full((2, 3), 0.375))
    assert torch.equal(result["best"]["span_head"]["span.weight"], torch.full((1, 3), -0.375))
    assert result["best"]["epoch"] == "soup"
    assert [part["model_id"] for part in result["soup"]] == ["v9", "v10a"]
    assert result["soup"][0]["sha256"] == soup.ingredients_key([first])


def test_the_ingredients_key_depends_on_the_tensors_and_their_order(soup, tmp_path) -> None:
    first = ingredient(tmp_path / "a", "v9", 0.25)
    second = ingredient(tmp_path / "b", "v10a", 0.5)
    same_as_first = ingredient(tmp_path / "c", "a copy", 0.25)

    assert soup.ingredients_key([first]) == soup.ingredients_key([same_as_first])
    assert soup.ingredients_key([first, second]) != soup.ingredients_key([second, first])


def test_refuses_one_ingredient_other_shapes_or_other_labels(soup, tmp_path) -> None:
    first = ingredient(tmp_path / "a", "v9", 0.25)
    wider = ingredient(tmp_path / "b", "wider", 0.5, width=4)
    other_labels = ingredient(tmp_path / "c", "other", 0.5, labels=("toxicity", "insult"))

    with pytest.raises(SystemExit, match="two or more"):
        soup.weight_average([first], LABELS)
    with pytest.raises(SystemExit, match="different tensors"):
        soup.weight_average([first, wider], LABELS)
    with pytest.raises(SystemExit, match="not trained on the labels"):
        soup.weight_average([first, other_labels], LABELS)
