"""Combine the news set's two files into scripts/data/news_comments.csv with a `split` column, fixed once.

    .venv/bin/python scripts/split_news_set.py CIVIL.csv ABUSIVE.csv [--fixes FIXES.csv]

Within each category the rows are shuffled with a fixed seed: a third goes to `test` (kept aside for the
model card), a third of the rest to `val` (thresholds and the epoch are chosen there), the rest to `train`.
Run it once: the committed file is the split; re-running with other inputs would move rows between splits.
`--fixes` applies label corrections found by reading the rows (id plus the corrected columns).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "scripts" / "data" / "news_comments.csv"
SEED = 20261201
COLUMNS = (
    "id",
    "category",
    "expected",
    "toxicity",
    "insult",
    "threat",
    "identity_attack",
    "obscene",
    "severe_toxicity",
    "topic",
    "text",
)
LABEL_COLUMNS = ("toxicity", "insult", "threat", "identity_attack", "obscene", "severe_toxicity")
EXPECTED = {"publish", "hold", "reject"}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    for line, row in enumerate(rows, start=2):
        missing = [c for c in COLUMNS if c not in row]
        if missing:
            raise SystemExit(f"{path}:{line}: missing columns {missing}")
        if row["expected"] not in EXPECTED:
            raise SystemExit(f"{path}:{line}: expected={row['expected']!r}")
        for column in LABEL_COLUMNS:
            if row[column] not in {"0", "1"}:
                raise SystemExit(f"{path}:{line}: {column}={row[column]!r}")
    return rows


def apply_fixes(rows: list[dict[str, str]], fixes: Path) -> int:
    by_id = {row["id"]: row for row in rows}
    count = 0
    with fixes.open(newline="", encoding="utf-8") as stream:
        for fix in csv.DictReader(stream):
            row = by_id[fix["id"]]
            for column, value in fix.items():
                if column not in {"id", "why"} and value != "":
                    row[column] = value
            count += 1
    return count


def assign(rows: list[dict[str, str]]) -> None:
    by_category: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_category[row["category"]].append(row)
    rng = random.Random(SEED)
    for category in sorted(by_category):
        members = sorted(by_category[category], key=lambda row: row["id"])
        rng.shuffle(members)
        test = round(len(members) / 3)
        val = round((len(members) - test) / 3)
        for index, row in enumerate(members):
            row["split"] = "test" if index < test else "val" if index < test + val else "train"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--fixes", type=Path)
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()
    rows = [row for path in args.files for row in read(path)]
    ids = [row["id"] for row in rows]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate ids")
    texts: dict[str, str] = {}
    unique = []
    for row in rows:
        key = " ".join(row["text"].lower().split())
        if key in texts:
            print(f"dropped {row['id']}: same text as {texts[key]}", file=sys.stderr)
            continue
        texts[key] = row["id"]
        unique.append(row)
    fixed = apply_fixes(unique, args.fixes) if args.fixes else 0
    assign(unique)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=[*COLUMNS, "split"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(sorted(unique, key=lambda row: row["id"]))
    counts: dict[str, int] = defaultdict(int)
    for row in unique:
        counts[row["split"]] += 1
    print(f"{len(unique)} rows ({len(rows) - len(unique)} duplicates dropped, {fixed} fixed): {dict(counts)}")


if __name__ == "__main__":
    main()
