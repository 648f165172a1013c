"""`comments perspective-key create|list|revoke` and `comments perspective feedback export|stats`; the root CLI
registers both groups. Each command takes the Settings from `ctx.obj` (built from the environment when run
on its own)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from comments.config import Settings
from comments.db.engine import sqlalchemy_config
from comments.errors import DomainError

T = TypeVar("T")


def _settings(ctx: click.Context) -> Settings:
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings.from_env()
    return root.obj


def _run(ctx: click.Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        config = sqlalchemy_config(_settings(ctx), pooled=False)
        try:
            async with config.get_session() as session:
                return await work(session)
        finally:
            await config.get_engine().dispose()

    try:
        return asyncio.run(run())
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc


async def create_key(session: AsyncSession, name: str, qps: int) -> str:
    """Make a key named `name` and return it (the CLI's work, callable from tests)."""
    from comments.domain.perspective.keys import PerspectiveKeyService

    _, key = await PerspectiveKeyService(session=session).create_key(name, qps)
    await session.commit()
    return key


@click.group("perspective-key")
def perspective_key_group() -> None:
    """API keys for the Perspective-compatible API (/perspective/v1alpha1)."""


@perspective_key_group.command("create")
@click.argument("name")
@click.option("--qps", default=10, show_default=True, type=int, help="Requests per second allowed for this key.")
@click.pass_context
def key_create(ctx: click.Context, name: str, qps: int) -> None:
    """Create a key named NAME and print it (shown once: only its SHA-256 is stored). The key is the last word."""
    key = _run(ctx, lambda session: create_key(session, name, qps))
    click.echo(
        f"Created Perspective key '{name}' ({qps} requests per second). Store it now, it is not shown again: {key}"
    )


@perspective_key_group.command("list")
@click.pass_context
def key_list(ctx: click.Context) -> None:
    """List the keys with their limits and usage (never the keys themselves)."""
    from comments.domain.perspective.services import usage

    keys = _run(ctx, usage)
    if not keys:
        click.echo("No Perspective keys. Create one with `comments perspective-key create NAME`.")
        return
    click.echo(f"{'name':<24} {'qps':>6} {'analyze':>10} {'suggest':>10} {'429s':>8}  created              revoked")
    for key in keys:
        revoked = key.revoked_at.strftime("%Y-%m-%d %H:%M:%S") if key.revoked_at else "-"
        click.echo(
            f"{key.name:<24} {key.qps:>6} {key.analyze_requests:>10} {key.suggest_requests:>10} "
            f"{key.limited_requests:>8}  {key.created_at:%Y-%m-%d %H:%M:%S}  {revoked}"
        )


@perspective_key_group.command("revoke")
@click.argument("name")
@click.pass_context
def key_revoke(ctx: click.Context, name: str) -> None:
    """Revoke the key named NAME: its requests are refused from now on (in every process)."""
    from comments.domain.perspective.keys import PerspectiveKeyService

    async def work(session: AsyncSession) -> None:
        await PerspectiveKeyService(session=session).revoke_key(name)
        await session.commit()

    _run(ctx, work)
    click.echo(f"Revoked Perspective key '{name}'.")


@click.group("perspective")
def perspective_group() -> None:
    """The Perspective-compatible API: what its clients told us."""


@perspective_group.group("feedback")
def feedback_group() -> None:
    """Scores that clients suggested (comments:suggestscore): moderators' verdicts on our model."""


@feedback_group.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout).")
@click.option("--key", "key_name", help="Only the feedback sent with this key.")
@click.option("--with-text-only", is_flag=True, help="Only rows whose text the client let us keep.")
@click.pass_context
def feedback_export(ctx: click.Context, output: Path | None, key_name: str | None, with_text_only: bool) -> None:
    """Write the suggested scores as labelled JSONL for retraining: one object per line with `label`
    (the model label), `value` (1 = the attribute applies), `text` where kept, else `text_sha256`."""
    from comments.domain.perspective.services import FeedbackService

    encoder = msgspec.json.Encoder()

    async def work(session: AsyncSession) -> int:
        stream: Any = output.open("wb") if output else sys.stdout.buffer
        count = 0
        try:
            async for record in FeedbackService(session=session).export(
                key_name=key_name, with_text_only=with_text_only
            ):
                stream.write(encoder.encode(record) + b"\n")
                count += 1
        finally:
            if output:
                stream.close()
            else:
                stream.flush()
        return count

    count = _run(ctx, work)
    if output:
        click.echo(f"Wrote {count} labelled rows to {output}.", err=True)


@feedback_group.command("stats")
@click.option("--key", "key_name", help="Only the feedback sent with this key.")
@click.option("--threshold", type=float, help="Hold threshold for every label (default: the model's own).")
@click.pass_context
def feedback_stats(ctx: click.Context, key_name: str | None, threshold: float | None) -> None:
    """Precision and recall of the model's automatic holds against the clients' verdicts, per label."""
    from comments.domain.perspective.services import FeedbackService
    from comments.domain.toxicity import recommended_thresholds

    if threshold is not None:
        thresholds: dict[str, float] = {}
        default = threshold
    else:
        thresholds = {label: t["hold"] for label, t in recommended_thresholds().items() if t.get("hold") is not None}
        default = 0.5
    rows = _run(
        ctx, lambda session: FeedbackService(session=session).quality(thresholds, key_name=key_name, default=default)
    )
    if not rows:
        click.echo("No scored feedback yet.")
        return
    click.echo(
        f"{'label':<18} {'hold at':>7} {'held':>6} {'held+rej':>9} {'precision':>9} "
        f"{'rejected':>9} {'flagged':>8} {'recall':>7}"
    )
    for row in rows:
        hold = thresholds.get(row.label, default)
        click.echo(
            f"{row.label:<18} {hold:>7.2f} {row.auto_held_decided:>6} {row.auto_held_rejected:>9} "
            f"{_share(row.precision):>9} {row.moderator_rejected:>9} {row.model_flagged:>8} {_share(row.recall):>7}"
        )


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
