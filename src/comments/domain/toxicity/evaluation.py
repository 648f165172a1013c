"""Quality measures for a toxicity score against 0/1 labels, with bootstrap confidence intervals.

A comment counts as flagged when its score is >= the threshold, as in the posting decision.
Pure numpy: usable at run time (`comments toxicity eval`) without the training extras.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

TEXT_COLUMNS = ("text", "comment_text", "comment", "body", "tweet")
LABEL_COLUMNS = ("label", "toxic", "toxicity", "is_toxic")
_TRUE = {"1", "1.0", "true", "yes"}
_FALSE = {"0", "0.0", "false", "no"}

Statistic = Callable[[np.ndarray, np.ndarray], float]


@dataclass(frozen=True, slots=True)
class LabeledTexts:
    texts: list[str]
    labels: list[int]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate and its bootstrap interval."""

    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "low": self.low, "high": self.high}

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


def roc_auc(labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half); nan without both classes."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = _average_ranks(s)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def recall_at(labels: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """Share of toxic texts flagged."""
    y = np.asarray(labels, dtype=bool)
    return float((np.asarray(scores)[y] >= threshold).mean()) if y.any() else float("nan")


def false_positive_rate_at(labels: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """Share of clean texts flagged."""
    y = np.asarray(labels, dtype=bool)
    return float((np.asarray(scores)[~y] >= threshold).mean()) if (~y).any() else float("nan")


def bootstrap(
    statistic: Statistic,
    labels: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    *,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> Estimate:
    """Percentile bootstrap, resampling positives and negatives separately.

    Stratified so that every resample keeps the class counts: with few toxic rows a plain resample
    can draw none, and the AUC would be undefined.
    """
    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=float)
    value = statistic(y, s)
    if resamples <= 0 or math.isnan(value):
        return Estimate(value, float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    classes = [np.flatnonzero(y == c) for c in (0, 1) if (y == c).any()]
    draws = []
    for _ in range(resamples):
        index = np.concatenate([rng.choice(members, size=members.size) for members in classes])
        draws.append(statistic(y[index], s[index]))
    low, high = np.nanpercentile(draws, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return Estimate(value, float(low), float(high))


def evaluate(
    labels: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    thresholds: Mapping[str, float],
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """ROC AUC and, for each named threshold, recall and false-positive rate, all with 95% intervals."""
    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=float)
    options = {"resamples": resamples, "seed": seed}
    return {
        "rows": int(y.size),
        "toxic": int(y.sum()),
        "roc_auc": bootstrap(roc_auc, y, s, **options).as_dict(),
        "thresholds": {
            name: {
                "threshold": threshold,
                "recall": bootstrap(_bind(recall_at, threshold), y, s, **options).as_dict(),
                "false_positive_rate": bootstrap(_bind(false_positive_rate_at, threshold), y, s, **options).as_dict(),
            }
            for name, threshold in thresholds.items()
        },
    }


def read_labeled(path: Path, *, text_column: str | None = None, label_column: str | None = None) -> LabeledTexts:
    """Read texts and 0/1 labels from a CSV (header row) or a JSONL file (one object per line).

    Without explicit column names the first of TEXT_COLUMNS / LABEL_COLUMNS present is used.
    """
    path = Path(path)
    rows = _read_jsonl(path) if path.suffix.lower() in {".jsonl", ".ndjson"} else _read_csv(path)
    if not rows:
        raise ValueError(f"{path}: no rows")
    columns = list(rows[0])
    text_column = text_column or _detect(columns, TEXT_COLUMNS, "text", path)
    label_column = label_column or _detect(columns, LABEL_COLUMNS, "label", path)
    texts, labels = [], []
    for line, row in enumerate(rows, start=2):
        if text_column not in row or label_column not in row:
            raise ValueError(f"{path}: row {line} lacks {text_column!r} or {label_column!r}")
        texts.append(str(row[text_column] or ""))
        labels.append(_binary(row[label_column], f"{path}: row {line}, column {label_column!r}"))
    return LabeledTexts(texts, labels)


def _average_ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    # Runs of equal values share the mean of their 1-based positions.
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], values.size]
    run_ranks = (starts + ends + 1) / 2
    ranks = np.empty(values.size, dtype=float)
    ranks[order] = np.repeat(run_ranks, ends - starts)
    return ranks


def _bind(measure: Callable[[np.ndarray, np.ndarray, float], float], threshold: float) -> Statistic:
    return lambda y, s: measure(y, s, threshold)


def _read_csv(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def _detect(columns: list[str], candidates: tuple[str, ...], kind: str, path: Path) -> str:
    for candidate in candidates:
        if candidate in columns:
            return candidate
    raise ValueError(f"{path}: no {kind} column among {columns}; name it ({', '.join(candidates)} are found)")


def _binary(value: Any, where: str) -> int:
    text = str(value).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    raise ValueError(f"{where}: label {value!r} is not 0/1")


# ---------------------------------------------------------------- multi-label policy and spans


def held_by_policy(
    scores: Mapping[str, np.ndarray], thresholds: Mapping[str, Mapping[str, float | None]]
) -> np.ndarray:
    """Per text: held or rejected by the per-label policy, i.e. some label's score >= its hold (or reject)
    threshold. Labels without a score or with both thresholds null never hold."""
    flags: np.ndarray | None = None
    for label, levels in thresholds.items():
        if label not in scores:
            continue
        values = np.asarray(scores[label], dtype=float)
        if flags is None:
            flags = np.zeros(values.shape, dtype=bool)
        for level in ("hold", "reject"):
            threshold = levels.get(level)
            if threshold is not None:
                flags |= values >= threshold
    if flags is None:
        size = len(next(iter(scores.values()))) if scores else 0
        return np.zeros(size, dtype=bool)
    return flags


def proportion(flags: Sequence[bool] | np.ndarray, *, resamples: int = 1000, seed: int = 0) -> Estimate:
    """A share with a percentile bootstrap interval (rows resampled)."""
    values = np.asarray(flags, dtype=float)
    if values.size == 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    value = float(values.mean())
    if resamples <= 0:
        return Estimate(value, float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    draws = values[rng.integers(0, values.size, size=(resamples, values.size))].mean(axis=1)
    low, high = np.percentile(draws, [2.5, 97.5])
    return Estimate(value, float(low), float(high))


def span_f1(predicted: set[int], gold: set[int]) -> float:
    """SemEval-2021 Task 5 per-post F1 over character offsets (both empty: 1; one empty: 0)."""
    if not gold:
        return 1.0 if not predicted else 0.0
    if not predicted:
        return 0.0
    overlap = len(predicted & gold)
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(predicted), overlap / len(gold)
    return 2 * precision * recall / (precision + recall)


# Label names Detoxify's models use: a file with several such 0/1 columns (or a `category` column) is
# evaluated per label and per category.
DETOXIFY_LABELS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "identity_hate",
    "sexual_explicit",
)
HOLD_EXPECTED = {"hold", "reject"}


def read_rows(path: Path) -> list[dict[str, Any]]:
    """All rows of a CSV (header row) or JSONL file, as dicts."""
    path = Path(path)
    rows = _read_jsonl(path) if path.suffix.lower() in {".jsonl", ".ndjson"} else _read_csv(path)
    if not rows:
        raise ValueError(f"{path}: no rows")
    return rows


def is_multilabel(columns: Sequence[str]) -> bool:
    return "category" in columns or "expected" in columns or sum(c in DETOXIFY_LABELS for c in columns) >= 2


def multilabel_report(
    rows: Sequence[Mapping[str, Any]],
    scores: Sequence[Mapping[str, float]],
    thresholds: Mapping[str, Mapping[str, float | None]],
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Per label (each 0/1 column named after a model label): ROC AUC and recall / false-positive rate at
    its hold threshold. Per category (a `category` column) and per `expected` outcome (publish / hold /
    reject): the share held or rejected by the whole policy, i.e. any label at or above its threshold."""
    labels = list(scores[0]) if scores else []
    columns = list(rows[0]) if rows else []
    matrix = {label: np.array([s[label] for s in scores], dtype=float) for label in labels}
    held = held_by_policy(matrix, {label: thresholds[label] for label in labels if label in thresholds})
    options = {"resamples": resamples, "seed": seed}
    report: dict[str, Any] = {"rows": len(rows), "thresholds": dict(thresholds), "labels": {}, "categories": {}}
    for label in labels:
        if label not in columns:
            continue
        y = np.array([_binary(row[label], f"column {label!r}") for row in rows])
        levels = thresholds.get(label, {})
        at = {name: value for name, value in levels.items() if value is not None}
        report["labels"][label] = evaluate(y, matrix[label], at, **options)
    report["held"] = proportion(held, **options).as_dict()
    if "category" in columns:
        categories = np.array([str(row["category"]) for row in rows])
        for category in dict.fromkeys(categories):
            members = categories == category
            entry: dict[str, Any] = {"rows": int(members.sum()), "held": proportion(held[members], **options).as_dict()}
            if "expected" in columns:
                expected = {str(row["expected"]) for row, m in zip(rows, members, strict=True) if m}
                entry["expected"] = "/".join(sorted(expected))
            report["categories"][category] = entry
    if "expected" in columns:
        expected_hold = np.array([str(row["expected"]).strip().lower() in HOLD_EXPECTED for row in rows])
        report["expected"] = {
            "publish": {
                "rows": int((~expected_hold).sum()),
                "held": proportion(held[~expected_hold], **options).as_dict(),
            },
            "hold": {"rows": int(expected_hold.sum()), "held": proportion(held[expected_hold], **options).as_dict()},
        }
    return report
