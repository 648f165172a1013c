"""Quality measures: AUC against its definition, rates, bootstrap intervals, reading labeled files."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comments.domain.toxicity.evaluation import (
    bootstrap,
    evaluate,
    false_positive_rate_at,
    read_labeled,
    recall_at,
    roc_auc,
)


def pairwise_auc(labels: list[int], scores: list[float]) -> float:
    """The definition: P(score of a toxic text > score of a clean one), ties counting half."""
    pairs = [
        1.0 if p > n else 0.5 if p == n else 0.0
        for (p, lp), (n, ln) in itertools.product(zip(scores, labels, strict=True), repeat=2)
        if lp == 1 and ln == 0
    ]
    return sum(pairs) / len(pairs)


@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])),
        min_size=2,
        max_size=40,
    ).filter(lambda rows: {label for label, _ in rows} == {0, 1})
)
def test_roc_auc_matches_its_definition_with_ties(rows: list[tuple[int, float]]) -> None:
    labels, scores = [r[0] for r in rows], [r[1] for r in rows]
    assert roc_auc(labels, scores) == pytest.approx(pairwise_auc(labels, scores))


def test_roc_auc_is_undefined_without_both_classes() -> None:
    assert math.isnan(roc_auc([1, 1], [0.2, 0.9]))


def test_rates_count_scores_at_the_threshold_as_flagged() -> None:
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0])
    scores = np.array([0.9, 0.8, 0.5, 0.1, 0.5, 0.2, 0.1, 0.0, 0.0])
    assert recall_at(labels, scores, 0.5) == 0.75
    assert false_positive_rate_at(labels, scores, 0.5) == 0.2


def test_bootstrap_is_reproducible_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(1)
    labels = (rng.random(400) < 0.1).astype(int)
    scores = rng.random(400) + labels * 0.5
    first = bootstrap(roc_auc, labels, scores, resamples=200, seed=7)
    assert first == bootstrap(roc_auc, labels, scores, resamples=200, seed=7)
    assert first.low < first.value < first.high
    assert first.high - first.low < 0.2


def test_evaluate_reports_every_threshold() -> None:
    report = evaluate([0, 0, 1, 1], [0.1, 0.6, 0.7, 0.9], {"hold": 0.5, "reject": 0.8}, resamples=20)
    assert (report["rows"], report["toxic"]) == (4, 2)
    assert report["roc_auc"]["value"] == 1.0
    assert report["thresholds"]["hold"]["false_positive_rate"]["value"] == 0.5
    assert report["thresholds"]["reject"]["recall"]["value"] == 0.5


def test_read_labeled_detects_the_shared_files_columns(tmp_path: Path) -> None:
    path = tmp_path / "jigsaw.csv"
    path.write_text('id,comment_text,toxic\na,"hello, there",0\nb,"you idiot",1\n')
    data = read_labeled(path)
    assert (data.texts, data.labels) == (["hello, there", "you idiot"], [0, 1])


def test_read_labeled_takes_named_columns_from_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"body": "fine", "flag": false}\n\n{"body": "awful", "flag": true}\n')
    data = read_labeled(path, text_column="body", label_column="flag")
    assert (data.texts, data.labels) == (["fine", "awful"], [0, 1])


def test_read_labeled_refuses_labels_that_are_not_binary(tmp_path: Path) -> None:
    path = tmp_path / "davidson.csv"
    path.write_text("tweet,label\nsome text,2\n")
    with pytest.raises(ValueError, match="not 0/1"):
        read_labeled(path)
