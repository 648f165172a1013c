"""Test helpers: a deterministic fake classifier, and one real bundled model shared by a test session."""

from __future__ import annotations

import functools
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from comments.domain.toxicity.classifier import Classifier, Span

TEST_MODEL_HOME = Path(tempfile.gettempdir()) / "comments-test-models"
"""Where tests assemble the bundled model: kept between sessions (assembly is keyed and idempotent)."""

DEFAULT_KEYWORDS: Mapping[str, tuple[str, ...]] = {
    "toxicity": ("idiot", "stupid", "moron", "hate you", "shut up", "kill"),
}


class FakeClassifier:
    """Scores `toxic_score` for a label when the text contains one of its keywords, else `clean_score`;
    `explain` returns a Span (that label, `toxic_score`) over every occurrence of a keyword, in text order.

    Knobs for failure paths: `delay_seconds` (slow model), `error` (raised by every `score` call).
    Every batch it is given is recorded in `batches`, so tests can show batching rather than assume it.
    """

    def __init__(
        self,
        keywords: Mapping[str, Iterable[str]] | None = None,
        *,
        toxic_score: float = 0.99,
        clean_score: float = 0.02,
        delay_seconds: float = 0.0,
        error: Exception | None = None,
        model_id: str = "fake-keywords-v1",
    ) -> None:
        self.keywords = {
            label: tuple(word.lower() for word in words)
            for label, words in (DEFAULT_KEYWORDS if keywords is None else keywords).items()
        }
        self.labels = tuple(self.keywords)
        self.model_id = model_id
        self.toxic_score = toxic_score
        self.clean_score = clean_score
        self.delay_seconds = delay_seconds
        self.error = error
        self.batches: list[list[str]] = []
        self.explained: list[list[str]] = []

    def explain(self, texts: list[str]) -> list[list[Span]]:
        self.explained.append(list(texts))
        if self.error is not None:
            raise self.error
        results = []
        for text in texts:
            lowered = text.lower()
            found = []
            for label, words in self.keywords.items():
                for word in words:
                    start = lowered.find(word)
                    while start != -1:
                        found.append(Span(start, start + len(word), label, self.toxic_score))
                        start = lowered.find(word, start + len(word))
            results.append(sorted(found, key=lambda span: (span.start, span.end)))
        return results

    @property
    def batch_sizes(self) -> list[int]:
        return [len(batch) for batch in self.batches]

    def score(self, texts: list[str]) -> list[dict[str, float]]:
        self.batches.append(list(texts))
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        if self.error is not None:
            raise self.error
        return [
            {
                label: self.toxic_score if any(word in text.lower() for word in words) else self.clean_score
                for label, words in self.keywords.items()
            }
            for text in texts
        ]


@functools.cache
def shared_bundled_classifier() -> Classifier:
    """The real bundled model, loaded once per process (assembled once per machine, in the temp dir)."""
    from comments.config import Settings
    from comments.domain.toxicity.detoxify_backend import load_classifier

    return load_classifier(Settings(home=TEST_MODEL_HOME))
