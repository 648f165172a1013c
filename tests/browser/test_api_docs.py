"""/schema renders every operation under its strict CSP, with nothing fetched from another origin."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Service, screenshot


def test_the_api_docs_render_from_this_service_alone(page: Any, service: Service) -> None:
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if "Content Security" in message.text else None)
    page.goto(f"{service.url}/schema")
    page.locator(".opblock").first.wait_for(timeout=30_000)
    assert page.locator(".opblock").count() > 40
    screenshot(page, "api-docs.png")
    assert not problems, problems
    assert [url for url in requested if not url.startswith(service.url)] == []
