"""Webhooks: admin API, signed deliveries to a local receiver (127.0.0.1, no network), retries with
backoff, the delivery log, and events from decisions, reports and the posting hook."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from comments.app import create_app
from comments.clock import utcnow
from comments.db.engine import sqlalchemy_config
from comments.domain.webhooks import WebhookWorker
from tests.support import cast_of, decide, seed_comment, set_rules


class Receiver:
    """A publisher's endpoint on 127.0.0.1: records what arrives, answers with the statuses it is given."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        return [json.loads(body)["event"] for _, body in self.requests]


def signature_matches(secret: str, body: bytes, header: str) -> bool:
    """The receiver's check, exactly as docs/moderation.md shows it."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


@pytest.fixture
def settings(settings):
    """The receiver listens on 127.0.0.1: an intranet target, which the operator must allow."""
    return dataclasses.replace(settings, webhook_private_targets=True)


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
async def cast(api):
    return await cast_of(api)


@pytest.fixture
def poll_seconds() -> float:
    """How often the app's own worker looks for due deliveries: here, only once at startup, so that
    tests send with `worker.run_once()` when they choose (a test may parametrize it shorter)."""
    return 3600.0


@pytest.fixture
def app(settings, scorer, poll_seconds):
    app = create_app(settings, toxicity=scorer)
    app.state.webhooks.poll_seconds = poll_seconds
    return app


@pytest.fixture
async def worker(settings):
    """A worker on its own engine (the app's engine lives on the test client's event loop)."""
    config = sqlalchemy_config(settings)
    worker = WebhookWorker(config.get_session, allow_private_targets=True)
    yield worker
    await worker.stop()
    await config.get_engine().dispose()


async def create_hook(
    api,
    cast,
    url,
    events=("comment.held", "comment.published", "comment.rejected", "comment.reported"),
    site="demo",
    role="admin",
):
    r = await api.client.post(
        f"/api/v1/sites/{site}/webhooks", json={"url": url, "events": list(events)}, headers=cast.headers(role)
    )
    assert r.status_code == 201, r.text
    return r.json()


async def deliveries(api, cast, hook):
    r = await api.client.get(f"/api/v1/sites/demo/webhooks/{hook['id']}/deliveries", headers=cast.headers("admin"))
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_webhook_admin_api(api, cast):
    hook = await create_hook(api, cast, "https://news.example/hooks", events=["comment.rejected"])
    assert hook["secret"].startswith("whsec_")
    assert hook["events"] == ["comment.rejected"]
    base = f"/api/v1/sites/demo/webhooks/{hook['id']}"
    listed = (await api.client.get("/api/v1/sites/demo/webhooks", headers=cast.headers("admin"))).json()["items"]
    assert [(h["id"], h["secret"]) for h in listed] == [(hook["id"], None)]
    r = await api.client.patch(
        base, json={"events": ["comment.held", "comment.held"], "active": False}, headers=cast.headers("admin")
    )
    assert r.status_code == 200, r.text
    assert (r.json()["events"], r.json()["active"], r.json()["secret"]) == (["comment.held"], False, None)
    rotated = await api.client.patch(base, json={"rotate_secret": True}, headers=cast.headers("admin"))
    assert rotated.json()["secret"] not in (None, hook["secret"])
    assert (await api.client.get(base, headers=cast.headers("admin"))).json()["secret"] is None
    assert (await api.client.delete(base, headers=cast.headers("admin"))).status_code == 204
    assert (await api.client.get(base, headers=cast.headers("admin"))).status_code == 404
    bad = await api.client.post(
        "/api/v1/sites/demo/webhooks",
        json={"url": "ftp://x", "events": ["comment.held"]},
        headers=cast.headers("admin"),
    )
    assert bad.status_code == 422
    unknown = await api.client.post(
        "/api/v1/sites/demo/webhooks",
        json={"url": "https://x.example", "events": ["comment.eaten"]},
        headers=cast.headers("admin"),
    )
    assert unknown.status_code == 400
    # Other sites' webhooks are out of reach.
    assert (
        await api.client.get(f"/api/v1/sites/other/webhooks/{hook['id']}", headers=cast.headers("superadmin"))
    ).status_code == 404


async def test_a_decision_is_delivered_signed(api, cast, settings, receiver, worker):
    hook = await create_hook(api, cast, receiver.url)
    comment = await seed_comment(settings, cast.ids["reader"], "Spam spam spam")
    assert (await decide(api, cast.tokens["moderator"], comment.id, "reject", 1, reason_code="spam")).status_code == 200
    assert receiver.requests == []  # the answer did not wait for the receiver
    assert await worker.run_once() == 1
    [(headers, body)] = receiver.requests
    assert headers["X-Comments-Event"] == "comment.rejected"
    assert signature_matches(hook["secret"], body, headers["X-Comments-Signature"])
    assert not signature_matches("whsec_wrong", body, headers["X-Comments-Signature"])
    event = json.loads(body)
    assert event["event"] == "comment.rejected"
    assert event["site"] == "demo"
    assert event["data"]["comment"]["id"] == str(comment.id)
    assert event["data"]["comment"]["status"] == "rejected"
    assert event["data"]["decision"] == {
        "action": "reject",
        "reason_code": "spam",
        "moderator_id": str(cast.ids["moderator"]),
    }
    [logged] = await deliveries(api, cast, hook)
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == ("delivered", 1, 200)
    assert logged["body"].encode() == body
    assert await worker.run_once() == 0  # nothing is sent twice


async def test_failures_are_retried_with_backoff_then_given_up_and_retried_by_hand(
    api, cast, settings, receiver, worker
):
    hook = await create_hook(api, cast, receiver.url)
    worker.backoff = (10, 60)
    receiver.statuses = [500, 503, 502]
    comment = await seed_comment(settings, cast.ids["reader"])
    assert (await decide(api, cast.tokens["moderator"], comment.id, "approve", 1)).status_code == 200
    clock = {"now": utcnow()}
    worker.clock = lambda: clock["now"]
    assert await worker.run_once() == 1
    [logged] = await deliveries(api, cast, hook)
    assert (logged["status"], logged["attempts"], logged["last_error"]) == ("pending", 1, "HTTP 500")
    assert await worker.run_once() == 0  # not due yet
    clock["now"] += timedelta(seconds=10)
    assert await worker.run_once() == 1
    clock["now"] += timedelta(seconds=59)
    assert await worker.run_once() == 0
    clock["now"] += timedelta(seconds=1)
    assert await worker.run_once() == 1
    [logged] = await deliveries(api, cast, hook)
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == ("failed", 3, 502)
    assert len(receiver.requests) == 3
    assert len({body for _, body in receiver.requests}) == 1  # the very same signed body each time
    r = await api.client.post(
        f"/api/v1/sites/demo/webhooks/{hook['id']}/deliveries/{logged['id']}/retry", headers=cast.headers("admin")
    )
    assert r.status_code == 202
    assert await worker.run_once() == 1
    [logged] = await deliveries(api, cast, hook)
    assert (logged["status"], logged["attempts"]) == ("delivered", 1)


async def test_an_unreachable_receiver_is_logged(api, cast, settings, worker):
    hook = await create_hook(api, cast, "http://127.0.0.1:9/nothing-listens-here")
    comment = await seed_comment(settings, cast.ids["reader"])
    assert (await decide(api, cast.tokens["moderator"], comment.id, "approve", 1)).status_code == 200
    assert await worker.run_once() == 1
    [logged] = await deliveries(api, cast, hook)
    assert logged["status"] == "pending"
    assert logged["last_status_code"] is None
    assert "ConnectError" in logged["last_error"]


async def test_reports_and_hides_fire_events_to_subscribers_of_the_site_only(api, cast, settings, receiver, worker):
    await set_rules(settings, {"reports": {"threshold": 1, "hide_when_reported": True}})
    await create_hook(api, cast, receiver.url, events=["comment.reported", "comment.held"])
    other = Receiver()
    try:
        await create_hook(api, cast, other.url, site="other", role="superadmin")
        inactive = await create_hook(api, cast, other.url)
        await api.client.patch(
            f"/api/v1/sites/demo/webhooks/{inactive['id']}", json={"active": False}, headers=cast.headers("admin")
        )
        posted = (await api.post(cast.tokens["admin"], "Report me.")).json()
        r = await api.client.post(
            f"/api/v1/comments/{posted['id']}/reports", json={"reason": "spam"}, headers=cast.headers("reader")
        )
        assert r.status_code == 201
        assert await worker.run_once() == 2
        assert sorted(receiver.events()) == ["comment.held", "comment.reported"]
        reported = next(json.loads(b) for _, b in receiver.requests if json.loads(b)["event"] == "comment.reported")
        assert reported["data"]["report"] == {"reason": "spam", "note": None}
        assert (reported["data"]["open_reports"], reported["data"]["queued"]) == (1, True)
        assert other.requests == []
    finally:
        other.close()


async def test_ping(api, cast, receiver, worker):
    hook = await create_hook(api, cast, receiver.url, events=["comment.held"])
    r = await api.client.post(f"/api/v1/sites/demo/webhooks/{hook['id']}/ping", headers=cast.headers("admin"))
    assert r.status_code == 202, r.text
    assert r.json()["event"] == "ping"
    assert await worker.run_once() == 1
    [(headers, body)] = receiver.requests
    assert json.loads(body)["event"] == "ping"
    assert signature_matches(hook["secret"], body, headers["X-Comments-Signature"])


@pytest.mark.parametrize("poll_seconds", [0.05])
async def test_the_background_worker_sends_without_holding_up_the_answer(api, cast, settings, receiver):
    receiver.delay = 3.0  # a slow receiver
    await create_hook(api, cast, receiver.url)
    comment = await seed_comment(settings, cast.ids["reader"])
    started = time.monotonic()
    assert (await decide(api, cast.tokens["moderator"], comment.id, "reject", 1, reason_code="spam")).status_code == 200
    assert time.monotonic() - started < receiver.delay
    for _ in range(100):
        if receiver.requests:
            break
        await asyncio.sleep(0.05)
    assert receiver.events() == ["comment.rejected"]
