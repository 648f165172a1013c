"""Validation of rule set documents and article overrides, listing every problem with a JSON pointer.

msgspec stops at the first error, so the document is decoded to plain JSON values first and walked field
by field against the schema's types: each value is converted on its own (so one bad value does not hide
the next), the extra `Check`s of its type are run, and then each section's cross-field checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal, NamedTuple, get_args, get_origin

import msgspec

from comments.domain.rules.links import domain_key
from comments.domain.rules.schema import (
    WORD_LISTS_MAX_CHARACTERS,
    Body,
    Check,
    LinkDomains,
    RateLimits,
    RuleSet,
    Threshold,
    Words,
    overrides_only,
)
from comments.domain.rules.words import term_key


class RuleSetInvalid(ValueError):
    """A rule set or override with problems; `errors` lists each as {"pointer": ..., "message": ...}."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        shown = "; ".join(f"{e['pointer'] or '(document)'}: {e['message']}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"invalid rule set: {shown}{more}")


def validate(document: dict[str, Any] | bytes | str) -> RuleSet:
    """A complete rule set (missing fields take their defaults), or RuleSetInvalid listing every problem."""
    errors: list[dict[str, str]] = []
    rules = _Walk(errors, partial=False).value(_load(document), RuleSet, "")
    if errors:
        raise RuleSetInvalid(errors)
    rules.toxicity = overrides_only(rules.toxicity)  # what is stored: levels equal to the defaults are not
    return rules


def validate_override(document: dict[str, Any] | bytes | str) -> dict[str, Any]:
    """An article override on its own: a JSON merge patch (RFC 7396) of a rule set, where null removes a
    field (which then takes its default). Checks every field it sets; returns it as plain JSON values."""
    errors: list[dict[str, str]] = []
    override = _load(document)
    _Walk(errors, partial=True).value(override, RuleSet, "")
    if errors:
        raise RuleSetInvalid(errors)
    return override


def _load(document: dict[str, Any] | bytes | str) -> Any:
    if isinstance(document, bytes | str):
        try:
            return msgspec.json.decode(document)
        except msgspec.DecodeError as exc:
            raise RuleSetInvalid([_error("", f"not valid JSON: {exc}")]) from None
    return document


def _error(pointer: str, message: str) -> dict[str, str]:
    return {"pointer": pointer, "message": message}


def _child(pointer: str, key: str | int) -> str:
    return pointer + "/" + str(key).replace("~", "~0").replace("/", "~1")


def _message(exc: msgspec.ValidationError, tp: Any, value: Any) -> str:
    base = get_args(tp)[0] if get_origin(tp) is Annotated else tp
    if get_origin(base) is Literal:
        return f"{value!r} is not one of: {', '.join(map(str, get_args(base)))}"
    return str(exc).split(" - at `$", 1)[0]


_INVALID = object()


