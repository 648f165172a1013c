"""The service as the browser tests run it, in its own process: `python -m tests.browser.server PORT`.

It does what `comments serve` does (upgrade the schema, create the demo site, run uvicorn), except that the
toxicity model is the test suite's keyword fake (tests.support.FakeScorer): the browser tests are about the
pages, and a civil comment must publish and a toxic one be held the same way on every machine. With
COMMENTS_TEST_TOXICITY=real the tests run `comments serve` itself, with the real model.
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn
from litestar import Litestar

from comments.app import create_app
from comments.cli import upgrade_schema
from comments.config import Settings
from comments.db.engine import sqlalchemy_config
from comments.domain.sites.demo import create_demo_if_empty
from tests.support import FakeScorer


def app() -> Litestar:
    """uvicorn's factory: the app with the fake model."""
    return create_app(Settings.from_env(), toxicity=FakeScorer())


async def _create_demo(settings: Settings) -> None:
    config = sqlalchemy_config(settings)
    try:
        async with config.get_session() as session:
            await create_demo_if_empty(session, settings)
    finally:
        await config.get_engine().dispose()


def main(port: int) -> None:
    settings = Settings.from_env()
    upgrade_schema(settings)
    asyncio.run(_create_demo(settings))
    uvicorn.run("tests.browser.server:app", factory=True, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(int(sys.argv[1]))
