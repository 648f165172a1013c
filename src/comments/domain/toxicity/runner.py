"""Micro-batching: concurrent requests share one model call, made by one worker thread that owns the model.

The event loop only enqueues a text and awaits a future; the worker waits at most `batch_wait_ms` after
the first text (or until `batch_size` texts), runs ONE `classifier.score(batch)` and answers every future
through `loop.call_soon_threadsafe`. Inference never runs on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from comments.domain.toxicity.classifier import Classifier, ClassifierUnavailable, Explainer, Span

if TYPE_CHECKING:
    from comments.config import Settings

log = logging.getLogger(__name__)

State = Literal["stopped", "loading", "ready", "failed"]


@dataclass(slots=True)
class _Request:
    text: str
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    explain: bool = False
    """Asks for the spans (Explainer.explain) rather than the scores."""

    def answer(self, result: Any, error: BaseException | None) -> None:
        """Settle the caller's future on its own loop (from the worker thread)."""
        try:
            self.loop.call_soon_threadsafe(_settle, self.future, result, error)
        except RuntimeError:  # the loop has closed (a shutdown that stopped waiting for a slow batch)
            log.debug("toxicity answer dropped: its event loop is closed")


_STOP = object()


class BatchingRunner:
    """Scores texts for many concurrent callers with one worker thread and micro-batches.

    `classifier` is a loaded Classifier or a zero-argument factory that loads one (called in the worker
    thread by `start()`, so that the web app starts at once and `/ready` reports `loading`).
    """

    def __init__(
        self,
        classifier: Classifier | Callable[[], Classifier],
        *,
        batch_size: int = 32,
        batch_wait_ms: float = 3.0,
        timeout_seconds: float = 5.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._classifier: Classifier | None = classifier if isinstance(classifier, Classifier) else None
        self._factory = None if self._classifier is not None else classifier
        self.batch_size = batch_size
        self.batch_wait = batch_wait_ms / 1000
        self.timeout_seconds = timeout_seconds
        self.state: State = "stopped"
        self.error: str | None = None
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._settled = threading.Event()
        self._scoring = False  # the worker is inside the model
        self._lock = threading.Lock()
        self._counts: dict[str, float] = {
            "texts_scored": 0,
            "batches": 0,
            "timeouts": 0,
            "errors": 0,
            "model_seconds": 0.0,
        }

    @classmethod
    def from_settings(
        cls, settings: Settings, classifier: Classifier | Callable[[], Classifier] | None = None
    ) -> BatchingRunner:
        """A runner sized by the toxicity settings; without `classifier`, loads `settings.toxicity_model`."""
        if classifier is None:
            from comments.domain.toxicity.detoxify_backend import load_classifier

            classifier = functools.partial(load_classifier, settings)
        return cls(
            classifier,
            batch_size=settings.toxicity_batch_size,
            batch_wait_ms=settings.toxicity_batch_wait_ms,
            timeout_seconds=settings.toxicity_timeout_seconds,
        )

    @property
    def model_id(self) -> str | None:
        return self._classifier.model_id if self.state == "ready" and self._classifier else None

    @property
    def labels(self) -> tuple[str, ...]:
        return self._classifier.labels if self.state == "ready" and self._classifier else ()

    @property
    def idle(self) -> bool:
        """Ready, nothing queued and no batch in the model: a text given now is scored at once. A hint
        (the worker may pick up a text a moment later); it decides whether a post asks early."""
        return self.state == "ready" and not self._scoring and self._queue.empty()

    def start(self) -> None:
        """Start the worker (which loads the model first, if given a factory). Returns immediately."""
        if self._thread is not None:
            raise RuntimeError("runner already started")
        self.state = "loading"
        self._thread = threading.Thread(target=self._work, name="toxicity-runner", daemon=True)
        self._thread.start()

    async def wait_ready(self, seconds: float | None = None) -> bool:
        """Wait (at most `seconds`) until the model has loaded or failed; True when ready."""
        await asyncio.to_thread(self._settled.wait, seconds)
        return self.state == "ready"

    async def stop(self, seconds: float | None = None) -> None:
        """Let the worker finish the batch in hand, then fail whatever is still queued.

        Waits at most `seconds` (default: the request timeout) for the worker: a hung model must not
        block shutdown.
        """
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._queue.put(_STOP)
        await asyncio.to_thread(thread.join, self.timeout_seconds if seconds is None else seconds)
        self.state = "stopped"
        self._fail_queued(ClassifierUnavailable("toxicity runner stopped"))

    async def score(self, text: str) -> dict[str, float]:
        """Scores for one text, batched with concurrent calls.

        Raises ClassifierUnavailable when the model is not ready, raised, or did not answer within
        `timeout_seconds` (waiting in the queue included).
        """
        if self.state != "ready":
            reason = f": {self.error}" if self.error else ""
            raise ClassifierUnavailable(f"toxicity model is {self.state}{reason}")
        return await self._ask(text, explain=False)

    async def explain(self, text: str) -> list[Span]:
        """The words that drove the text's scores (Explainer.explain), run by the worker thread that owns
        the model, between batches. [] when the model cannot explain; raises ClassifierUnavailable like
        `score` (not ready, raised, timed out)."""
        if self.state != "ready":
            raise ClassifierUnavailable(f"toxicity model is {self.state}")
        if not isinstance(self._classifier, Explainer):
            return []
        return await self._ask(text, explain=True)

    async def _ask(self, text: str, *, explain: bool) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put(_Request(text, future, loop, explain))
        try:
            return await asyncio.wait_for(future, self.timeout_seconds)
        except TimeoutError:
            self._count("timeouts")
            what = "explaining" if explain else "scoring"
            log.warning("toxicity %s timed out after %.2fs", what, self.timeout_seconds)
            raise ClassifierUnavailable(f"toxicity {what} timed out after {self.timeout_seconds}s") from None

    def stats(self) -> dict[str, Any]:
        """Counters since start: texts scored, batches, timeouts and model errors (each logged too), the mean
        batch size and the wall time spent in the model."""
        with self._lock:
            counts = dict(self._counts)
        batches = counts["batches"]
        return {
            "state": self.state,
            "model_id": self.model_id,
            **counts,
            "mean_batch_size": counts["texts_scored"] / batches if batches else 0.0,
            "model_seconds": round(counts["model_seconds"], 3),
        }

    # ------------------------------------------------------------ worker thread

    def _work(self) -> None:
        if not self._load():
            return
        while True:
            batch, stopping = self._collect()
            if batch:
                self._run(batch)
            if stopping:
                return

    def _load(self) -> bool:
        try:
            if self._classifier is None:
                assert self._factory is not None
                self._classifier = self._factory()
        except Exception as exc:
            log.exception("toxicity model failed to load")
            self.error = str(exc) or type(exc).__name__
            self.state = "failed"
            return False
        else:
            self.state = "ready"
            return True
        finally:
            self._settled.set()

    def _collect(self) -> tuple[list[_Request], bool]:
        """Block for a first text, then gather more until the batch is full or batch_wait has passed."""
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _run(self, batch: list[_Request]) -> None:
        # Callers that timed out have cancelled their futures: do not spend the model on them. Sorted by
        # length, so that a classifier predicting in chunks (DetoxifyClassifier) pads little.
        live = sorted((r for r in batch if not r.future.done()), key=lambda r: len(r.text))
        scoring = [r for r in live if not r.explain]
        if scoring:
            self._model_call(scoring, "scoring")
        explaining = [r for r in live if r.explain]
        if explaining:  # after the scores: a post waiting for its scores goes first
            self._model_call(explaining, "explaining")

    def _model_call(self, live: list[_Request], what: str) -> None:
        assert self._classifier is not None
        started = time.perf_counter()
        self._scoring = True
        try:
            texts = [r.text for r in live]
            if what == "scoring":
                results: list[Any] = self._classifier.score(texts)
            else:
                results = self._classifier.explain(texts)  # type: ignore[attr-defined]
            if len(results) != len(live):
                raise RuntimeError(f"classifier returned {len(results)} results for {len(live)} texts")
        except Exception as exc:
            self._count("errors")
            log.exception("toxicity %s failed for a batch of %d", what, len(live))
            failure = ClassifierUnavailable(f"toxicity model raised {type(exc).__name__}: {exc}")
            for request in live:
                request.answer(None, failure)
            return
        finally:
            self._scoring = False
        if what == "scoring":
            with self._lock:
                self._counts["batches"] += 1
                self._counts["texts_scored"] += len(live)
                self._counts["model_seconds"] += time.perf_counter() - started
        for request, result in zip(live, results, strict=True):
            request.answer(result, None)

    def _fail_queued(self, error: ClassifierUnavailable) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Request):
                item.answer(None, error)

    def _count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # timed out (cancelled) meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
