"""Per-key usage of the Perspective-compatible API in Prometheus' text format, read from the database (the
counters live on the key rows, so every process reports the same totals)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from comments.domain.perspective.services import feedback_counts, usage


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


async def metrics_text(session: AsyncSession) -> str:
    keys = await usage(session)
    lines = [
        "# HELP comments_perspective_requests_total Perspective API requests per key and operation (429s included).",
        "# TYPE comments_perspective_requests_total counter",
    ]
    for key in keys:
        name = _label(key.name)
        lines.append(f'comments_perspective_requests_total{{key="{name}",operation="analyze"}} {key.analyze_requests}')
        lines.append(
            f'comments_perspective_requests_total{{key="{name}",operation="suggestscore"}} {key.suggest_requests}'
        )
    lines += [
        "# HELP comments_perspective_rate_limited_total Perspective API requests refused with 429, per key.",
        "# TYPE comments_perspective_rate_limited_total counter",
        *(f'comments_perspective_rate_limited_total{{key="{_label(k.name)}"}} {k.limited_requests}' for k in keys),
        "# HELP comments_perspective_key_revoked 1 when the key is revoked.",
        "# TYPE comments_perspective_key_revoked gauge",
        *(f'comments_perspective_key_revoked{{key="{_label(k.name)}"}} {int(k.revoked_at is not None)}' for k in keys),
        "# HELP comments_perspective_feedback_total Suggested scores stored, per key, attribute and verdict.",
        "# TYPE comments_perspective_feedback_total counter",
    ]
    for name, attribute, rejected, count in await feedback_counts(session):
        verdict = "rejected" if rejected else "approved"
        lines.append(
            f'comments_perspective_feedback_total{{key="{_label(name)}",attribute="{_label(attribute)}",'
            f'verdict="{verdict}"}} {count}'
        )
    return "\n".join(lines) + "\n"