class _Walk:
    """One pass over a document, appending to `errors`. `partial`: an override, where fields are optional
    and null means "remove", so a cross-field check runs only when the override sets all its fields."""

    def __init__(self, errors: list[dict[str, str]], *, partial: bool) -> None:
        self.errors = errors
        self.partial = partial

    def value(self, value: Any, tp: Any, pointer: str) -> Any:
        """The typed value, or _INVALID after recording why."""
        base = get_args(tp)[0] if get_origin(tp) is Annotated else tp
        if isinstance(base, type) and issubclass(base, msgspec.Struct):
            return self.struct(value, base, pointer)
        if get_origin(base) is dict:
            return self.mapping(value, base, pointer)
        if get_origin(base) is list:
            return self.sequence(value, tp, pointer)
        return self.leaf(value, tp, pointer)

    def leaf(self, value: Any, tp: Any, pointer: str) -> Any:
        try:
            converted = msgspec.convert(value, tp)
        except msgspec.ValidationError as exc:
            self.errors.append(_error(pointer, _message(exc, tp, value)))
            return _INVALID
        checks = [m for m in get_args(tp)[1:] if isinstance(m, Check)] if get_origin(tp) is Annotated else []
        problems = [p for p in (c.problem(converted) for c in checks) if p]
        self.errors.extend(_error(pointer, p) for p in problems)
        return _INVALID if problems else converted

    def sequence(self, value: Any, tp: Any, pointer: str) -> Any:
        if not isinstance(value, list):
            self.errors.append(_error(pointer, "Expected an array"))
            return _INVALID
        base = get_args(tp)[0] if get_origin(tp) is Annotated else tp
        (item_type,) = get_args(base)
        items = [self.value(item, item_type, _child(pointer, i)) for i, item in enumerate(value)]
        if any(item is _INVALID for item in items):
            return _INVALID
        return self.leaf(items, tp, pointer)  # the array's own constraints (its length)

    def mapping(self, value: Any, tp: Any, pointer: str) -> Any:
        if not isinstance(value, dict):
            self.errors.append(_error(pointer, "Expected an object"))
            return _INVALID
        key_type, value_type = get_args(tp)
        result, valid = {}, True
        for key, item in value.items():
            if self.leaf(key, key_type, _child(pointer, key)) is _INVALID:
                valid = False
            elif not (self.partial and item is None):
                typed = self.value(item, value_type, _child(pointer, key))
                valid = valid and typed is not _INVALID
                result[key] = typed
        return result if valid else _INVALID

    def struct(self, value: Any, cls: type[msgspec.Struct], pointer: str) -> Any:
        if not isinstance(value, dict):
            self.errors.append(_error(pointer, "Expected an object"))
            return _INVALID
        before = len(self.errors)
        fields = {f.encode_name: f for f in msgspec.structs.fields(cls)}
        for key in value:
            if key not in fields:
                self.errors.append(_error(_child(pointer, key), f"unknown field; expected one of: {', '.join(fields)}"))
        typed, unusable = {}, set()
        for key, field in fields.items():
            item = value.get(key)
            if key not in value or (self.partial and item is None):
                if self.partial:
                    unusable.add(field.name)
                continue
            converted = self.value(item, field.type, _child(pointer, key))
            if converted is _INVALID:
                unusable.add(field.name)
            else:
                typed[field.name] = converted
        instance = cls(**typed)
        for problem in _CHECKS.get(cls, _no_problems)(instance):
            if not unusable.intersection(problem.fields):
                self.errors.append(_error(pointer + problem.path, problem.message))
        return instance if len(self.errors) == before else _INVALID


class _Problem(NamedTuple):
    fields: tuple[str, ...]  # the fields it depends on: skipped unless all of them are valid and present
    path: str  # where to point, below the section
    message: str


def _no_problems(_: Any) -> Iterator[_Problem]:
    return iter(())


def _body(body: Body) -> Iterator[_Problem]:
    if body.min_length > body.max_length:
        yield _Problem(("min_length", "max_length"), "/min_length", f"must not exceed max_length ({body.max_length})")


def _link_domains(domains: LinkDomains) -> Iterator[_Problem]:
    allowed = {domain_key(d) for d in domains.allow}
    for i, domain in enumerate(domains.deny):
        if domain_key(domain) in allowed:
            yield _Problem(("allow", "deny"), f"/deny/{i}", f"{domain} is in both allow and deny")


def _words(words: Words) -> Iterator[_Problem]:
    size = sum(map(len, words.banned)) + sum(map(len, words.suspect))
    if size > WORD_LISTS_MAX_CHARACTERS:
        yield _Problem(
            ("banned", "suspect"),
            "",
            f"the banned and suspect lists hold {size:,} characters in all; at most {WORD_LISTS_MAX_CHARACTERS:,}",
        )
    banned = {term_key(t) for t in words.banned}
    for i, term in enumerate(words.suspect):
        if term_key(term) in banned:
            yield _Problem(("banned", "suspect"), f"/suspect/{i}", "is also banned (a banned word rejects)")


def _rate_limits(limits: RateLimits) -> Iterator[_Problem]:
    pairs = (("per_minute", "per_hour"), ("per_hour", "per_day"))
    for shorter, longer in pairs:
        low, high = getattr(limits, shorter), getattr(limits, longer)
        if low is not None and high is not None and low > high:
            yield _Problem((shorter, longer), f"/{shorter}", f"must not exceed {longer} ({high})")


def _threshold(threshold: Threshold) -> Iterator[_Problem]:
    # Only levels the document sets: one compared with a default would fail when a new model's defaults move.
    hold, reject = threshold.hold, threshold.reject
    if isinstance(hold, float) and isinstance(reject, float) and hold > reject:
        yield _Problem(("hold", "reject"), "/hold", f"must not exceed reject ({reject})")


_CHECKS: dict[type, Callable[[Any], Iterator[_Problem]]] = {
    Body: _body,
    LinkDomains: _link_domains,
    Words: _words,
    RateLimits: _rate_limits,
    Threshold: _threshold,
}
