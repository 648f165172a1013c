"""The `comments` command: help everywhere, schema commands, sites, admins."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from comments.cli import cli
from comments.db import Membership, Site, User
from comments.db.engine import sqlalchemy_config


def _env(settings) -> dict[str, str]:
    env = {
        "COMMENTS_HOME": str(settings.home),
        "COMMENTS_ARGON2_MEMORY_COST_KIB": "1024",
        "COMMENTS_ARGON2_TIME_COST": "1",
    }
    if not settings.is_sqlite:
        env["COMMENTS_DATABASE_URL"] = settings.resolved_database_url
    return env


def _all_commands(group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from _all_commands(command, (*prefix, name))


def _command(path):
    command = cli
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path", [(), *_all_commands(cli)])
def test_every_command_has_its_own_help(path):
    command = _command(path)
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: cli {' '.join(path)}".rstrip() in result.output
    assert command.help, f"{' '.join(path)} has no help text"
    assert " ".join(command.help.split()[:4]) in " ".join(result.output.split())
    for sub in getattr(command, "commands", {}):
        assert sub in result.output


def test_db_commands_move_a_fresh_database_between_revisions(tmp_path):
    """upgrade, current, downgrade (ours, no prompt) and advanced-alchemy's check and show-current-revision,
    on a SQLite database of their own."""
    from comments.config import Settings

    env = {"COMMENTS_HOME": str(tmp_path)}
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, ["db", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    assert "Schema upgraded to head." in run("upgrade")
    head = run("current").split()[0]
    # advanced-alchemy's commands (alembic prints their findings past click's runner: the exit code tells)
    assert "Listing current revision" in run("show-current-revision")
    assert "Checking for pending migrations" in run("check")
    assert "Schema downgraded to -1." in run("downgrade", "-1")
    assert head not in run("current")
    run("upgrade")
    assert run("current").split()[0] == head
    from comments.cli import schema_is_current

    assert schema_is_current(Settings(home=tmp_path))


async def _query(settings, statement):
    config = sqlalchemy_config(settings)
    async with config.get_session() as session:
        rows = (await session.scalars(statement)).all()
    await config.get_engine().dispose()
    return rows


async def test_site_create_prints_the_key_once_and_stores_its_hash(settings):
    runner = CliRunner()
    result = await _invoke(
        runner, ["site", "create", "ledger", "--name", "The Ledger", "--origin", "https://ledger.example"], settings
    )
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("sk_")
    [site] = await _query(settings, select(Site).where(Site.slug == "ledger"))
    assert site.allowed_origins == ["https://ledger.example"]
    assert key not in site.site_key_hash
    bad = await _invoke(runner, ["site", "create", "Bad Slug!", "--name", "x"], settings)
    assert bad.exit_code != 0
    assert "/slug" in bad.output


async def test_create_admin_reads_the_password_from_a_file_or_prompt(settings, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("a long admin password\n")
    runner = CliRunner()
    result = await _invoke(
        runner, ["user", "create-admin", "Boss@Example.com", "--password-file", str(password_file)], settings
    )
    assert result.exit_code == 0, result.output
    prompted = await _invoke(
        runner,
        ["user", "create-admin", "second@example.com"],
        settings,
        input="another long password\nanother long password\n",
    )
    assert prompted.exit_code == 0, prompted.output
    admins = await _query(settings, select(User).where(User.is_superadmin.is_(True)))
    assert sorted(u.email for u in admins) == ["boss@example.com", "second@example.com"]
    short = tmp_path / "short"
    short.write_text("short")
    assert (
        await _invoke(runner, ["user", "create-admin", "x@example.com", "--password-file", str(short)], settings)
    ).exit_code != 0


async def test_site_grant(settings, tmp_path):
    runner = CliRunner()
    await _invoke(runner, ["site", "create", "ledger", "--name", "The Ledger"], settings)
    pw = tmp_path / "pw"
    pw.write_text("a long admin password")
    await _invoke(runner, ["user", "create-admin", "mod@example.com", "--password-file", str(pw)], settings)
    result = await _invoke(runner, ["site", "grant", "ledger", "mod@example.com", "moderator"], settings)
    assert result.exit_code == 0, result.output
    [membership] = await _query(settings, select(Membership))
    assert membership.role == "moderator"


async def _invoke(runner, args, settings, **kwargs):
    """The CLI runs its own event loop (asyncio.run), so it runs in a worker thread here."""
    import anyio.to_thread

    return await anyio.to_thread.run_sync(lambda: runner.invoke(cli, args, env=_env(settings), **kwargs))


@pytest.mark.parametrize(
    ("environ", "args", "expected"),
    [({}, [], 1), ({"COMMENTS_WORKERS": "3"}, [], 3), ({"COMMENTS_WORKERS": "3"}, ["--workers", "2"], 2)],
)
def test_serve_runs_the_workers_that_comments_workers_or_the_flag_ask_for(
    tmp_path, monkeypatch, environ, args, expected
):
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    env = {"COMMENTS_HOME": str(tmp_path), "COMMENTS_CREATE_DEMO": "false", **environ}
    result = CliRunner().invoke(cli, ["serve", *args], env=env)
    assert result.exit_code == 0, result.output
    assert seen["workers"] == expected


def test_serve_refuses_zero_workers(tmp_path):
    env = {"COMMENTS_HOME": str(tmp_path), "COMMENTS_CREATE_DEMO": "false", "COMMENTS_WORKERS": "0"}
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert result.exit_code != 0
    assert "at least one worker" in result.output
