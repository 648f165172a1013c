"""Effective rules: a site's rule set with an article's override applied (JSON merge patch, RFC 7396).

An override is a partial rule set: objects merge field by field, any other value (a number, a list, a
string) replaces the site's, and null removes a field so that it takes its default (not the site's value,
and not "off": to lift a limit in an override, set it high). Lists replace: an override that adds banned
words lists the site's words too.
"""

from __future__ import annotations

from typing import Any

import msgspec

from comments.domain.rules.schema import RuleSet
from comments.domain.rules.validation import validate, validate_override


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: `target` with `patch` applied (neither is modified)."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def effective_rules(site_rules: RuleSet, article_override: dict[str, Any] | None) -> RuleSet:
    """The rules for a comment on an article; RuleSetInvalid when the override is invalid on its own or
    makes the site's rules invalid (e.g. a min_length above the site's max_length)."""
    if not article_override:
        return site_rules
    patch = validate_override(article_override)
    return validate(merge_patch(msgspec.to_builtins(site_rules), patch))
