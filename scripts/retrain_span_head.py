"""Retrain only the bundled model's span head (a linear layer over the encoder's last hidden state) on more
toxic-spans posts, with the classifier unchanged (v7.1's rule in docs/toxicity.md).

    .venv/bin/python scripts/retrain_span_head.py --validate-only   # train, compare on validation; no trial row
    .venv/bin/python scripts/retrain_span_head.py                   # the same, then (if it qualifies) the trial file

The hidden states come from detoxify's own loaded model (the path `explain()` runs), so the head is trained
on exactly what it will see. Training rows: every SemEval train-file post outside the training script's
validation tenth (`civil_train_rows` lifted; the validation and trial rows are the training script's, the
same seed), plus the news set's civil training comments as all-clean tokens (the head must stay quiet on
civil text), as in the training script. Token BCE, AdamW, initialised from the shipped head.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_bundled_model as tbm
from safetensors.torch import save_file

from comments.config import Settings
from comments.domain.toxicity import bundled
from comments.domain.toxicity.detoxify_backend import DetoxifyClassifier, SpanHead, load_classifier
from comments.domain.toxicity.evaluation import span_f1

EPOCHS = 4
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 0.01
BATCH = 32
MIN_GAIN = 0.005
"""The new head ships only if its validation span F1 beats the shipped head's by at least this."""


@torch.no_grad()
def last_hidden(classifier: DetoxifyClassifier, texts: list[str]) -> list[torch.Tensor]:
    """The last hidden state per text (unpadded), from detoxify's loaded model with the span tokenizer."""
    head = classifier.span_head
    model = classifier.detoxify.model
    states: list[torch.Tensor] = [torch.empty(0)] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), 64):
        chunk = order[start : start + 64]
        encoded = head.tokenizer(
            [texts[i] for i in chunk], truncation=True, max_length=head.max_length, padding=True, return_tensors="pt"
        )
        output = model(**encoded, output_hidden_states=True)
        hidden = output.hidden_states[-1].float()
        for row, index in enumerate(chunk):
            states[index] = hidden[row, : int(encoded["attention_mask"][row].sum())].clone()
    return states


def train_head(
    states: list[torch.Tensor], targets: list[np.ndarray], initial: SpanHead, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    weight = torch.nn.Parameter(initial.weight.clone())
    bias = torch.nn.Parameter(initial.bias.clone())
    optimiser = torch.optim.AdamW([weight, bias], lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    for epoch in range(EPOCHS):
        order = torch.randperm(len(states), generator=generator).tolist()
        total = 0.0
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            hidden = torch.cat([states[i] for i in batch])
            target = torch.from_numpy(np.concatenate([targets[i] for i in batch]).astype(np.float32))
            scored = target >= 0  # [CLS]/[SEP] are -1: not scored
            logits = (hidden @ weight.T + bias)[..., 0]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits[scored], target[scored])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        print(f"  epoch {epoch + 1}: token BCE {total / len(order):.4f}", flush=True)
    return weight.detach(), bias.detach()


def mean_f1(classifier: DetoxifyClassifier, texts: list[str], gold: list[set[int]], *, shipped: bool) -> float:
    """Per-post span F1: of the head alone (explain_words at its threshold), or of explain() as shipped."""
    if shipped:
        found = [tbm._chars([(s.start, s.end) for s in spans]) for spans in classifier.explain(texts)]
    else:
        threshold = classifier.span_head.threshold
        found = [
            tbm._chars(tbm.bundled_spans(words, text, threshold))
            for words, text in zip(classifier.explain_words(texts), texts, strict=True)
        ]
    return float(np.mean([span_f1(f, g) for f, g in zip(found, gold, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=tbm.DEFAULT_DATA_DIR)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--validate-only", action="store_true")
    parser.add_argument("--out", type=Path, default=tbm.REPO / "docs" / "toxicity-span-head.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    recipe = tbm.Recipe()
    data = tbm.load_data(args.data_dir, tbm.Recipe(civil_train_rows=10**6))
    shipped_val = tbm.load_data(args.data_dir, recipe)
    spans_rows = (data.source == "civil") & (data.kind == "comment")
    train = data[(data.split == "train") & (spans_rows | ((data.source == "news") & (data.label == 0)))]
    val = data[(data.split == "val") & spans_rows]
    same_val = shipped_val[
        (shipped_val.split == "val") & (shipped_val.source == "civil") & (shipped_val.kind == "comment")
    ]
    if sorted(val.text) != sorted(same_val.text):
        raise SystemExit("the validation posts differ from the training script's")
    classifier = load_classifier(
        Settings(home=Path(tempfile.mkdtemp(prefix="comments-span-")), toxicity_threads=args.threads)
    )
    shipped_head = classifier.span_head
    posts = int(spans_rows[train.index].sum())
    print(f"{bundled.bundled_model_id()}: {len(train)} training rows ({posts} toxic-spans posts), {len(val)} val posts")

    started = time.monotonic()
    raw = [s if isinstance(s, str) else "[]" for s in train.spans]
    targets = tbm.token_targets(train.text.tolist(), raw, shipped_head.tokenizer, shipped_head.max_length)
    states = last_hidden(classifier, train.text.tolist())
    print(f"hidden states in {time.monotonic() - started:.0f}s", flush=True)
    weight, bias = train_head(states, targets, shipped_head, recipe.seed)
    seconds = round(time.monotonic() - started)

    val_texts = val.text.tolist()
    gold = [set(json.loads(s)) for s in val.spans]
    before = mean_f1(classifier, val_texts, gold, shipped=False)
    candidate = SpanHead(weight, bias, shipped_head.tokenizer, 0.5, shipped_head.max_length)
    classifier.span_head = candidate
    words = classifier.explain_words(val_texts)
    candidate = dataclasses.replace(candidate, threshold=tbm.choose_span_threshold(words, val_texts, gold))
    classifier.span_head = candidate
    after = mean_f1(classifier, val_texts, gold, shipped=False)
    qualifies = after >= before + MIN_GAIN
    report = {
        "model_id": bundled.bundled_model_id(),
        "training_rows": len(train),
        "validation_posts": len(val),
        "seconds": seconds,
        "validation_f1": {
            "shipped_head": before,
            "shipped_threshold": shipped_head.threshold,
            "new_head": after,
            "new_threshold": candidate.threshold,
        },
        "qualifies": qualifies,
    }
    print(json.dumps(report, indent=2), flush=True)
    if qualifies and not args.validate_only:
        test = data[(data.split == "test") & spans_rows]
        texts, trial_gold = test.text.tolist(), [set(json.loads(s)) for s in test.spans]
        report["trial"] = {"posts": len(test)}
        for name, head in (("new_head", candidate), ("shipped_head", shipped_head)):
            classifier.span_head = head
            report["trial"][name] = {
                "head_alone": mean_f1(classifier, texts, trial_gold, shipped=False),
                "explain_as_shipped": mean_f1(classifier, texts, trial_gold, shipped=True),
            }
        print(json.dumps(report["trial"], indent=2), flush=True)
        save_file({"weight": weight.half().contiguous(), "bias": bias.half().contiguous()}, tbm.SPAN_HEAD_FILE)
        tbm.SPAN_HEAD_FILE.chmod(0o644)
        metadata = json.loads(bundled.METADATA_FILE.read_text(encoding="utf-8"))
        metadata["explain"] = {"span_threshold": candidate.threshold, "span_head": "scripts/retrain_span_head.py"}
        bundled.METADATA_FILE.write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
