"""A reader's journey on the demo article, in the widget the demo page embeds with the publisher's snippet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_EMAIL, PASSWORD, Service, screenshot

CIVIL = "Diplomacy first: every missile shipped makes talks harder, not easier."
TOXIC = "Anyone who disagrees with me is an idiot."


def open_demo(page: Any, service: Service) -> Any:
    page.goto(f"{service.url}/demo")
    widget = page.frame_locator("#comments iframe")
    expect(widget.get_by_role("heading", name="Comments")).to_be_visible()
    return widget


def register(widget: Any, email: str) -> None:
    widget.get_by_role("button", name="Create an account").click()
    widget.get_by_label("Email").fill(email)
    widget.get_by_label("Password").fill(PASSWORD)
    widget.get_by_role("button", name="Create account").click()


def test_reader_registers_completes_details_and_posts(page: Any, service: Service) -> None:
    widget = open_demo(page, service)
    headline = "Putin warns Washington over Tomahawk missiles for Ukraine"
    expect(page.get_by_role("heading", name=headline)).to_be_visible()
    register(widget, "ada@example.com")

    # Asked for exactly what the demo site requires and the reader has not given yet.
    step = widget.get_by_role("form", name="Complete your personal details to comment")
    expect(step).to_be_visible()
    expect(step.locator(".x-field > label, legend")).to_have_text(
        ["Display name", "Full name", "Country", "Year of birth", "Community guidelines"]
    )
    # The guidelines are readable right there.
    expect(step.get_by_label("The community guidelines", exact=True)).to_contain_text("Be civil.")
    expect(widget.get_by_label("Your comment")).to_have_count(0)

    # Nothing filled in: every field says so.
    step.get_by_role("button", name="Save and continue").click()
    expect(step.locator(".x-error:visible")).to_have_count(6)  # five fields and the summary
    expect(step.get_by_label("Display name")).to_be_focused()

    # The service's own per-field errors, next to their fields.
    step.get_by_label("Display name").fill("A")
    step.get_by_label("Full name").fill("Ada Lovelace")
    step.get_by_label("Country").select_option("GB")
    step.get_by_label("Year of birth").fill("1850")
    step.get_by_label("I have read and accept the community guidelines").check()
    step.get_by_role("button", name="Save and continue").click()
    expect(step.locator("#cw-display_name-error")).to_have_text("Use 2 to 40 characters.")
    year = dt.datetime.now(dt.UTC).year
    expect(step.locator("#cw-birth_year-error")).to_have_text(f"Enter a year between {year - 120} and {year}.")
    expect(step.get_by_label("Display name")).to_have_attribute("aria-invalid", "true")
    expect(step.locator("#cw-full_name-error")).to_be_hidden()
    screenshot(page.locator("#comments"), "profile-step.png")

    step.get_by_label("Display name").fill("Ada L")
    step.get_by_label("Year of birth").fill("1990")
    step.get_by_role("button", name="Save and continue").click()
    box = widget.get_by_label("Your comment")
    expect(box).to_be_focused()
    expect(widget.get_by_text("Signed in as Ada L")).to_be_visible()

    # A civil comment is published and shows in the thread; the counter counts.
    box.fill(CIVIL)
    expect(widget.locator("#cw-body-count")).to_have_text(f"{len(CIVIL)} / 5000")
    widget.get_by_role("button", name="Post comment").click()
    expect(widget.locator(".cw-outcome--published")).to_contain_text("Your comment is published.")
    civil = widget.locator(".cw-thread > .cw-comment").filter(has_text=CIVIL)
    expect(civil).to_have_attribute("data-status", "published")
    expect(widget.get_by_role("heading", name="Comments (1)")).to_be_visible()
    expect(page.locator("[data-comments-count]")).to_have_text("1")  # the article page's count, by message

    # A toxic one is held for review, with the reason, and marked as such for its author only.
    box.fill(TOXIC)
    widget.get_by_role("button", name="Post comment").click()
    held_outcome = widget.locator(".cw-outcome--held")
    expect(held_outcome).to_contain_text("Held for review.")
    expect(held_outcome).to_contain_text("waiting for a moderator's review")
    held = widget.locator(".cw-comment").filter(has_text=TOXIC)
    expect(held).to_have_attribute("data-status", "held")
    expect(held.locator(".cw-badge--held")).to_contain_text("Awaiting review")
    expect(held.locator(".cw-reasons li")).not_to_have_count(0)
    expect(widget.get_by_role("heading", name="Comments (1)")).to_be_visible()  # held ones are not counted
    screenshot(page, "demo-page.png", full_page=True)

    # The same text again within the site's duplicate window is rejected, with the reason.
    box.fill(CIVIL)
    widget.get_by_role("button", name="Post comment").click()
    rejected_outcome = widget.locator(".cw-outcome--rejected")
    expect(rejected_outcome).to_contain_text("Not published.")
    expect(rejected_outcome).to_contain_text("Your comment was not published.")
    rejected = widget.locator(".cw-comment--rejected")
    expect(rejected.locator(".cw-badge--rejected")).to_contain_text("only you can see this comment")

    # After a reload the session is still there (the iframe's own storage), and so is the held mark.
    page.reload()
    expect(widget.get_by_text("Signed in as Ada L")).to_be_visible()
    expect(widget.locator(".cw-comment").filter(has_text=TOXIC).locator(".cw-badge--held")).to_be_visible()

    # Another reader sees the civil comment and not the held one.
    other = page.context.browser.new_context()
    try:
        stranger = other.new_page()
        stranger_widget = open_demo(stranger, service)
        expect(stranger_widget.get_by_text(CIVIL)).to_be_visible()
        expect(stranger_widget.get_by_text(TOXIC)).to_have_count(0)

        # A moderator (the superadmin the CLI created) approves it on /moderate ...
        moderator = other.new_page()
        moderator.set_viewport_size({"width": 1200, "height": 800})
        moderator.goto(f"{service.url}/moderate?site=demo")
        moderator.get_by_label("Email").fill(ADMIN_EMAIL)
        moderator.get_by_label("Password").fill(PASSWORD)
        moderator.get_by_role("button", name="Log in").click()
        item = moderator.locator(".mod-item").filter(has_text=TOXIC)
        expect(item).to_be_visible()
        expect(item).to_contain_text("Ada L")  # the author
        # The scores, as bars (the fake model gives two labels).
        expect(item.get_by_role("meter", name="toxicity")).to_have_attribute("value", "0.99")
        expect(item.get_by_role("meter", name="insult")).to_have_attribute("value", "0.4")
        expect(item.locator(".mod-hits")).to_contain_text("toxicity")  # why it was held
        expect(moderator.get_by_role("tab", name="Toxicity (1)")).to_be_visible()
        screenshot(moderator, "moderator-page.png", full_page=True)
        item.get_by_role("button", name="Approve").click()
        expect(item).to_have_count(0)
        expect(moderator.get_by_role("tab", name="All (0)")).to_be_visible()

        # ... and the reader's thread shows it, published, to everyone.
        stranger.reload()
        expect(open_demo(stranger, service).get_by_text(TOXIC)).to_be_visible()
    finally:
        other.close()
    page.reload()
    approved = widget.locator(".cw-comment").filter(has_text=TOXIC)
    expect(approved).to_have_attribute("data-status", "published")
    expect(approved.locator(".cw-badge")).to_have_count(0)
    expect(widget.get_by_role("heading", name="Comments (2)")).to_be_visible()


def test_reply_edit_delete_and_more(page: Any, service: Service) -> None:
    article = "reader-actions"
    service.http.put(f"/api/v1/sites/demo/articles/{article}", json={"url": f"{service.url}/stories/{article}"})
    author = service.reader("first@example.com", "First Reader")
    first = service.post(author, "The first comment, to reply to.", article=article)
    for n in range(21):
        replier = service.reader(f"replier{n}@example.com", f"Replier {n}")
        service.post(replier, f"Reply number {n}.", article=article, parent_id=first["id"])
        service.post(replier, f"Top-level comment number {n}.", article=article)
    page.goto(service.widget_url(article))
    expect(page.get_by_role("heading", name="Comments (43)")).to_be_visible()

    # Newest first, 20 at a time.
    thread = page.locator(".cw-thread > .cw-comment")
    expect(thread).to_have_count(20)
    expect(thread.first).to_contain_text("Top-level comment number 20.")
    page.get_by_role("button", name="Show more comments").click()
    expect(thread).to_have_count(22)
    expect(page.get_by_role("button", name="Show more comments")).to_be_hidden()

    # 20 replies nested under the comment, then the rest on request.
    root = page.locator(f"#c-{first['id']}")
    expect(root.locator(".cw-replies > .cw-comment")).to_have_count(20)
    root.get_by_role("button", name="Show all 21 replies").click()
    expect(root.locator(".cw-replies > .cw-comment")).to_have_count(21)
    expect(root.locator(".cw-replies")).to_be_focused()

    # Oldest first puts the first comment on top.
    page.get_by_label("Sort").select_option("oldest")
    expect(page.locator(".cw-thread > .cw-comment").first).to_contain_text("The first comment, to reply to.")

    # Log in with the keyboard alone.
    page.get_by_label("Email").focus()
    page.keyboard.type("first@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Signed in as First Reader")).to_be_visible()
    expect(page.get_by_label("Your comment")).to_be_focused()

    # Reply, then edit the reply within the window, then delete it.
    root = page.locator(f"#c-{first['id']}")
    root.locator(":scope > article").get_by_role("button", name="Reply").click()
    page.get_by_label("Reply to First Reader").fill("Replying to myself, with a typo.")
    page.get_by_role("button", name="Post reply").click()
    mine = root.locator(".cw-comment--own").filter(has_text="Replying to myself")
    expect(mine).to_have_attribute("data-status", "published")
    mine.get_by_role("button", name="Edit").click()
    page.get_by_label("Edit your comment").fill("Replying to myself, typo fixed.")
    page.get_by_role("button", name="Save").click()
    edited = root.locator(".cw-comment--own").filter(has_text="typo fixed")
    expect(edited.locator(".cw-edited")).to_be_visible()
    edited.get_by_role("button", name="Delete").click()
    expect(edited.get_by_role("button", name="Keep it")).to_be_focused()
    edited.get_by_role("button", name="Delete", exact=True).last.click()
    expect(root.get_by_text("typo fixed")).to_have_count(0)


def test_readable_on_a_phone(browser: Any, service: Service) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        widget = open_demo(page, service)
        register(widget, "phone@example.com")
        expect(widget.get_by_role("form", name="Complete your personal details to comment")).to_be_visible()
        overflow = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        assert page.evaluate(overflow) <= 0
        frame = page.locator("#comments iframe").element_handle().content_frame()
        assert frame.evaluate(overflow) <= 0
        screenshot(page.locator("#comments"), "profile-step-phone.png")
    finally:
        context.close()


def test_an_expired_session_falls_back_to_reading(page: Any, service: Service) -> None:
    page.goto(service.widget_url("putin-warning-tomahawk"))
    expect(page.get_by_role("heading", name="Log in to comment")).to_be_visible()
    page.evaluate("localStorage.setItem('comments:reader-token', 'st_long_gone')")
    page.reload()
    expect(page.get_by_role("heading", name="Log in to comment")).to_be_visible()
    expect(page.locator(".cw-thread")).to_be_attached()
    assert page.evaluate("localStorage.getItem('comments:reader-token')") is None
