"""Score the bundled model as it is on disk, through detoxify, on the VALIDATION rows only (v6's and v7's rules).

    .venv/bin/python scripts/compare_validation.py --out /tmp/v5b-validation.json   # before training: v5b
    .venv/bin/python scripts/compare_validation.py --out /tmp/v6-validation.json    # after: the candidate
    # v7's rule: the incumbent's thresholds re-chosen on validation under v7's caps
    .venv/bin/python scripts/compare_validation.py --rechoose civil_val_hold_max=0.04 \
        --rechoose heated_val_hold_max=0.07 --new-prefix v7- --out /tmp/v6-validation-v7caps.json

The rows are those of scripts/train_bundled_model.py's `load_data` (the current news set, new rows
included) with `split == "val"`; test rows are dropped before anything is scored. Reported: the five parts
of the epoch-selection mean and their mean (the same AUCs as `validation_metrics`, here through detoxify
from the written fp16 tensors, so that two models compare on one footing), and at the model's own
thresholds (its metadata.json) the news set's validation comments held per group and category. With
`--rechoose FIELD=VALUE` the thresholds are instead chosen on these validation rows by the training
script's `choose_thresholds` with those Recipe fields changed (the same rule a new candidate is held to).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_bundled_model as tbm

from comments.config import Settings
from comments.domain.toxicity import bundled
from comments.domain.toxicity.detoxify_backend import load_classifier
from comments.domain.toxicity.evaluation import held_by_policy, roc_auc

SOURCES = ("jigsaw", "wikipedia", "sbic", "dynahate", "fox", "news")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=tbm.DEFAULT_DATA_DIR)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--rechoose", action="append", default=[], metavar="FIELD=VALUE")
    parser.add_argument("--new-prefix", default="v6-", help="news ids of the round's new rows")
    args = parser.parse_args()

    data = tbm.load_data(args.data_dir, tbm.Recipe())
    val = data[(data.split == "val") & data.source.isin(SOURCES)].reset_index(drop=True)
    del data  # nothing but validation rows from here on
    metadata = json.loads(bundled.METADATA_FILE.read_text(encoding="utf-8"))
    classifier = load_classifier(
        Settings(home=Path(tempfile.mkdtemp(prefix="comments-compare-")), toxicity_threads=args.threads)
    )
    started = time.monotonic()
    scores = tbm.score_frame(classifier, val)
    print(f"{metadata['model_id']}: scored {len(val)} validation rows in {time.monotonic() - started:.0f}s")

    parts: dict[str, float] = {}
    comments = val.source.isin(tbm.COMMENT_STYLE).to_numpy()
    parts["val_auc_comments"] = roc_auc(val.label[comments], scores["toxicity"][comments])
    for source in ("sbic", "dynahate", "fox"):
        label = tbm.PRIMARY_LABEL[source]
        rows = (val.source == source).to_numpy()
        target = val[f"y_{label}"].to_numpy()[rows]
        known = ~np.isnan(target)
        parts[f"val_auc_{source}"] = roc_auc(target[known], scores[label][rows][known])
    news = (val.source == "news").to_numpy()
    highest = np.max([scores[label] for label in ("toxicity", "threat", "insult", "identity_attack")], axis=0)
    parts["val_auc_news_hold"] = roc_auc(val.label[news], highest[news])
    selection = float(np.mean(list(parts.values())))

    thresholds = metadata["thresholds"]
    if args.rechoose:
        recipe = tbm._with_overrides(tbm.Recipe(), args.rechoose)
        thresholds = tbm.choose_thresholds(val, scores, tuple(scores), recipe)
    held = held_by_policy(scores, thresholds)
    new_rows = val.news_id.astype(str).str.startswith(args.new_prefix).to_numpy()
    label = val.label.to_numpy()
    groups = {
        "abusive": news & (label == 1),
        "civil": news & (label == 0),
        "heated_civil": news & (val.category == "heated_civil").to_numpy(),
        "threats (threat label)": news & (val.y_threat == 1).to_numpy(),
        "identity attacks (identity_attack label)": news & (val.y_identity_attack == 1).to_numpy(),
        f"new rows ({args.new_prefix}*), abusive": news & (label == 1) & new_rows,
        "old rows, abusive": news & (label == 1) & ~new_rows,
        "old rows, civil": news & (label == 0) & ~new_rows,
        "clean jigsaw + wikipedia": comments & (label == 0),
    }
    held_report = {name: {"rows": int(rows.sum()), "held": int(held[rows].sum())} for name, rows in groups.items()}
    categories = {
        category: {"rows": int(rows.sum()), "held": int(held[rows].sum())}
        for category in (*tbm.CIVIL_CATEGORIES, *tbm.ABUSIVE_CATEGORIES)
        if (rows := news & (val.category == category).to_numpy()).any()
    }
    report = {
        "model_id": metadata["model_id"],
        "thresholds": thresholds,
        "thresholds_rechosen_with": args.rechoose,
        "validation_rows": len(val),
        "selection_parts": parts,
        "selection_mean": selection,
        "held": held_report,
        "news_categories": categories,
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
