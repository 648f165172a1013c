"""`comments toxicity score|eval` and `comments model build`, run with click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from comments.config import Settings
from comments.domain.toxicity import cli
from comments.domain.toxicity.classifier import Classifier
from comments.domain.toxicity.evaluation import roc_auc

pytestmark = pytest.mark.model

CLEAN = ["Good point about the schedule.", "I think the council got this one right.", "See you at the match."]
TOXIC = ["You are a worthless idiot.", "Shut up, moron.", "Go to hell, you stupid troll."]


@pytest.fixture
def real_model(monkeypatch: pytest.MonkeyPatch, bundled_classifier: Classifier) -> Classifier:
    """The session's loaded bundled model, instead of loading it again for each command."""
    monkeypatch.setattr(cli, "_load", lambda settings: bundled_classifier)
    return bundled_classifier


def test_score_writes_one_json_line_per_input_line_in_order(real_model: Classifier) -> None:
    lines = [CLEAN[0], TOXIC[0], "", CLEAN[1], TOXIC[1]]
    result = CliRunner().invoke(
        cli.toxicity_group, ["score", "--batch-size", "2"], input="\n".join(lines) + "\n", obj=Settings()
    )
    assert result.exit_code == 0, result.output
    scored = [json.loads(line) for line in result.output.splitlines()]
    assert len(scored) == len(lines)
    expected = real_model.score(lines)
    assert [s["toxicity"] for s in scored] == pytest.approx([e["toxicity"] for e in expected], abs=1e-5)
    assert scored[1]["toxicity"] > scored[0]["toxicity"]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_eval_reports_auc_and_rates_at_thresholds(tmp_path: Path, real_model: Classifier, suffix: str) -> None:
    rows = [{"comment": t, "is_bad": 0} for t in CLEAN] + [{"comment": t, "is_bad": 1} for t in TOXIC]
    path = tmp_path / f"labeled{suffix}"
    if suffix == ".csv":
        path.write_text("comment,is_bad\n" + "".join(f'"{r["comment"]}",{r["is_bad"]}\n' for r in rows))
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))

    args = ["eval", str(path), "--text-column", "comment", "--label-column", "is_bad"]
    args += ["--threshold", "hold=0.5", "--resamples", "50", "--json"]
    result = CliRunner().invoke(cli.toxicity_group, args, obj=Settings())
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    scores = [r["toxicity"] for r in real_model.score([r["comment"] for r in rows])]
    labels = [r["is_bad"] for r in rows]
    assert (report["rows"], report["toxic"]) == (6, 3)
    assert report["roc_auc"]["value"] == pytest.approx(roc_auc(labels, scores))
    hold = report["thresholds"]["hold"]
    assert hold["recall"]["value"] == pytest.approx(sum(s >= 0.5 for s in scores[3:]) / 3)
    assert hold["false_positive_rate"]["value"] == pytest.approx(sum(s >= 0.5 for s in scores[:3]) / 3)


def test_eval_names_a_missing_column(tmp_path: Path, real_model: Classifier) -> None:
    path = tmp_path / "unlabeled.csv"
    path.write_text("text\nhello\n")
    result = CliRunner().invoke(cli.toxicity_group, ["eval", str(path)], obj=Settings())
    assert result.exit_code != 0
    assert "no label column" in result.output


def test_model_build_assembles_and_verifies(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.model_group, ["build"], obj=Settings(home=tmp_path))
    assert result.exit_code == 0, result.output
    assert "loaded bundled-" in result.output
    assert list((tmp_path / "models").glob("bundled-minilm-l6-*/model.ckpt"))


@pytest.mark.parametrize(
    ("group", "command"), [(cli.toxicity_group, "score"), (cli.toxicity_group, "eval"), (cli.model_group, "build")]
)
def test_every_command_has_help(group, command: str) -> None:
    result = CliRunner().invoke(group, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_eval_reports_per_label_and_per_category_on_a_news_style_file(tmp_path: Path, real_model: Classifier) -> None:
    from comments.domain.toxicity import recommended_thresholds
    from comments.domain.toxicity.evaluation import held_by_policy

    header = "id,category,expected,toxicity,insult,threat,identity_attack,obscene,severe_toxicity,text\n"
    rows = [
        ("c1", "civil_plain", "publish", "000000", CLEAN[0]),
        ("c2", "heated_civil", "publish", "000000", CLEAN[1]),
        ("a1", "insult_reader", "hold", "110000", TOXIC[0]),
        ("a2", "insult_reader", "hold", "110000", TOXIC[1]),
        ("a3", "threat_direct", "hold", "101000", "I know where you live and I will hurt you."),
    ]
    path = tmp_path / "news.csv"
    path.write_text(header + "".join(f'{i},{c},{e},{",".join(bits)},"{t}"\n' for i, c, e, bits, t in rows))
    result = CliRunner().invoke(cli.toxicity_group, ["eval", str(path), "--resamples", "20", "--json"], obj=Settings())
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert set(report["categories"]) == {"civil_plain", "heated_civil", "insult_reader", "threat_direct"}
    assert report["categories"]["insult_reader"]["rows"] == 2
    # Labels the file has and the model gives (severe_toxicity only where the model has it).
    assert {"toxicity", "insult", "threat"} <= set(report["labels"])
    assert report["labels"]["insult"]["rows"] == 5
    scores = real_model.score([t for *_, t in rows])
    policy = {label: v for label, v in recommended_thresholds().items() if label in real_model.labels}
    held = held_by_policy({label: [s[label] for s in scores] for label in real_model.labels}, policy)
    assert report["expected"]["hold"]["held"]["value"] == pytest.approx(held[2:].mean())
    assert report["expected"]["publish"]["held"]["value"] == pytest.approx(held[:2].mean())

    text = CliRunner().invoke(cli.toxicity_group, ["eval", str(path), "--resamples", "0"], obj=Settings())
    assert text.exit_code == 0, text.output
    assert "threat_direct" in text.output
    assert "insult" in text.output
