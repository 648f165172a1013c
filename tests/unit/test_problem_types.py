"""Each problem type is declared once, in its class header (comments.errors.DomainError)."""

from __future__ import annotations

import pytest

from comments.domain.compliance.errors import AlreadyDecided, SameDecider
from comments.errors import Conflict, DomainError, Forbidden, NoSuchSite, problem_summary


def test_a_declared_type_takes_its_status_from_the_base() -> None:
    assert (SameDecider.status_code, SameDecider.code, SameDecider.title) == (
        403,
        "same-decider",
        "Someone else must decide this appeal",
    )
    assert issubclass(AlreadyDecided, Conflict)
    assert problem_summary(AlreadyDecided("Decided.")) == {
        "status": 409,
        "type": "/problems/already-decided",
        "detail": "Decided.",
    }


def test_a_subclass_without_a_code_keeps_its_base_type() -> None:
    assert (NoSuchSite.status_code, NoSuchSite.code) == (404, "not-found")


def test_a_type_uri_belongs_to_one_class() -> None:
    with pytest.raises(TypeError, match="exists already"):

        class Again(Conflict, code="already-decided", title="Again"): ...


def test_a_code_needs_a_title() -> None:
    with pytest.raises(TypeError, match="both a code and a title"):

        class Untitled(Forbidden, code="untitled"): ...

    assert "untitled" not in DomainError._codes
