"""The micro-batching runner, with a fake classifier whose batches are recorded."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from comments.config import Settings
from comments.domain.toxicity.classifier import ClassifierUnavailable
from comments.domain.toxicity.runner import BatchingRunner
from comments.domain.toxicity.testing import FakeClassifier


class ThreadRecordingClassifier(FakeClassifier):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.threads: set[str] = set()

    def score(self, texts: list[str]) -> list[dict[str, float]]:
        self.threads.add(threading.current_thread().name)
        return super().score(texts)


async def started(runner: BatchingRunner) -> BatchingRunner:
    runner.start()
    assert await runner.wait_ready(seconds=5)
    return runner


async def test_concurrent_calls_are_scored_together_in_length_order() -> None:
    fake = ThreadRecordingClassifier(delay_seconds=0.05)
    runner = await started(BatchingRunner(fake, batch_size=8, batch_wait_ms=20))
    texts = [f"comment {i} " + "word " * (i % 5) + ("you idiot" if i % 3 == 0 else "") for i in range(20)]
    try:
        results = await asyncio.gather(*(runner.score(text) for text in texts))
    finally:
        await runner.stop()

    assert sum(fake.batch_sizes) == len(texts)
    assert max(fake.batch_sizes) == 8
    assert len(fake.batches) <= 4
    for batch in fake.batches:
        assert [len(t) for t in batch] == sorted(len(t) for t in batch)
    # Every caller gets the scores of its own text, whatever order the batch ran in.
    for text, result in zip(texts, results, strict=True):
        assert result["toxicity"] == (fake.toxic_score if "idiot" in text else fake.clean_score)
    assert fake.threads == {"toxicity-runner"}
    stats = runner.stats()
    assert stats["texts_scored"] == len(texts)
    assert stats["batches"] == len(fake.batches)
    assert stats["mean_batch_size"] == pytest.approx(len(texts) / len(fake.batches))


async def test_a_lone_call_waits_at_most_batch_wait() -> None:
    fake = FakeClassifier()
    runner = await started(BatchingRunner(fake, batch_size=32, batch_wait_ms=5))
    try:
        begun = time.perf_counter()
        await runner.score("hello")
        elapsed = time.perf_counter() - begun
    finally:
        await runner.stop()
    assert fake.batch_sizes == [1]
    assert elapsed < 2.0  # not the 5 s timeout: it did not wait for a full batch


async def test_a_slow_classifier_raises_unavailable_within_the_timeout() -> None:
    runner = await started(BatchingRunner(FakeClassifier(delay_seconds=3.0), timeout_seconds=0.1))
    begun = time.perf_counter()
    with pytest.raises(ClassifierUnavailable, match="timed out"):
        await runner.score("anything")
    assert time.perf_counter() - begun < 1.5  # the timeout, not the model's 3 s
    assert runner.stats()["timeouts"] == 1
    await runner.stop(seconds=5)


async def test_a_failing_classifier_raises_unavailable_and_is_counted() -> None:
    runner = await started(BatchingRunner(FakeClassifier(error=RuntimeError("CUDA on fire"))))
    try:
        with pytest.raises(ClassifierUnavailable, match="CUDA on fire"):
            await runner.score("anything")
        assert runner.stats()["errors"] == 1
    finally:
        await runner.stop()


async def test_the_model_loads_in_the_worker_while_the_app_starts() -> None:
    release = threading.Event()

    def slow_factory() -> FakeClassifier:
        release.wait(5)
        return FakeClassifier(model_id="fake-slow")

    runner = BatchingRunner(slow_factory)
    assert runner.state == "stopped"
    runner.start()
    assert runner.state == "loading"
    with pytest.raises(ClassifierUnavailable, match="loading"):
        await runner.score("too early")
    release.set()
    assert await runner.wait_ready(seconds=5)
    assert (runner.state, runner.model_id) == ("ready", "fake-slow")
    assert (await runner.score("you idiot"))["toxicity"] > 0.5
    await runner.stop()
    assert runner.state == "stopped"


async def test_a_model_that_fails_to_load_reports_failed() -> None:
    def broken() -> FakeClassifier:
        raise OSError("checkpoint not found")

    runner = BatchingRunner(broken)
    runner.start()
    assert not await runner.wait_ready(seconds=5)
    assert runner.state == "failed"
    assert runner.error == "checkpoint not found"
    with pytest.raises(ClassifierUnavailable, match="checkpoint not found"):
        await runner.score("anything")
    await runner.stop()


async def test_from_settings_uses_the_toxicity_settings() -> None:
    settings = Settings(toxicity_batch_size=4, toxicity_batch_wait_ms=7.0, toxicity_timeout_seconds=1.5)
    runner = BatchingRunner.from_settings(settings, FakeClassifier())
    assert (runner.batch_size, runner.batch_wait, runner.timeout_seconds) == (4, 0.007, 1.5)


async def test_idle_only_while_nothing_waits_for_the_model() -> None:
    entered, release = threading.Event(), threading.Event()

    class HeldClassifier(FakeClassifier):
        def score(self, texts: list[str]) -> list[dict[str, float]]:
            entered.set()
            release.wait(10)
            return super().score(texts)

    runner = BatchingRunner(HeldClassifier(), batch_wait_ms=1)
    assert not runner.idle  # not started
    await started(runner)
    try:
        assert runner.idle
        scoring = asyncio.ensure_future(runner.score("first"))
        assert await asyncio.to_thread(entered.wait, 10)
        assert not runner.idle  # the worker is inside the model
        release.set()
        await scoring
        assert runner.idle
    finally:
        release.set()
        await runner.stop()
    assert not runner.idle


def test_an_answer_for_a_closed_loop_does_not_kill_the_worker() -> None:
    """A shutdown that stopped waiting for a slow batch closes the loop before the batch answers."""
    from comments.domain.toxicity.runner import _Request

    loop = asyncio.new_event_loop()
    request = _Request("late", loop.create_future(), loop)
    loop.close()
    request.answer({"toxicity": 0.1}, None)  # raised RuntimeError in the worker thread before


def test_the_fake_explains_with_spans_over_its_keywords() -> None:
    from comments.domain.toxicity.classifier import Explainer, Span

    fake = FakeClassifier({"insult": ["idiot"], "threat": ["kill"]})
    assert isinstance(fake, Explainer)
    text = "You idiot, I will kill you, idiot."
    (spans,) = fake.explain([text])
    assert [text[s.start : s.end] for s in spans] == ["idiot", "kill", "idiot"]
    assert [s.label for s in spans] == ["insult", "threat", "insult"]
    assert fake.explain(["Thanks for the article."]) == [[]]
    assert spans[0] == Span(start=4, end=9, label="insult", score=fake.toxic_score)


async def test_explain_runs_in_the_worker_thread_after_the_scores() -> None:
    class Recording(FakeClassifier):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[tuple[str, str]] = []

        def score(self, texts: list[str]) -> list[dict[str, float]]:
            self.calls.append(("score", threading.current_thread().name))
            return super().score(texts)

        def explain(self, texts):
            self.calls.append(("explain", threading.current_thread().name))
            return super().explain(texts)

    fake = Recording()
    runner = await started(BatchingRunner(fake, batch_size=8, batch_wait_ms=20))
    try:
        spans, scores = await asyncio.gather(runner.explain("you idiot"), runner.score("hello"))
    finally:
        await runner.stop()
    assert [(s.start, s.end) for s in spans] == [(4, 9)]
    assert scores["toxicity"] == fake.clean_score
    assert fake.calls == [("score", "toxicity-runner"), ("explain", "toxicity-runner")]
    assert runner.stats()["texts_scored"] == 1  # explaining is not scoring


async def test_explain_without_a_ready_model_or_a_span_capable_one() -> None:
    runner = BatchingRunner(FakeClassifier())
    with pytest.raises(ClassifierUnavailable):
        await runner.explain("x")

    class ScoresOnly:
        labels = ("toxicity",)
        model_id = "scores-only"

        def score(self, texts: list[str]) -> list[dict[str, float]]:
            return [{"toxicity": 0.1} for _ in texts]

    runner = await started(BatchingRunner(ScoresOnly()))
    try:
        assert await runner.explain("anything") == []
    finally:
        await runner.stop()
