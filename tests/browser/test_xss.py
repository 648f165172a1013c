"""Comment bodies and page parameters that hold markup are shown as text: no element is made from them and
no script runs (the widget builds the page with text nodes; its CSP would also refuse inline script)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Service

# Each tries to run code that leaves a mark (window.__xss, on this frame or the page above) or a dialog.
PAYLOADS = [
    '<script>window.__xss = "script"; parent.__xss = "script"</script>',
    '<img src="x" onerror="window.__xss = \'img\'; alert(1)">',
    '<a href="javascript:window.__xss=\'link\'">read more</a> <a href="javascript:alert(1)">here</a>',
    '<svg onload="window.__xss = \'svg\'"><script>window.__xss = "svg-script"</script></svg>',
    '"><iframe srcdoc="<script>parent.__xss = \'iframe\'</script>"></iframe>',
    "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__xss='mxss'\">",
    "<details open ontoggle=\"window.__xss='toggle'\">x</details><body onload=\"window.__xss='body'\">",
]
MARKUP = ".cw-thread :is(script, img, svg, iframe, math, details, style, a, body)"


def test_comment_bodies_with_markup_render_as_text(page: Any, service: Service) -> None:
    article = "xss-payloads"
    service.http.put(f"/api/v1/sites/demo/articles/{article}", json={"url": f"{service.url}/stories/{article}"})
    readers = [service.reader(f"xss{n}@example.com", f"Tester {n}") for n in range(2)]
    ids = []
    for n, body in enumerate(PAYLOADS):
        outcome = service.post(readers[n % 2], body, article=article)
        assert outcome["status"] == "published", outcome
        ids.append(outcome["id"])
    # One more as a reply, so nested rendering is covered too.
    reply = service.post(readers[0], PAYLOADS[1] + " (as a reply)", article=article, parent_id=ids[0])
    assert reply["status"] == "published", reply

    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(service.widget_url(article))
    expect(page.locator(".cw-thread > .cw-comment")).to_have_count(len(PAYLOADS))

    for comment_id, body in zip(ids, PAYLOADS, strict=True):
        expect(page.locator(f"#c-{comment_id} > article .cw-body")).to_have_text(body, use_inner_text=True)
    expect(page.locator(f"#c-{reply['id']} .cw-body")).to_have_text(PAYLOADS[1] + " (as a reply)")
    expect(page.locator(MARKUP)).to_have_count(0)

    # Click what would have been links, and wait for anything deferred to fire.
    page.get_by_text("read more", exact=False).first.click()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert errors == []


def test_embedded_widget_with_markup_comments_runs_no_script(page: Any, service: Service) -> None:
    """The same bodies inside the iframe on the demo page: neither the frame nor the page gets a mark."""
    article = "xss-payloads"  # made by the test above when run together; made here when run alone
    service.http.put(f"/api/v1/sites/demo/articles/{article}", json={"url": f"{service.url}/stories/{article}"})
    token = service.reader("xss-embedded@example.com", "Tester Embedded")
    service.post(token, PAYLOADS[3], article=article)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{service.url}/demo")
    page.evaluate(
        """([src]) => { const f = document.querySelector('#comments iframe'); f.src = src; }""",
        [service.widget_url(article, origin=service.url)],
    )
    widget = page.frame_locator("#comments iframe")
    expect(widget.locator(".cw-body").filter(has_text="<svg onload")).not_to_have_count(0)
    expect(widget.locator(MARKUP)).to_have_count(0)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    frame = page.locator("#comments iframe").element_handle().content_frame()
    assert frame.evaluate("window.__xss") is None
    assert dialogs == []


def test_page_parameters_with_markup_stay_text(page: Any, service: Service) -> None:
    """The article title and URL reach the widget page as query parameters; the template escapes them."""
    title = '</title><script>window.__xss="title"</script><img src=x onerror="window.__xss=1">'
    url = f'{service.url}/stories/"><script>window.__xss="url"</script>'
    response = page.goto(service.widget_url("xss-params", title=title, url=url))
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", name="Comments")).to_be_visible()
    assert page.locator("#app").get_attribute("data-title") == title
    assert page.locator("#app").get_attribute("data-url") == url
    assert page.locator("script:not([src]), img").count() == 0
    assert page.evaluate("window.__xss") is None
    # Trusted Types with no policy: even a stray `innerHTML = string` in the widget would throw.
    blocked = page.evaluate(
        "() => { try { document.body.innerHTML = '<b>x</b>'; return false } catch (e) { return e.name } }"
    )
    assert blocked == "TypeError"
