"""Migration c4e8a1f2b9d3: stored rule sets keep only the toxicity thresholds an admin changed (the
defaults the app shipped, v4's and v5's, are removed) and comment.spans appears; its downgrade writes the
thresholds in force back in full. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from advanced_alchemy.alembic.commands import AlembicCommands

from comments.db.engine import sqlalchemy_config
from comments.domain.rules import DEFAULT_TOXICITY_THRESHOLDS

BEFORE = "bee663035eea"

V4_DOCUMENT = {  # what a site saved before v5: the whole document, v4's single default among its values
    "body": {"max_length": 800},
    "toxicity": {"thresholds": {"toxicity": {"hold": 0.27, "reject": 0.95}}},
}
V5_DEFAULTS = {  # v5 candidate A's policy (bundled-minilm-l6-v5), the defaults sites froze in before this migration
    "toxicity": {"hold": 0.75, "reject": None},
    "severe_toxicity": {"hold": 0.07, "reject": None},
    "obscene": {"hold": None, "reject": None},
    "threat": {"hold": 0.31, "reject": None},
    "insult": {"hold": 0.79, "reject": None},
    "identity_attack": {"hold": 0.59, "reject": None},
}
OVERRIDES = {"insult": {"hold": 0.5, "reject": None}, "threat": {"hold": None, "reject": None}}
V5_DOCUMENT = {  # saved with v5: every default frozen in, one hold changed and one label switched off
    "toxicity": {"thresholds": {**V5_DEFAULTS, **OVERRIDES}}
}

_site = sa.table("site", sa.column("slug"), sa.column("rules", sa.JSON))


def _move(settings, revision: str, down: bool = False) -> None:
    commands = AlembicCommands(sqlalchemy_config(settings, pooled=False))
    commands.downgrade(revision) if down else commands.upgrade(revision)


async def _sql(settings, statement):
    engine = sqlalchemy_config(settings).get_engine()
    async with engine.begin() as conn:
        result = await conn.execute(statement)
        rows = result.all() if result.returns_rows else None
    await engine.dispose()
    return rows


async def _rules(settings) -> dict:
    return dict((await _sql(settings, sa.select(_site.c.slug, _site.c.rules))) or [])


async def test_upgrade_keeps_only_the_overrides_and_downgrade_writes_them_in_force(settings):
    from comments.domain.sites.services import SiteService

    config = sqlalchemy_config(settings)
    async with config.get_session() as session:
        for slug in ("v4", "v5", "fresh"):
            await SiteService(session=session).create_site(slug, slug, [])
        await session.commit()
    await config.get_engine().dispose()
    await asyncio.to_thread(_move, settings, BEFORE, True)
    try:
        for slug, document in (("v4", V4_DOCUMENT), ("v5", V5_DOCUMENT), ("fresh", {})):
            await _sql(settings, sa.update(_site).where(_site.c.slug == slug).values(rules=document))
        await asyncio.to_thread(_move, settings, "head")
        rules = await _rules(settings)
        assert rules["v4"] == {"body": {"max_length": 800}, "toxicity": {"thresholds": {"toxicity": {"reject": 0.95}}}}
        assert rules["v5"] == {"toxicity": {"thresholds": {"insult": {"hold": 0.5}, "threat": {"hold": None}}}}
        assert rules["fresh"] == {}
        await _sql(settings, sa.text("SELECT spans FROM comment"))  # the new column is there

        await asyncio.to_thread(_move, settings, BEFORE, True)
        rules = await _rules(settings)
        # In force now: today's defaults (they may have moved since v5) with the site's two changes.
        assert rules["v5"]["toxicity"]["thresholds"] == {**DEFAULT_TOXICITY_THRESHOLDS, **OVERRIDES}
        assert rules["v4"]["toxicity"]["thresholds"] == {
            **DEFAULT_TOXICITY_THRESHOLDS,
            "toxicity": {"hold": DEFAULT_TOXICITY_THRESHOLDS["toxicity"]["hold"], "reject": 0.95},
        }
        assert rules["fresh"] == {}
    finally:
        await asyncio.to_thread(_move, settings, "head")  # PostgreSQL's schema is shared by the session
