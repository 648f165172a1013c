"""The `comments` command: serve, database migrations, sites, users, and the toxicity model."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from advanced_alchemy.alembic.commands import AlembicCommands
from advanced_alchemy.cli import add_migration_commands
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.config import Settings, SettingsError
from comments.db.engine import sqlalchemy_config

T = TypeVar("T")


def _settings(ctx: click.Context) -> Settings:
    """The settings the root command built (once) from the environment."""
    return ctx.find_root().obj


def _with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        config = sqlalchemy_config(settings, pooled=False)
        try:
            async with config.get_session() as session:
                return await work(session)
        finally:
            await config.get_engine().dispose()

    return asyncio.run(run())


def _alembic(settings: Settings) -> AlembicCommands:
    return AlembicCommands(sqlalchemy_config(settings, pooled=False))


def upgrade_schema(settings: Settings, revision: str = "head") -> None:
    _alembic(settings).upgrade(revision)


def schema_revisions(settings: Settings) -> tuple[set[str], set[str]]:
    """(the revisions the database is at, the migrations' heads)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    commands = _alembic(settings)
    heads = set(ScriptDirectory.from_config(commands.config).get_heads())

    async def current() -> set[str]:
        engine = commands.config.engine
        async with engine.connect() as conn:
            revs = await conn.run_sync(
                lambda sync: MigrationContext.configure(
                    sync, opts={"version_table": "alembic_version"}
                ).get_current_heads()
            )
        await engine.dispose()
        return set(revs)

    return asyncio.run(current()), heads


def schema_is_current(settings: Settings) -> bool:
    current, heads = schema_revisions(settings)
    return current == heads


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """comments: an embeddable comment service for news sites.

    Configuration comes from COMMENTS_* environment variables (see README).
    """
    try:
        ctx.obj = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=None, type=int, help="Worker processes [default: COMMENTS_WORKERS or 1].")
@click.option(
    "--upgrade/--no-upgrade",
    default=None,
    help="Upgrade the schema before serving (default: yes on SQLite, no on PostgreSQL).",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int | None, upgrade: bool | None) -> None:
    """Run the web service (API, widget, demo page)."""
    import uvicorn

    settings = _settings(ctx)
    if upgrade if upgrade is not None else settings.is_sqlite:
        upgrade_schema(settings)
    elif not schema_is_current(settings):
        raise click.ClickException("The database schema is not current: run `comments db upgrade` first.")
    if settings.create_demo:
        from comments.domain.sites.demo import DEMO_ARTICLE, create_demo_if_empty

        key = _with_session(settings, lambda session: create_demo_if_empty(session, settings))
        if key:
            path = write_secret(settings.home / DEMO_KEY_FILE, key)
            click.echo(f"Created the demo site 'demo' with article '{DEMO_ARTICLE}'. Its site key is in {path}.")
    click.echo(f"Serving on http://{host}:{port} (demo article: http://{host}:{port}/demo)")
    workers = workers if workers is not None else settings.workers
    if workers < 1:
        raise click.ClickException(f"Run at least one worker process (got {workers}).")
    uvicorn.run(
        "comments.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=settings.access_log,
        # X-Forwarded-For is judged by the app alone (netaddr.client_address, COMMENTS_TRUSTED_PROXIES);
        # uvicorn's own handling would trust 127.0.0.1 and rewrite the client address before the app sees it.
        proxy_headers=False,
    )


DEMO_KEY_FILE = "demo-site-key"


def write_secret(path: Path, value: str) -> Path:
    """Write a secret readable by this user only (0600), never to stdout, where logs would keep it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        os.fchmod(file.fileno(), 0o600)  # an existing file keeps its mode through O_CREAT
        file.write(value + "\n")
    return path.resolve()


@cli.group()
@click.pass_context
def db(ctx: click.Context) -> None:
    """Database schema migrations (Alembic): advanced-alchemy's migration commands (check, heads, history,
    make-migrations, show-current-revision, ...) plus `upgrade`, `downgrade` and `current`, which run
    without prompting."""
    # advanced-alchemy's commands read their configs from ctx.obj; the root context keeps the Settings.
    ctx.obj = {"configs": [sqlalchemy_config(_settings(ctx), pooled=False)]}


add_migration_commands(db)


@db.command("upgrade")
@click.argument("revision", default="head")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Upgrade the schema to REVISION (default: head)."""
    upgrade_schema(_settings(ctx), revision)
    click.echo(f"Schema upgraded to {revision}.")


