"""The issue's "done when": with the real bundled model behind the runner, a civil comment by a newcomer is
published and a toxic one is held with its scores and reason."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from comments.app import create_app
from comments.domain.toxicity import BatchingRunner
from comments.domain.toxicity.testing import shared_bundled_classifier
from tests.support import Api


@pytest.fixture
async def model_api(settings):
    runner = BatchingRunner.from_settings(settings, shared_bundled_classifier())
    async with AsyncTestClient(app=create_app(settings, toxicity=runner)) as client:
        assert await runner.wait_ready(60)
        api = Api(client, settings)
        await api.create_demo()
        yield api


async def test_the_bundled_model_decides_newcomers_comments(model_api):
    api = model_api
    operator = api.auth(await api.staff("operator@example.com", "superadmin"))  # /ready's details are theirs
    ready = (await api.client.get("/ready", headers=operator)).json()
    assert ready["model"] == "ready"
    assert ready["model_id"].startswith("bundled-")
    token = await api.reader("newcomer@example.com", "Newcomer")
    civil = (await api.post(token, "I think the sanctions will hurt ordinary people more than the government.")).json()
    assert civil["status"] == "published", civil
    toxic = (await api.post(token, "Shut up, you pathetic idiot. Nobody wants to hear your stupid garbage.")).json()
    assert toxic["status"] == "held", toxic
    # One reason per label at or above its hold threshold (v5 is multi-label: insult and toxicity here).
    assert toxic["reasons"]
    assert {reason["code"] for reason in toxic["reasons"]} == {"toxicity"}
    assert len(toxic["reasons"]) >= 1
    assert "review" in toxic["message"]
    stats = (await api.client.get("/ready", headers=operator)).json()["model_stats"]
    assert stats["texts_scored"] == 2  # operators see the runner's counters, model time included
    assert stats["batches"] >= 1
    assert stats["timeouts"] == stats["errors"] == 0
    assert stats["model_seconds"] > 0
