"""Fixtures for the rules tests."""

from __future__ import annotations

import pytest

from comments.domain.rules.normalise import fold


@pytest.fixture(autouse=True, scope="session")
def _fold_table_built() -> None:
    """Build the folding table (~0.1 s, once) before any test, so that no hypothesis example pays for it
    and trips the per-example deadline."""
    fold("é")
