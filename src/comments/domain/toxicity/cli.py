"""`comments toxicity score|eval` and `comments model build`; the root CLI registers both groups.

Each command takes the Settings from `ctx.obj` (built from the environment when run on its own).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from comments.config import Settings
from comments.domain.toxicity.bundled import ASSEMBLY_STEPS, ensure_bundled_checkpoint, recommended_thresholds
from comments.domain.toxicity.classifier import Classifier, ModelLoadError
from comments.domain.toxicity.evaluation import evaluate, is_multilabel, multilabel_report, read_labeled, read_rows


def _settings(ctx: click.Context) -> Settings:
    if not isinstance(ctx.obj, Settings):
        ctx.obj = Settings.from_env()
    return ctx.obj


def _load(settings: Settings) -> Classifier:
    from comments.domain.toxicity.detoxify_backend import load_classifier

    try:
        # Loaders chatter on stdout (torch.hub's "Downloading: ..."); stdout is for results.
        with contextlib.redirect_stdout(sys.stderr):
            return load_classifier(settings)
    except ModelLoadError as exc:
        raise click.ClickException(str(exc)) from exc


def _score_all(classifier: Classifier, texts: list[str], settings: Settings) -> list[dict[str, float]]:
    """Every text's scores, a batch at a time, with a progress bar on stderr."""
    scores: list[dict[str, float]] = []
    batches = list(_chunks(texts, settings.toxicity_batch_size))
    with click.progressbar(batches, label="scoring", file=sys.stderr) as progress:
        for batch in progress:
            scores += classifier.score(batch)
    return scores


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@click.group("toxicity")
def toxicity_group() -> None:
    """Score text with the configured toxicity model (COMMENTS_TOXICITY_MODEL) and measure its quality."""


@toxicity_group.command("score")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Comments per model call [default: COMMENTS_TOXICITY_BATCH_SIZE].",
)
@click.pass_context
def score_command(ctx: click.Context, batch_size: int | None) -> None:
    """Read one comment per line on stdin; write one JSON object of label scores per line, in order."""
    settings = _settings(ctx)
    classifier = _load(settings)
    lines = (line.rstrip("\r\n") for line in sys.stdin)
    for chunk in _chunks(lines, batch_size or settings.toxicity_batch_size):
        for scores in classifier.score(chunk):
            click.echo(json.dumps(scores))


@toxicity_group.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text-column", help="Column with the text [default: text, comment_text, comment, body, tweet].")
@click.option("--label-column", help="Column with the 0/1 label [default: label, toxic, toxicity, is_toxic].")
@click.option("--label", "model_label", default="toxicity", show_default=True, help="Model label to evaluate.")
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="NAME=VALUE",
    help="Report recall / false-positive rate at this threshold (repeatable) "
    "[default: the bundled model's hold (and reject) thresholds for the label].",
)
@click.option("--resamples", type=click.IntRange(min=0), default=1000, show_default=True, help="Bootstrap resamples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def eval_command(
    ctx: click.Context,
    file: Path,
    text_column: str | None,
    label_column: str | None,
    model_label: str,
    thresholds: tuple[str, ...],
    resamples: int,
    seed: int,
    as_json: bool,
) -> None:
    """ROC AUC and recall / false-positive rate (95% bootstrap intervals) on a labeled CSV or JSONL FILE.

    A file with several columns named after model labels (toxicity, insult, threat, ...), a `category` or
    an `expected` (publish/hold/reject) column, such as scripts/data/news_comments.csv, is reported per
    label and per category instead: each label's AUC and rates at its hold threshold, and the share of each
    category held by the whole policy (any label at or above its default threshold).
    """
    settings = _settings(ctx)
    if label_column is None and not thresholds:
        try:
            rows = read_rows(file)
        except (ValueError, KeyError) as exc:
            raise click.ClickException(str(exc)) from exc
        if is_multilabel(list(rows[0])):
            _eval_multilabel(settings, file, rows, text_column, resamples, seed, as_json)
            return
    try:
        data = read_labeled(file, text_column=text_column, label_column=label_column)
    except (ValueError, KeyError) as exc:
        raise click.ClickException(str(exc)) from exc
    at = _parse_thresholds(thresholds) if thresholds else _default_thresholds(model_label)

    classifier = _load(settings)
    if model_label not in classifier.labels:
        raise click.ClickException(f"model {classifier.model_id} has no label {model_label!r}: {classifier.labels}")
    scores = [result[model_label] for result in _score_all(classifier, data.texts, settings)]

    report = {"model_id": classifier.model_id, "label": model_label, "file": str(file)}
    report |= evaluate(data.labels, scores, at, resamples=resamples, seed=seed)
    _emit(report, as_json, resamples, _eval_lines(report))