@db.command("downgrade", context_settings={"ignore_unknown_options": True})  # so that `-1` is a revision
@click.argument("revision")
@click.pass_context
def db_downgrade(ctx: click.Context, revision: str) -> None:
    """Downgrade the schema to REVISION (e.g. -1, or base)."""
    _alembic(_settings(ctx)).downgrade(revision)
    click.echo(f"Schema downgraded to {revision}.")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Show the schema revision the database is at, marked (head) when it is current."""
    current, heads = schema_revisions(_settings(ctx))
    for revision in sorted(current) or ["(none: run `comments db upgrade`)"]:
        click.echo(f"{revision} (head)" if revision in heads else revision)


@cli.group()
def site() -> None:
    """Sites (tenants) and their staff."""


@site.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The site's name, as readers see it.")
@click.option("--origin", "origins", multiple=True, help="An origin allowed to embed the widget (repeatable).")
@click.pass_context
def site_create(ctx: click.Context, slug: str, name: str, origins: tuple[str, ...]) -> None:
    """Create a site and print its site key (shown only once)."""
    from comments.domain.sites.services import SiteService
    from comments.errors import DomainError

    async def work(session: AsyncSession) -> str:
        _, key = await SiteService(session=session).create_site(slug, name, list(origins))
        await session.commit()
        return key

    try:
        key = _with_session(_settings(ctx), work)
    except DomainError as exc:
        raise click.ClickException(_explain(exc)) from exc
    click.echo(f"Created site '{slug}'. Site key (store it now, it is not shown again):\n{key}")


@site.command("grant")
@click.argument("slug")
@click.argument("email")
@click.argument("role", type=click.Choice(["moderator", "admin"]))
@click.pass_context
def site_grant(ctx: click.Context, slug: str, email: str, role: str) -> None:
    """Give the user with EMAIL the ROLE on site SLUG (audited, as done by the operator)."""
    from comments.db import Role
    from comments.domain.sites.members import MemberService

    async def work(session: AsyncSession) -> None:
        site_row, user = await _site_and_user(session, slug, email)
        await MemberService(session=session).grant(site_row, user.id, Role(role), actor_id=None, note="comments CLI")
        await session.commit()

    _run_site_command(ctx, work)
    click.echo(f"{email} is now {role} of '{slug}'.")


@site.command("revoke")
@click.argument("slug")
@click.argument("email")
@click.pass_context
def site_revoke(ctx: click.Context, slug: str, email: str) -> None:
    """Take away the role of the user with EMAIL on site SLUG (audited, as done by the operator)."""
    from comments.domain.sites.members import MemberService

    async def work(session: AsyncSession) -> bool:
        site_row, user = await _site_and_user(session, slug, email)
        revoked = await MemberService(session=session).revoke(site_row, user.id, actor_id=None, note="comments CLI")
        await session.commit()
        return revoked

    if _run_site_command(ctx, work):
        click.echo(f"{email} no longer has a role on '{slug}'.")
    else:
        click.echo(f"{email} had no role on '{slug}'.")


@site.command("sso-secret")
@click.argument("slug")
@click.pass_context
def site_sso_secret(ctx: click.Context, slug: str) -> None:
    """Create (or replace) the site's HS256 single-sign-on secret and print it once."""
    from comments.domain.accounts.sso import new_sso_secret, store_secret
    from comments.domain.sites.services import SiteService

    settings = _settings(ctx)
    secret = new_sso_secret()

    async def work(session: AsyncSession) -> None:
        store_secret(settings, await SiteService(session=session).get_by_slug(slug), secret)
        await session.commit()

    _run_site_command(ctx, work)
    click.echo(
        f"Single sign-on secret for '{slug}' (give it to the publisher's server now; it is not shown again,"
        f" and tokens signed with an earlier one stop working):\n{secret}"
    )


@site.command("sso-jwks")
@click.argument("slug")
@click.argument("url")
@click.pass_context
def site_sso_jwks(ctx: click.Context, slug: str, url: str) -> None:
    """Verify the site's single-sign-on tokens (RS256/ES256) with the publisher's keys at URL (a JWKS)."""
    from comments.domain.sites.services import SiteService

    if not url.startswith(("https://", "http://")) or len(url) > 2000:
        raise click.ClickException("Give the JWKS URL, like https://news.example.com/.well-known/jwks.json")

    async def work(session: AsyncSession) -> None:
        row = await SiteService(session=session).get_by_slug(slug)
        row.sso_jwks_url, row.sso_secret = url, None
        await session.commit()

    _run_site_command(ctx, work)
    click.echo(f"'{slug}' now verifies single-sign-on tokens with the keys at {url}.")


