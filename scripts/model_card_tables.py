"""Print the model card's tables (docs/toxicity.md) from the training report, so no number is typed by hand.

.venv/bin/python scripts/model_card_tables.py [docs/toxicity-eval.json] [--split test|validation]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SOURCES = {
    "comments (jigsaw + wikipedia)": "Jigsaw + Wikipedia talk",
    "jigsaw": "Jigsaw sample (Wikipedia talk)",
    "wikipedia": "Wikipedia talk (Perspective rows)",
    "news": "news set (this project)",
    "fox": "Fox News comments",
    "dynahate": "DynaHate",
    "sbic": "Social Bias Frames",
    "toxigen": "ToxiGen seed sentences",
    "identity": "identity templates",
    "davidson": "Davidson tweets",
    "civil": "toxic spans trial (news, all toxic)",
    "civil sentences": "toxic spans sentences (noisy)",
    "civil_test_toxic": "Civil Comments test, toxic (scored only)",
}


def ci(estimate: dict[str, Any] | None, percent: bool = False) -> str:
    if not estimate or estimate.get("value") is None:
        return "-"
    scale, digits = (100, 1) if percent else (1, 3)
    value, low, high = (estimate[k] * scale if estimate.get(k) is not None else None for k in ("value", "low", "high"))
    if low is None:
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("report", nargs="?", type=Path, default=REPO / "docs" / "toxicity-eval.json")
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    report = json.loads(args.report.read_text())
    part = report[args.split]
    labels = report["labels"]

    print(
        "| source | rows | " + " | ".join(f"AUC `{label}`" for label in labels) + " | held: positive | held: negative |"
    )
    print("|---|---|" + "---|" * (len(labels) + 2))
    for key, name in SOURCES.items():
        entry = part["sources"].get(key)
        if not entry:
            continue
        aucs = " | ".join(
            f"{ci(entry['auc'][label])} ({entry['auc'][label]['positive']})" if label in entry["auc"] else "-"
            for label in labels
        )
        held = " | ".join(
            f"{ci(entry['held'][side], percent=True)}% of {entry['held'][side]['rows']}"
            if side in entry["held"]
            else "-"
            for side in ("positive", "negative")
        )
        print(f"| {name} | {entry['rows']} | {aucs} | {held} |")

    print("\n| news category | expected | rows | held or rejected at the defaults, % | labels that fired |")
    print("|---|---|---|---|---|")
    for category, entry in part["news_categories"].items():
        fired = ", ".join(f"{label} {n}" for label, n in entry["fired"].items() if n)
        print(f"| {category} | {entry['expected']} | {entry['rows']} | {ci(entry['held'], percent=True)} | {fired} |")
    for name, entry in part.get("news_groups", {}).items():
        print(f"| **{name}** | | {entry['rows']} | {ci(entry, percent=True)} | |")

    if args.split == "test":
        p = report["perspective"]
        print(
            f"\nPerspective on {p['rows']} held-out Wikipedia talk rows ({p['toxic']} toxic): Perspective "
            f"{ci(p['perspective'])}, bundled {ci(p['bundled'])}, difference "
            f"{ci(p['auc_difference_bundled_minus_perspective'])}"
        )
        spans = report["spans"]
        print(
            f"span F1 (trial, {spans['rows']} posts): {ci(spans['f1'])}; posts with gold spans: "
            f"{ci(spans['f1_nonempty_gold'])}"
        )


if __name__ == "__main__":
    main()
