from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from sqlalchemy import text

from comments.deps import DbSession


class Health(msgspec.Struct):
    status: str


class Readiness(msgspec.Struct, omit_defaults=True):
    status: str
    """ready | not-ready: all an anonymous caller sees (the rest is for superadmins)."""
    database: str | None = None
    model: str | None = None
    """loading | ready | failed | disabled"""
    model_id: str | None = None
    model_error: str | None = None
    model_stats: dict[str, Any] | None = None
    """Since start: texts_scored, batches, mean_batch_size, timeouts, errors, model_seconds."""


class SystemController(Controller):
    tags = ["system"]

    @get("/health", operation_id="Health", exclude_from_auth=True)
    async def health(self) -> Health:
        """The process is up."""
        return Health(status="ok")

    @get("/ready", operation_id="Ready")
    async def ready(self, db_session: DbSession, request: Request[Any, Any, Any]) -> Response[Readiness]:
        """503 until the database answers and the toxicity model is loaded. Superadmins also see why, and the
        model's counters; anyone else only the status."""
        try:
            await db_session.execute(text("SELECT 1"))
            database = "ok"
        except Exception as exc:  # any failure means not ready; the reason is shown, not raised
            database = f"error: {type(exc).__name__}"
        toxicity = request.app.state.toxicity
        model = toxicity.state if toxicity is not None else "disabled"
        ready = database == "ok" and model in {"ready", "disabled"}
        status = "ready" if ready else "not-ready"
        user = request.scope.get("user")
        if not getattr(user, "is_superadmin", False):
            return Response(Readiness(status=status), status_code=200 if ready else 503)
        body = Readiness(
            status=status,
            database=database,
            model=model,
            model_id=getattr(toxicity, "model_id", None) if toxicity is not None else None,
            model_error=getattr(toxicity, "error", None) if toxicity is not None else None,
            model_stats=toxicity.stats() if hasattr(toxicity, "stats") else None,
        )
        return Response(body, status_code=200 if ready else 503)

    @get("/metrics", operation_id="Metrics", exclude_from_auth=True, media_type="text/plain; version=0.0.4")
    async def metrics(self, db_session: DbSession, request: Request[Any, Any, Any]) -> str:
        """Prometheus text: the toxicity runner's counters, then each registered source's lines (app.py's
        `metric_sources`, e.g. the Perspective API's per-key usage, read from the database)."""
        toxicity = request.app.state.toxicity
        parts = [_runner_metrics(toxicity.stats() if hasattr(toxicity, "stats") else None)]
        for source in request.app.state.get("metric_sources", ()):
            parts.append(await source(db_session))
        return "".join(parts)


_RUNNER_COUNTERS = {
    "texts_scored": "Texts the toxicity model scored.",
    "batches": "Model calls (micro-batches).",
    "timeouts": "Texts whose score did not come in time.",
    "errors": "Model calls that raised.",
    "model_seconds": "Wall time spent in the model.",
}


def _runner_metrics(stats: dict[str, Any] | None) -> str:
    lines = [
        "# HELP comments_toxicity_ready 1 when the toxicity model is loaded.",
        "# TYPE comments_toxicity_ready gauge",
        f"comments_toxicity_ready {int(bool(stats) and stats.get('state') == 'ready')}",
    ]
    for name, help_text in _RUNNER_COUNTERS.items():
        lines += [
            f"# HELP comments_toxicity_{name}_total {help_text}",
            f"# TYPE comments_toxicity_{name}_total counter",
            f"comments_toxicity_{name}_total {(stats or {}).get(name, 0)}",
        ]
    return "\n".join(lines) + "\n"