def _eval_lines(report: dict[str, Any]) -> Iterator[str]:
    model = f"model {report['model_id']}, {report['label']}"
    yield f"{report['file']}: {report['rows']} rows, {report['toxic']} toxic; {model}"
    yield f"ROC AUC                 {_estimate(report['roc_auc'])}"
    for name, measured in report["thresholds"].items():
        yield (
            f"{name:>6} >= {measured['threshold']:<5}  recall {_estimate(measured['recall'])}  "
            f"false-positive rate {_estimate(measured['false_positive_rate'])}"
        )


def _eval_multilabel(
    settings: Settings,
    file: Path,
    rows: list[dict],
    text_column: str | None,
    resamples: int,
    seed: int,
    as_json: bool,
) -> None:
    from comments.domain.toxicity.evaluation import TEXT_COLUMNS

    column = text_column or next((c for c in TEXT_COLUMNS if c in rows[0]), None)
    if column is None or column not in rows[0]:
        raise click.ClickException(f"{file}: no text column among {list(rows[0])}")
    classifier = _load(settings)
    texts = [str(row[column] or "") for row in rows]
    scores = _score_all(classifier, texts, settings)
    policy = {label: levels for label, levels in recommended_thresholds().items() if label in classifier.labels}
    try:
        report = multilabel_report(rows, scores, policy, resamples=resamples, seed=seed)
    except ValueError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    report = {"model_id": classifier.model_id, "file": str(file)} | report
    _emit(report, as_json, resamples, _multilabel_lines(report, policy))


def _multilabel_lines(report: dict[str, Any], policy: dict[str, Any]) -> Iterator[str]:
    yield f"{report['file']}: {report['rows']} rows; model {report['model_id']}; thresholds {policy}"
    yield f"{'label':18} {'rows':>5} {'pos':>5}  {'ROC AUC':24} recall / false-positive rate at hold"
    for label, entry in report["labels"].items():
        hold = entry["thresholds"].get("hold")
        rates = f"{_estimate(hold['recall'])} / {_estimate(hold['false_positive_rate'])}" if hold else "(never holds)"
        yield f"{label:18} {entry['rows']:>5} {entry['toxic']:>5}  {_estimate(entry['roc_auc']):24} {rates}"
    if report["categories"]:
        yield f"\n{'category':24} {'rows':>5} {'expected':>8}  held or rejected at the defaults"
        for category, entry in report["categories"].items():
            yield f"{category:24} {entry['rows']:>5} {entry.get('expected', ''):>8}  {_estimate(entry['held'])}"
    for outcome, entry in report.get("expected", {}).items():
        yield f"expected {outcome:8} {entry['rows']:>5} rows: held {_estimate(entry['held'])}"


def _emit(report: dict[str, Any], as_json: bool, resamples: int, lines: Iterable[str]) -> None:
    """The report as JSON, or as text with a note on the intervals."""
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    for line in lines:
        click.echo(line)
    if resamples:
        click.echo(f"[95% bootstrap intervals, {resamples} resamples]")


def _parse_thresholds(values: tuple[str, ...]) -> dict[str, float]:
    parsed = {}
    for value in values:
        name, _, number = value.partition("=")
        try:
            parsed[name.strip() or "threshold"] = float(number if number else name)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint="--threshold") from None
    return parsed


def _default_thresholds(label: str) -> dict[str, float]:
    configured = recommended_thresholds().get(label, {})
    return {name: value for name, value in configured.items() if value is not None}


def _estimate(estimate: dict[str, float]) -> str:
    value, low, high = estimate["value"], estimate["low"], estimate["high"]
    if value != value:  # nan: the file lacks toxic or clean rows
        return "n/a"
    return f"{value:.3f}" if low != low else f"{value:.3f} [{low:.3f}, {high:.3f}]"


@click.group("model")
def model_group() -> None:
    """Prepare the toxicity model files."""


@model_group.command("build")
@click.option("--verify/--no-verify", default=True, show_default=True, help="Load it through detoxify and score.")
@click.pass_context
def build_command(ctx: click.Context, verify: bool) -> None:
    """Assemble the bundled model's Detoxify checkpoint under <home>/models ahead of first use."""
    settings = _settings(ctx)
    with click.progressbar(length=len(ASSEMBLY_STEPS), label="assembling bundled model") as progress:
        assembled = ensure_bundled_checkpoint(settings.home, on_step=lambda _step: progress.update(1))
        progress.update(len(ASSEMBLY_STEPS) - progress.pos)  # already assembled: nothing was left to do
    click.echo(f"checkpoint: {assembled.checkpoint}\nconfig:     {assembled.config_dir}")
    if verify:
        from dataclasses import replace

        classifier = _load(replace(settings, toxicity_model="bundled"))
        neutral, toxic = classifier.score(["Thanks for the article.", "You are a pathetic idiot."])
        click.echo(f"loaded {classifier.model_id} through detoxify: {neutral} / {toxic}")
