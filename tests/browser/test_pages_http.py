"""The web routes' headers and markup, over HTTP through the app (no browser needed).

One app on SQLite for the whole module: the pages do not depend on the database backend, and every app a
test process builds costs (advanced-alchemy registers each config's keys globally)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from comments.app import create_app
from comments.cli import upgrade_schema
from comments.config import Settings
from comments.db.engine import sqlalchemy_config
from comments.domain.sites.demo import create_demo_if_empty
from comments.domain.web.assets import STATIC_DIR, static_url
from comments.domain.web.security import content_security_policy
from tests.support import FakeScorer


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient[Litestar]]:
    settings = Settings(home=tmp_path_factory.mktemp("web-home"), create_demo=False)
    upgrade_schema(settings)

    async def demo() -> None:
        config = sqlalchemy_config(settings)
        async with config.get_session() as session:
            await create_demo_if_empty(session, settings)
        await config.get_engine().dispose()

    asyncio.run(demo())
    with TestClient(app=create_app(settings, toxicity=FakeScorer())) as test_client:
        yield test_client


WIDGET = "/widget?site=demo&article=putin-warning-tomahawk"


def directives(policy: str) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in policy.split("; ")}


class InlineFinder(HTMLParser):
    """Whatever a CSP without 'unsafe-inline' would block: inline scripts, style elements and attributes,
    event-handler attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"{tag}[{name}=javascript:]")


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems


def test_widget_may_be_framed_only_by_the_sites_origins(client: TestClient[Litestar]) -> None:
    response = client.get(WIDGET + "&origin=http://127.0.0.1:8000")
    assert response.status_code == 200
    policy = directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == "http://127.0.0.1:8000 http://localhost:8000"
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'none'"
    assert policy["require-trusted-types-for"] == "'script'"
    assert "x-frame-options" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-cache"
    assert 'data-parent-origin="http://127.0.0.1:8000"' in response.text
    assert inline_problems(response.text) == []


@pytest.mark.parametrize(
    ("query", "status", "ancestors"),
    [
        ("?site=nowhere&article=x", 404, "'none'"),
        ("?article=x", 404, "'none'"),
        ("?site=demo&article=bad%20id", 404, "http://127.0.0.1:8000 http://localhost:8000"),
        ("?site=demo&article=x&origin=https://evil.example", 403, "http://127.0.0.1:8000 http://localhost:8000"),
    ],
)
def test_widget_refusals(client: TestClient[Litestar], query: str, status: int, ancestors: str) -> None:
    response = client.get("/widget" + query)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert directives(response.headers["content-security-policy"])["frame-ancestors"] == ancestors
    assert "data-site" not in response.text  # no widget, just the message


def test_widget_escapes_its_parameters(client: TestClient[Litestar]) -> None:
    params = {"site": "demo", "article": "putin-warning-tomahawk", "title": '"><script>alert(1)</script>'}
    response = client.get("/widget", params={**params, "accent": "red;x", "theme": "neon", "sort": "x"})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert 'data-title="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in response.text
    assert 'data-accent=""' in response.text
    assert 'data-theme="auto"' in response.text
    assert 'data-sort="newest"' in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/demo",
        "/moderate",
        "/admin",
        "/sites/demo/guidelines",
        "/notice?site=demo",
        "/moderate/dsa",
        "/account?site=demo",
    ],
)
def test_pages_cannot_be_framed_and_run_only_files(client: TestClient[Litestar], path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert inline_problems(response.text) == []
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', response.text):
        assert (client.get(src)).status_code == 200, src


def test_demo_page_embeds_with_the_publishers_snippet(client: TestClient[Litestar]) -> None:
    response = client.get("/demo")
    snippet = (
        '<div id="comments" data-site="demo" data-article="putin-warning-tomahawk"></div>'
        '<script src="/embed.js" async></script>'
    )
    assert snippet in response.text
    assert directives(response.headers["content-security-policy"])["frame-src"] == "'self'"
    assert "Putin warns Washington over Tomahawk missiles for Ukraine" in response.text


def test_embed_js(client: TestClient[Litestar]) -> None:
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(response.content) < 8000


def test_static_files_are_versioned_and_immutable(client: TestClient[Litestar]) -> None:
    url = static_url("widget.js")
    assert re.fullmatch(r"/static/[0-9a-f]{12}/widget\.js", url)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "max-age=31536000, public, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"
    # The modules it imports resolve under the same version.
    assert 'from "./lib.js"' in response.text
    assert client.get(url.replace("widget.js", "lib.js")).status_code == 200
    assert client.get(url.replace("widget.js", "../templates/widget.html")).status_code == 404
    assert client.get("/static/000000000000/widget.js").status_code == 404


def test_static_scripts_never_put_strings_into_html() -> None:
    sinks = re.compile(r"\.(?:inner|outer)HTML\s*\+?=|insertAdjacentHTML\(|document\.write|\beval\(|new Function\(")
    for script in [*STATIC_DIR.glob("*.js"), STATIC_DIR.parent / "embed.js"]:
        assert not sinks.search(script.read_text()), f"{script.name} writes a string as HTML"


def test_content_security_policy_leaves_out_malformed_origins() -> None:
    policy = content_security_policy(frame_ancestors=["https://ok.example", "https://x.example; script-src *"])
    assert directives(policy)["frame-ancestors"] == "https://ok.example"
