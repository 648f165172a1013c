"""Builders shared by the rules tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from comments.domain.rules import AuthorHistory, Draft, Hit, RuleSet, evaluate, validate

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def rules(**sections: Any) -> RuleSet:
    """A validated rule set: defaults, with the given sections (as JSON-like dicts) merged in."""
    return validate(sections)


def history(
    *,
    account_age: timedelta = timedelta(days=365),
    approved: int = 10,
    on_site: tuple[timedelta, ...] = (),
    on_article: tuple[timedelta, ...] = (),
    bodies: tuple[tuple[str, timedelta], ...] = (),
) -> AuthorHistory:
    """An author's history, with times given as how long before NOW."""
    return AuthorHistory(
        account_created_at=NOW - account_age,
        approved_on_site=approved,
        recent_on_site=tuple(NOW - ago for ago in on_site),
        recent_on_article=tuple(NOW - ago for ago in on_article),
        recent_bodies=tuple((body, NOW - ago) for body, ago in bodies),
    )


def hits_of(
    rule_set: RuleSet, body: str, *, depth: int = 0, is_edit: bool = False, author: AuthorHistory | None = None
) -> list[Hit]:
    return evaluate(rule_set, Draft(body, depth, is_edit), author or history(), NOW)


def codes(hits: list[Hit]) -> list[str]:
    return [hit.code for hit in hits]