@site.command("set-language")
@click.argument("slug")
@click.argument("language")
@click.pass_context
def site_set_language(ctx: click.Context, slug: str, language: str) -> None:
    """Set the language of the site's readers (mails use it where a translation exists): en, de, fr, ..."""
    import re

    from comments.domain.sites.services import SiteService

    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?", language):
        raise click.ClickException("Give a language tag like en, de or de-CH.")

    async def work(session: AsyncSession) -> None:
        row = await SiteService(session=session).get_by_slug(slug)
        row.language = language
        await session.commit()

    _run_site_command(ctx, work)
    click.echo(f"'{slug}' speaks {language}.")


async def _site_and_user(session: AsyncSession, slug: str, email: str) -> tuple[Any, Any]:
    from comments.db import User
    from comments.domain.accounts.emails import normalise_email
    from comments.domain.sites.services import SiteService

    site_row = await SiteService(session=session).get_by_slug(slug)
    user = await session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    return site_row, user


def _run_site_command(ctx: click.Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from comments.errors import DomainError

    try:
        return _with_session(_settings(ctx), work)
    except DomainError as exc:
        raise click.ClickException(_explain(exc)) from exc


@cli.group()
def user() -> None:
    """User accounts."""


@user.command("create-admin")
@click.argument("email")
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the password from this file's first line (otherwise you are asked for it).",
)
@click.pass_context
def user_create_admin(ctx: click.Context, email: str, password_file: Path | None) -> None:
    """Create a superadmin (moderates and administers every site). Never pass a password as an argument."""
    from comments.domain.accounts.emails import email_problem, normalise_email
    from comments.domain.accounts.passwords import Passwords
    from comments.domain.accounts.services import MIN_PASSWORD_LENGTH, UserService

    settings = _settings(ctx)
    if password_file is not None:
        lines = password_file.read_text().splitlines()
        password = lines[0] if lines else ""
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if problem := email_problem(normalise_email(email)):
        raise click.ClickException(problem)

    async def work(session: AsyncSession) -> str:
        users = UserService(session=session, settings=settings, passwords=Passwords(settings))
        existing = await users.get_one_or_none(email=normalise_email(email))
        if existing is not None:
            existing.is_superadmin = True
            existing.password_hash = await users.passwords.hash(password)
            await session.commit()
            return "updated"
        await users.create_user(email, password, is_superadmin=True)
        await session.commit()
        return "created"

    outcome = _with_session(settings, work)
    click.echo(f"Superadmin {normalise_email(email)} {outcome}.")


@cli.group()
def mail() -> None:
    """The mail outbox."""


@mail.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--to", "to", default=None, help="Only mails to this address.")
@click.option("--body/--no-body", default=False, help="Print the plain-text bodies too (links included).")
@click.pass_context
def mail_list(ctx: click.Context, limit: int, to: str | None, body: bool) -> None:
    """The latest mails, newest first: pending, sent, logged (no SMTP configured) or failed."""
    from comments.db import MailMessage

    async def work(session: AsyncSession) -> list[Any]:
        query = select(MailMessage).order_by(MailMessage.created_at.desc()).limit(limit)
        if to:
            query = query.where(MailMessage.to_address == to.strip().lower())
        return list((await session.scalars(query)).all())

    for row in _with_session(_settings(ctx), work):
        click.echo(f"{row.created_at:%Y-%m-%d %H:%M:%S}  {row.status:<8} {row.to_address}  {row.subject}")
        if row.last_error:
            click.echo(f"    last error ({row.attempts} attempts): {row.last_error}")
        if body and row.text_body:
            click.echo("    " + row.text_body.replace("\n", "\n    "))


@cli.command("purge")
@click.pass_context
def purge(ctx: click.Context) -> None:
    """Purge client addresses, networks and mails older than COMMENTS_ADDRESS_RETENTION_DAYS now (the
    service also does it hourly)."""
    from comments.domain.accounts.retention import purge_personal_data

    settings = _settings(ctx)
    counts = _with_session(settings, lambda session: purge_personal_data(session, settings))
    click.echo(", ".join(f"{name}: {count}" for name, count in counts.items()))


def _explain(exc: Any) -> str:
    errors = getattr(exc, "extra", {}).get("errors") or []
    return "; ".join([exc.detail, *(f"{e['pointer']}: {e['message']}" for e in errors)])


def _register_toxicity_commands() -> None:
    try:
        from comments.domain.toxicity.cli import model_group, toxicity_group
    except ImportError:  # pragma: no cover - the toxicity package is always there in a full install
        return
    cli.add_command(toxicity_group)
    cli.add_command(model_group)


_register_toxicity_commands()


def _register_perspective_commands() -> None:
    from comments.domain.perspective import perspective_group, perspective_key_group

    cli.add_command(perspective_key_group)
    cli.add_command(perspective_group)


_register_perspective_commands()


def main() -> None:
    cli(prog_name="comments")


if __name__ == "__main__":
    sys.exit(main())
