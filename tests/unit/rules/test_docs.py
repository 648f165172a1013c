"""The example rule sets in docs/rules.md are valid, and its defaults table matches the code."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest

from comments.domain.rules import default_rules, effective_rules, validate, validate_override

DOCS = (Path(__file__).parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```json\n(.*?)```", DOCS, re.DOTALL)


def test_the_docs_have_the_two_examples() -> None:
    assert len(EXAMPLES) == 2


@pytest.mark.parametrize("example", EXAMPLES, ids=["calm-site", "heated-story"])
def test_each_example_is_a_valid_rule_set_and_override(example: str) -> None:
    validate(example)
    effective = effective_rules(default_rules(), validate_override(example))
    assert effective == validate(example)


def test_the_heated_story_tightens_the_calm_site() -> None:
    calm, heated = (msgspec.json.decode(example) for example in EXAMPLES)
    rules = effective_rules(validate(calm), heated)
    assert rules.premoderation.mode == "new_commenters"
    assert rules.body.max_links == 0
    assert rules.body.link_domains.deny == ["cheap-pills.example", "casino.example"]  # kept from the site
    assert rules.toxicity.thresholds["toxicity"].hold == 0.3
    assert rules.thread.auto_close_after_days == 2


@pytest.mark.parametrize(
    ("field", "default"),
    [
        ("account.minimum_age_seconds", "0 (off)"),
        ("premoderation.mode", "`off`"),
        ("premoderation.approved_comments_needed", "1"),
        ("body.min_length`, `body.max_length", "1, 5000"),
        ("body.max_links", "3 (null: any)"),
        ("body.caps.max_ratio", "0.7 (null: off)"),
        ("body.caps.min_letters", "20"),
        ("rate_limits.per_minute`, `.per_hour`, `.per_day", "5, 30, 200"),
        ("rate_limits.per_article_per_hour", "10"),
        ("duplicate.window_seconds", "600 (0: off)"),
        ("thread.max_depth", "5"),
        ("thread.edit_window_seconds", "300"),
        ("reports.threshold", "3"),
    ],
)
def test_the_defaults_table_matches_the_code(field: str, default: str) -> None:
    row = next(line for line in DOCS.splitlines() if line.startswith(f"| `{field}` |"))
    assert row.split(" | ")[1] == default
    # Each field of the row against its own value in the cell (not a substring of the whole cell).
    names: list[str] = []
    for name in (n.strip() for n in field.replace("`", "").split(",")):
        names.append(names[0].rsplit(".", 1)[0] + name if name.startswith(".") else name)
    values = [v.strip() for v in default.split(" (")[0].replace("`", "").split(",")]
    for name, expected in zip(names, values, strict=True):
        value: object = default_rules()
        for part in name.split("."):
            value = getattr(value, part)
        assert str(value) == expected, name
