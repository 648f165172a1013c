"""Which threshold on our TOXICITY score holds as many comments as Perspective does at a client's threshold
(Coral's default is 0.8)? Measured on the Wikipedia talk rows that carry Perspective's own score (`api`).

    .venv/bin/python bench/perspective_thresholds.py            # held-out half (the figure the docs use)
    .venv/bin/python bench/perspective_thresholds.py --threads 2

The bundled model was distilled from Perspective's scores on the TRAINING half of these rows
(scripts/train_bundled_model.py), so only the held-out half (same split and seed) is a fair measurement;
the training half is printed beside it for reference. For each Perspective threshold P: Perspective's hold
share at P, the threshold T on our score that holds the same share (the share-th quantile of our scores),
a bootstrap 95% interval for T, and what each holds of the human-labelled toxic and clean rows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PERSPECTIVE_THRESHOLDS = (0.5, 0.7, 0.8, 0.9)


def score(texts: list[str], threads: int) -> np.ndarray:
    import torch

    from comments.config import Settings
    from comments.domain.toxicity.detoxify_backend import load_classifier
    from comments.domain.toxicity.testing import TEST_MODEL_HOME

    torch.set_num_threads(threads)
    classifier = load_classifier(Settings(home=TEST_MODEL_HOME))
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    scores = np.zeros(len(texts))
    for start in range(0, len(order), 64):
        chunk = order[start : start + 64]
        for index, result in zip(chunk, classifier.score([texts[i] for i in chunk]), strict=True):
            scores[index] = result["toxicity"]
    return scores


def matching_threshold(ours: np.ndarray, share: float) -> float:
    """The score T with share(ours >= T) closest to `share` (the k-th highest score, k = share * n)."""
    k = round(share * len(ours))
    if k == 0:
        return float(ours.max()) + 1e-6
    return float(np.sort(ours)[::-1][k - 1])


def report(name: str, ours: np.ndarray, api: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> None:
    n, toxic = len(ours), int(labels.sum())
    print(f"\n{name}: {n} rows, {toxic} labelled toxic")
    print(
        f"{'P (Perspective)':>15} {'P holds':>8} {'T (ours)':>9} {'T 95% interval':>16} {'T holds':>8} "
        f"{'ours@P holds':>12} | {'toxic held P/T':>14} {'clean held P/T':>14}"
    )
    for p in PERSPECTIVE_THRESHOLDS:
        share = float((api >= p).mean())
        t = matching_threshold(ours, share)
        boot = []
        for _ in range(1000):
            pick = rng.integers(0, n, n)
            boot.append(matching_threshold(ours[pick], float((api[pick] >= p).mean())))
        low, high = np.percentile(boot, [2.5, 97.5])
        held_t = ours >= t
        print(
            f"{p:>15.2f} {share:>8.2%} {t:>9.3f} {f'[{low:.3f}, {high:.3f}]':>16} {held_t.mean():>8.2%} "
            f"{(ours >= p).mean():>12.2%} | "
            f"{f'{int(((api >= p) & (labels == 1)).sum())}/{int((held_t & (labels == 1)).sum())}':>14} "
            f"{f'{int(((api >= p) & (labels == 0)).sum())}/{int((held_t & (labels == 0)).sum())}':>14}"
        )


def own_hold(ours: np.ndarray, labels: np.ndarray) -> None:
    from comments.domain.toxicity import recommended_thresholds

    hold = recommended_thresholds()["toxicity"]["hold"]
    held = ours >= hold
    print(
        f"ours at our own default hold threshold {hold}: holds {held.mean():.2%} "
        f"({int((held & (labels == 1)).sum())} toxic, {int((held & (labels == 0)).sum())} clean)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "scripts"))
    import train_bundled_model as training

    data = training.load_data(training.DEFAULT_DATA_DIR, training.Recipe())
    wiki = data[(data.source == "wikipedia") & data.api.notna()].reset_index(drop=True)
    ours = score(wiki.text.tolist(), args.threads)
    rng = np.random.default_rng(20261201)
    for name, rows in (
        ("held-out half (never used in training)", wiki.split == "test"),
        (
            "training + validation half (the model was distilled from Perspective on the training part)",
            wiki.split != "test",
        ),
    ):
        mask = rows.to_numpy()
        report(name, ours[mask], wiki.api.to_numpy()[mask], wiki.label.to_numpy()[mask], rng)
        own_hold(ours[mask], wiki.label.to_numpy()[mask])


if __name__ == "__main__":
    main()
