"""The publisher's snippet on another origin: the widget loads, sizes itself, creates the thread, fills the
count; on an origin the site does not allow, the browser refuses to show it (CSP frame-ancestors)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import PUBLISHER_SITE, Publishers, Service


def _frame_height(page: Any) -> float:
    return page.locator("#comments iframe").evaluate("el => el.getBoundingClientRect().height")


def test_widget_on_an_allowed_origin(page: Any, service: Service, publishers: Publishers) -> None:
    article = "allowed-story"
    url = publishers.allowed.article_url(service.url, PUBLISHER_SITE, article)
    page.goto(url)
    widget = page.frame_locator("#comments iframe")
    expect(widget.get_by_role("heading", name="Comments")).to_be_visible()
    expect(widget.get_by_role("heading", name="Log in to comment")).to_be_visible()

    # The thread was created on first load, with the page's URL and title.
    created = service.http.get(f"/api/v1/sites/{PUBLISHER_SITE}/articles/{article}")
    assert created.status_code == 200, created.text
    assert created.json()["url"] == url
    assert created.json()["title"] == "A publisher's article"

    # The iframe is as tall as the widget says it is (postMessage), not the 320 px it starts with.
    content = widget.locator("#app").evaluate("el => Math.ceil(el.getBoundingClientRect().height)")
    expect(page.locator("#comments iframe")).to_have_attribute("title", "Comments")
    page.wait_for_function(
        "h => Math.abs(document.querySelector('#comments iframe').getBoundingClientRect().height - h) <= 1", arg=content
    )
    # Counts: filled from the API, then kept current by the widget.
    expect(page.locator("[data-comments-count]")).to_have_text("0")
    token = service.reader("embed-reader@example.com", "Embed Reader", site=PUBLISHER_SITE)
    service.post(token, "A first comment from the publisher's page.", site=PUBLISHER_SITE, article=article)
    page.reload()
    expect(page.locator("[data-comments-count]")).to_have_text("1")
    expect(widget.get_by_text("A first comment from the publisher's page.")).to_be_visible()

    # Growing content grows the frame: the registration form is taller than the login form.
    before = _frame_height(page)
    widget.get_by_role("button", name="Create an account").click()
    expect(widget.get_by_role("heading", name="Create an account to comment")).to_be_visible()
    page.wait_for_function(
        "h => document.querySelector('#comments iframe').getBoundingClientRect().height > h", arg=before
    )


def test_widget_refused_on_an_origin_the_site_does_not_allow(
    page: Any, service: Service, publishers: Publishers
) -> None:
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text) if "frame-ancestors" in message.text else None)
    article = "disallowed-story"
    page.goto(publishers.disallowed.article_url(service.url, PUBLISHER_SITE, article))
    page.wait_for_function("document.querySelector('#comments iframe') !== null")
    page.wait_for_timeout(1500)  # time for a widget to load, if it were allowed to

    frame = page.locator("#comments iframe").element_handle().content_frame()
    assert frame is not None
    assert frame.url.startswith("chrome-error://"), frame.url  # Chromium's error page, not the widget
    # Chromium says why; the policy it quotes names the site's one allowed origin and nothing else.
    assert any(f'"frame-ancestors {publishers.allowed.origin}"' in text for text in refusals), refusals
    # The widget never ran there, so it created no thread for that page.
    assert service.http.get(f"/api/v1/sites/{PUBLISHER_SITE}/articles/{article}").status_code == 404
    # The frame kept its starting size: no height message came from a refused widget.
    assert _frame_height(page) == 320
