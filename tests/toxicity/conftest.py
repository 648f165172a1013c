from __future__ import annotations

import pytest

from comments.domain.toxicity.classifier import Classifier
from comments.domain.toxicity.testing import shared_bundled_classifier


@pytest.fixture(scope="session")
def bundled_classifier() -> Classifier:
    """The real bundled model, loaded once for the whole test session."""
    return shared_bundled_classifier()
