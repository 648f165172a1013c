"""Append a round's new hand-written rows to scripts/data/news_comments.csv, split once (v6's way, v7 onwards).

    .venv/bin/python scripts/append_news_rows.py /tmp/v7/abusive.csv /tmp/v7/civil.csv --seed 20261207

Per category, the new rows are permuted by `numpy.random.default_rng(seed)` over the new rows only:
round(n / 4) go to `val`, the rest to `train`; no new row goes to `test`, so every round's models compare on
the same held-out rows. Existing rows are left exactly as they are; a new id or a new text equal to an
existing one (after stripping) is refused, so the leak filter of the training script removes nothing held out.
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
from split_news_set import COLUMNS, TARGET, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--val-fraction", type=float, default=0.25)
    args = parser.parse_args()

    with TARGET.open(newline="", encoding="utf-8") as stream:
        existing = list(csv.DictReader(stream))
    ids = {row["id"] for row in existing}
    texts = {row["text"].strip() for row in existing}
    new = [row for path in args.files for row in read(path)]
    for row in new:
        if row["id"] in ids:
            raise SystemExit(f"id {row['id']} is already in the set")
        if row["text"].strip() in texts:
            raise SystemExit(f"{row['id']}: its text is already in the set")
        ids.add(row["id"])
        texts.add(row["text"].strip())

    by_category: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in new:
        by_category[row["category"]].append(row)
    rng = np.random.default_rng(args.seed)
    for category in sorted(by_category):
        rows = by_category[category]
        order = rng.permutation(len(rows))
        validation = round(len(rows) * args.val_fraction)
        for rank, index in enumerate(order):
            rows[index]["split"] = "val" if rank < validation else "train"

    with TARGET.open("a", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=[*COLUMNS, "split"], extrasaction="ignore")
        writer.writerows(new)
    for category in sorted(by_category):
        rows = by_category[category]
        val = sum(row["split"] == "val" for row in rows)
        print(f"{category}: {len(rows) - val} train, {val} val")
    print(f"{len(new)} rows appended to {TARGET}")


if __name__ == "__main__":
    main()
