"""Webhooks go to public addresses only, unless the operator allows private targets: checked when a URL is
saved and, after DNS, before every delivery (webhooks/targets.py)."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from comments.app import create_app
from comments.db.engine import sqlalchemy_config
from comments.domain.webhooks import WebhookWorker
from tests.support import cast_of

HOOKS = "/api/v1/sites/demo/webhooks"
PRIVATE_URLS = (
    "http://127.0.0.1:8080/hooks",
    "http://localhost/hooks",
    "http://api.localhost/hooks",
    "http://[::1]/hooks",
    "http://10.1.2.3/hooks",
    "http://192.168.0.10/hooks",
    "http://100.64.0.1/hooks",  # carrier-grade NAT
    "http://169.254.169.254/latest/meta-data",  # cloud metadata
    "http://[fe80::1]/hooks",
    "http://[::ffff:192.168.0.1]/hooks",  # IPv4-mapped
    "http://0.0.0.0/hooks",
)


async def test_an_admin_cannot_save_a_private_target(api):
    cast = await cast_of(api)
    for url in PRIVATE_URLS:
        r = await api.client.post(HOOKS, json={"url": url, "events": ["comment.held"]}, headers=cast.headers("admin"))
        assert r.status_code == 422, url
        assert r.json()["errors"][0]["pointer"] == "/url"
    public = await api.client.post(
        HOOKS, json={"url": "https://93.184.216.34/hooks", "events": ["comment.held"]}, headers=cast.headers("admin")
    )
    assert public.status_code == 201, public.text
    moved = await api.client.patch(
        f"{HOOKS}/{public.json()['id']}", json={"url": "http://10.0.0.7/hooks"}, headers=cast.headers("admin")
    )
    assert moved.status_code == 422


@pytest.fixture
def app(settings, scorer):
    """The app's own worker polls once at start-up only: the test sends with its worker when it chooses."""
    app = create_app(settings, toxicity=scorer)
    app.state.webhooks.poll_seconds = 3600.0
    return app


@pytest.fixture
def dns(monkeypatch):
    """Names resolve to what the test says (no network here)."""
    answers: dict[str, str] = {}

    async def getaddrinfo(self, host, port, *args, **kwargs):
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        family = socket.AF_INET6 if ":" in answers[host] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (answers[host], port))]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", getaddrinfo)
    return answers


async def test_a_name_that_resolves_to_a_private_address_gets_nothing(api, settings, dns):
    """A name passes when saved; the delivery checks what it resolves to and is not sent."""
    cast = await cast_of(api)
    dns["hooks.news.example"] = "10.0.0.7"
    body = {"url": "https://hooks.news.example/in", "events": ["comment.held"]}
    hook = (await api.client.post(HOOKS, json=body, headers=cast.headers("admin"))).json()
    assert (await api.client.post(f"{HOOKS}/{hook['id']}/ping", headers=cast.headers("admin"))).status_code == 202

    sent: list[httpx.Request] = []
    config = sqlalchemy_config(settings)
    worker = WebhookWorker(
        config.get_session, transport=httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200))
    )
    try:
        assert await worker.run_once() == 1
        assert sent == []
        [logged] = (await api.client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=cast.headers("admin"))).json()[
            "items"
        ]
        assert logged["status"] == "pending"  # retried later: DNS may change back
        assert logged["last_error"] == (
            "not sent: hooks.news.example resolves to an address that is not public (10.0.0.7)."
        )

        dns["hooks.news.example"] = "93.184.216.34"
        retried = await api.client.post(
            f"{HOOKS}/{hook['id']}/deliveries/{logged['id']}/retry", headers=cast.headers("admin")
        )
        assert retried.status_code in (200, 202), retried.text
        assert await worker.run_once() == 1
        assert [str(r.url) for r in sent] == ["https://hooks.news.example/in"]
    finally:
        await worker.stop()
        await config.get_engine().dispose()
