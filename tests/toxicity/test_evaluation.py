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


# ---------------------------------------------------------------- multi-label policy, spans, per category


def test_the_policy_holds_when_any_label_reaches_its_threshold() -> None:
    from comments.domain.toxicity.evaluation import held_by_policy

    scores = {"toxicity": np.array([0.1, 0.6, 0.1, 0.1]), "threat": np.array([0.0, 0.0, 0.3, 0.9])}
    thresholds = {"toxicity": {"hold": 0.5, "reject": None}, "threat": {"hold": 0.3, "reject": 0.95}}
    assert held_by_policy(scores, thresholds).tolist() == [False, True, True, True]
    # A label with both thresholds null (obscene in the bundled policy) never holds.
    assert not held_by_policy({"obscene": np.array([0.99])}, {"obscene": {"hold": None, "reject": None}}).any()
    # A reject threshold alone still takes the comment out of publication.
    assert held_by_policy({"threat": np.array([0.96])}, {"threat": {"hold": None, "reject": 0.95}}).tolist() == [True]


def test_proportion_brackets_the_share() -> None:
    from comments.domain.toxicity.evaluation import proportion

    share = proportion([True] * 10 + [False] * 30, resamples=200, seed=1)
    assert share.value == 0.25
    assert share.low < 0.25 < share.high
    assert proportion([True] * 10 + [False] * 30, resamples=200, seed=1) == share


@pytest.mark.parametrize(
    ("predicted", "gold", "f1"),
    [
        (set(), set(), 1.0),
        ({1}, set(), 0.0),
        (set(), {1}, 0.0),
        ({1, 2, 3, 4}, {3, 4, 5, 6}, 0.5),
        ({1, 2}, {1, 2}, 1.0),
    ],
)
def test_span_f1_is_semevals_per_post_f1(predicted: set[int], gold: set[int], f1: float) -> None:
    from comments.domain.toxicity.evaluation import span_f1

    assert span_f1(predicted, gold) == pytest.approx(f1)


def test_multilabel_report_gives_every_label_and_category() -> None:
    from comments.domain.toxicity.evaluation import is_multilabel, multilabel_report

    rows = [
        {"text": "a", "category": "civil_plain", "expected": "publish", "toxicity": "0", "threat": "0"},
        {"text": "b", "category": "civil_plain", "expected": "publish", "toxicity": "0", "threat": "0"},
        {"text": "c", "category": "threat_direct", "expected": "hold", "toxicity": "1", "threat": "1"},
        {"text": "d", "category": "insult_reader", "expected": "hold", "toxicity": "1", "threat": "0"},
    ]
    scores = [
        {"toxicity": 0.1, "threat": 0.0},
        {"toxicity": 0.7, "threat": 0.0},
        {"toxicity": 0.4, "threat": 0.8},
        {"toxicity": 0.9, "threat": 0.1},
    ]
    thresholds = {"toxicity": {"hold": 0.6, "reject": None}, "threat": {"hold": 0.5, "reject": None}}
    assert is_multilabel(list(rows[0]))
    assert not is_multilabel(["text", "label"])
    report = multilabel_report(rows, scores, thresholds, resamples=50)
    assert set(report["labels"]) == {"toxicity", "threat"}
    assert report["labels"]["threat"]["roc_auc"]["value"] == 1.0
    assert report["labels"]["toxicity"]["thresholds"]["hold"]["recall"]["value"] == 0.5
    assert report["categories"]["civil_plain"]["held"]["value"] == 0.5
    assert report["categories"]["threat_direct"] | {"held": None} == {"rows": 1, "held": None, "expected": "hold"}
    assert report["expected"]["hold"]["held"]["value"] == 1.0
    assert report["expected"]["publish"]["held"]["value"] == 0.5
