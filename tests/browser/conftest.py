"""Browser tests: Debian's Chromium driven by Playwright (sync API), against the service in its own process.

The machine is small, so one service process and two publisher pages serve the whole browser session; each
test makes its own readers and articles. Chromium is never downloaded: the tests use the system's
`chromium` (apt-get install chromium). Where it is missing they are skipped, except when
COMMENTS_TEST_REQUIRE_BROWSER=1 (set by .ci/run): then they fail.
"""

from __future__ import annotations

import html
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
REQUIRE_BROWSER = os.environ.get("COMMENTS_TEST_REQUIRE_BROWSER") == "1"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery"
ADMIN_EMAIL = "editor@example.com"
PUBLISHER_SITE = "ledger"


def unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (COMMENTS_TEST_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the browser ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, per test module: while Playwright's sync API is running, its event loop is the thread's
    running loop, and the async tests elsewhere in the suite (asyncio.run, pytest-asyncio) must not meet it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed: pip install -e '.[dev]'")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        unavailable("Chromium is not installed: apt-get install chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (its own storage: nobody is logged in)."""
    ctx = browser.new_context(viewport={"width": 1000, "height": 900})
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


def screenshot(page: Any, name: str, **kwargs: Any) -> Path:
    """Saved under test-artifacts/ (CI keeps it); docs/img/ holds copies chosen for the docs."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), **kwargs)
    return path


# --- the publisher's pages -----------------------------------------------------------------------------------

ARTICLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<h1>{title}</h1>
<p>Comments: <span data-comments-count="{article}" data-site="{site}">?</span></p>
<div id="comments" data-site="{site}" data-article="{article}"{sso}></div>
<script src="{service}/embed.js" async></script>
</body></html>
"""


class _PublisherHandler(BaseHTTPRequestHandler):
    """GET /article?service=&site=&article= : an article page with the publisher's snippet, under a strict
    CSP of its own (embed.js must not need inline styles or scripts on the host page either)."""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != "/article":
            self.send_error(404)
            return
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        service = q["service"]
        # `sso`: the token the publisher's server signed for its logged-in reader (docs/embedding.md).
        sso = f' data-sso-token="{html.escape(q["sso"])}"' if q.get("sso") else ""
        body = ARTICLE_PAGE.format(
            title="A publisher's article", site=q["site"], article=q["article"], service=service, sso=sso
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header(
            "Content-Security-Policy",
            f"default-src 'none'; script-src {service}; frame-src {service}; connect-src {service}",
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class Publisher:
    origin: str
    server: ThreadingHTTPServer

    def article_url(self, service: str, site: str, article: str, sso: str = "") -> str:
        return f"{self.origin}/article?service={service}&site={site}&article={article}" + (f"&sso={sso}" if sso else "")


@dataclass
class Publishers:
    allowed: Publisher
    disallowed: Publisher


@pytest.fixture(scope="session")
def publishers() -> Iterator[Publishers]:
    started = []
    for _ in range(2):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _PublisherHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(Publisher(f"http://127.0.0.1:{server.server_address[1]}", server))
    yield Publishers(allowed=started[0], disallowed=started[1])
    for publisher in started:
        publisher.server.shutdown()
        publisher.server.server_close()


# --- the service -------------------------------------------------------------------------------------------


@dataclass
class Service:
    url: str
    home: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "comments", *args], env=self.env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def register(self, email: str) -> str:
        response = self.http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        assert response.status_code == 201, response.text
        return response.json()["token"]

    def reader(self, email: str, display_name: str, site: str = "demo") -> str:
        """A reader with complete details for `site`; returns their token."""
        token = self.register(email)
        version = self.http.get(f"/api/v1/sites/{site}").json()["rules_version"]
        details = {
            "display_name": display_name,
            "full_name": "Test Reader",
            "country": "GB",
            "birth_year": 1980,
            "accepted_rules_version": version,
        }
        response = self.http.patch(f"/api/v1/me/profile?site={site}", json=details, headers=auth(token))
        assert response.status_code == 200, response.text
        return token

    def post(self, token: str, body: str, *, site: str = "demo", article: str, **extra: Any) -> dict[str, Any]:
        response = self.http.post(
            f"/api/v1/sites/{site}/articles/{article}/comments", json={"body": body, **extra}, headers=auth(token)
        )
        assert response.status_code == 201, response.text
        return response.json()

    def login(self, email: str, password: str = PASSWORD) -> str:
        response = self.http.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return response.json()["token"]

    def widget_url(self, article: str, site: str = "demo", **params: str) -> str:
        query = httpx.QueryParams({"site": site, "article": article, **params})
        return f"{self.url}/widget?{query}"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _service_env(home: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")}
    env.update(
        {
            "COMMENTS_HOME": str(home),
            "COMMENTS_PUBLIC_URL": f"http://127.0.0.1:{port}",
            # Cheap password hashing: the tests log in often; the real parameters are tested elsewhere.
            "COMMENTS_ARGON2_TIME_COST": "1",
            "COMMENTS_ARGON2_MEMORY_COST_KIB": "1024",
            "COMMENTS_ARGON2_PARALLELISM": "1",
            "HF_HUB_OFFLINE": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
    )
    return env


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory, publishers: Publishers) -> Iterator[Service]:
    """`comments serve` in its own process on a free port, with a fresh database in a temp COMMENTS_HOME;
    the CLI adds a superadmin and a site that allows the (allowed) publisher's origin."""
    home = tmp_path_factory.mktemp("service-home")
    port = free_port()
    env = _service_env(home, port)
    log = home / "server.log"
    if os.environ.get("COMMENTS_TEST_TOXICITY") == "real":
        command = [sys.executable, "-m", "comments", "serve", "--port", str(port)]
    else:
        command = [sys.executable, "-m", "tests.browser.server", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    service = Service(url=f"http://127.0.0.1:{port}", home=home, env=env, process=process, log=log)
    try:
        _wait_ready(service)
        password_file = home / "admin-password"
        password_file.write_text(PASSWORD + "\n")
        service.cli("user", "create-admin", ADMIN_EMAIL, "--password-file", str(password_file))
        service.cli("site", "create", PUBLISHER_SITE, "--name", "The Publisher", "--origin", publishers.allowed.origin)
        yield service
    finally:
        service.http.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_ready(service: Service, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            pytest.fail(f"the service exited ({service.process.returncode}):\n{service.log.read_text()[-3000:]}")
        try:
            if service.http.get("/ready").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the service was not ready in {timeout} s:\n{service.log.read_text()[-3000:]}")
