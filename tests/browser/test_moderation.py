"""The moderator page working a queue, and the reader's widget in the states moderation puts them in.

These use the publisher's site (`ledger`), so the demo site's queue stays the reader journey's."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_EMAIL, PASSWORD, PUBLISHER_SITE, Publishers, Service, auth, screenshot

SITE = PUBLISHER_SITE


def article(service: Service, publishers: Publishers, name: str) -> str:
    response = service.http.put(
        f"/api/v1/sites/{SITE}/articles/{name}", json={"url": f"{publishers.allowed.origin}/{name}"}
    )
    assert response.status_code in {200, 201}, response.text
    return name


def log_in_as_moderator(page: Any, service: Service, query: str = "") -> None:
    page.goto(f"{service.url}/moderate?site={SITE}&poll=700{query}")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_moderator_works_the_queue_with_the_keyboard(page: Any, service: Service, publishers: Publishers) -> None:
    page.set_viewport_size({"width": 1200, "height": 900})
    name = article(service, publishers, "queue-story")
    bodies = [f"Held comment {n}: what an idiot." for n in range(3)]
    authors = [service.reader(f"held{n}@example.com", f"Held Author {n}", site=SITE) for n in range(3)]
    civil = service.post(authors[2], "Talks first, then weapons.", site=SITE, article=name)
    for n, (token, body) in enumerate(zip(authors, bodies, strict=True)):
        parent = {"parent_id": civil["id"]} if n == 2 else {}  # one reply, to show its context
        assert service.post(token, body, site=SITE, article=name, **parent)["status"] == "held"

    log_in_as_moderator(page, service)
    items = page.locator(".mod-item")
    expect(items).to_have_count(3)
    expect(page.get_by_role("tab", name="All (3)")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tab", name="Toxicity (3)")).to_be_visible()
    expect(items.first).to_contain_text(bodies[0])  # oldest first
    expect(items.first).to_contain_text("Held Author 0")
    expect(items.first).to_contain_text("0 published, 1 held, 0 rejected")
    expect(items.nth(2).locator(".mod-parent")).to_contain_text("Talks first, then weapons.")

    # j moves to the second; a approves it; the next one takes its place and the counts follow.
    page.keyboard.press("j")
    expect(items.nth(1).locator("article")).to_be_focused()
    page.keyboard.press("a")
    expect(page.locator(".mod-item").filter(has_text=bodies[1])).to_have_count(0)
    expect(page.get_by_role("tab", name="All (2)")).to_be_visible()
    assert service.http.get(f"/api/v1/sites/{SITE}/articles/{name}/comments").json()["total"] == 2

    # c claims; r opens the rejection, which needs a reason.
    page.keyboard.press("k")
    page.keyboard.press("c")
    expect(items.first.locator(".mod-claim--mine")).to_contain_text("You claimed this until")
    screenshot(page, "moderator-queue.png", full_page=True)
    page.keyboard.press("r")
    form = page.get_by_role("form", name="Reject")
    expect(form.get_by_label("Reason")).to_be_focused()
    form.get_by_role("button", name="Reject").click()
    expect(form.get_by_text("Choose a reason.")).to_be_visible()
    form.get_by_label("Reason").select_option("abusive")
    form.get_by_role("button", name="Reject").click()
    expect(page.locator(".mod-item").filter(has_text=bodies[0])).to_have_count(0)
    expect(page.get_by_role("tab", name="All (1)")).to_be_visible()

    # A new held comment appears without a reload.
    late = "Held comment late: you moron."
    service.post(service.reader("late@example.com", "Late Author", site=SITE), late, site=SITE, article=name)
    expect(page.locator(".mod-item").filter(has_text=late)).to_be_visible()

    # Sanction an author from their item.
    target = page.locator(".mod-item").filter(has_text=late)
    target.get_by_role("button", name="Sanction author…").click()
    sanction = page.get_by_role("form", name="Sanction Late Author")
    sanction.get_by_label("Sanction", exact=True).select_option("suspend")
    sanction.get_by_label("Hours (suspensions)").fill("2")
    sanction.get_by_label("Reason (the reader sees it)").fill("Insults in several threads.")
    sanction.get_by_role("button", name="Sanction").click()
    expect(target.locator(".mod-author")).to_contain_text("suspend until")

    # Bulk: select all, approve them in one go.
    page.get_by_role("button", name="Select all").click()
    expect(page.get_by_text("2 selected")).to_be_visible()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.locator(".mod-item")).to_have_count(0)
    expect(page.get_by_text("Nothing waits for a decision.")).to_be_visible()
    expect(page.get_by_role("tab", name="All (0)")).to_be_visible()


def test_reader_sees_reports_warnings_suspensions_and_closed_threads(
    page: Any, service: Service, publishers: Publishers
) -> None:
    name = article(service, publishers, "states-story")
    url = publishers.allowed.article_url(service.url, SITE, name)
    writer = service.reader("writer@example.com", "Writer", site=SITE)
    service.post(writer, "A published comment someone may dislike.", site=SITE, article=name)
    reader = service.reader("reporter@example.com", "Reporter", site=SITE)
    reader_id = service.http.get("/api/v1/me", headers=auth(reader)).json()["user"]["id"]
    staff = service.login(ADMIN_EMAIL)

    page.goto(url)
    widget = page.frame_locator("#comments iframe")
    widget.get_by_label("Email").fill("reporter@example.com")
    widget.get_by_label("Password").fill(PASSWORD)
    widget.get_by_role("button", name="Log in").click()
    box = widget.get_by_label("Your comment")
    expect(box).to_be_visible()

    # Report a comment with a reason.
    other = widget.locator(".cw-comment").filter(has_text="someone may dislike")
    other.get_by_role("button", name="Report", exact=True).click()
    other.get_by_role("button", name="Send report").click()
    expect(other.get_by_text("Choose a reason.")).to_be_visible()
    other.get_by_label("Why are you reporting this comment?").select_option("abusive")
    other.get_by_role("button", name="Send report").click()
    expect(other.get_by_text("Thank you. Moderators will look at this comment.")).to_be_visible()

    # A warning must be acknowledged before commenting again.
    warned = service.http.post(
        f"/api/v1/sites/{SITE}/users/{reader_id}/sanctions",
        json={"kind": "warn", "reason": "Keep it civil, please."},
        headers=auth(staff),
    )
    assert warned.status_code in {200, 201}, warned.text
    box.fill("Posting after the warning.")
    widget.get_by_role("button", name="Post comment").click()
    expect(widget.get_by_role("heading", name="A moderator has warned you")).to_be_focused()
    expect(widget.get_by_text("Reason: Keep it civil, please.")).to_be_visible()
    widget.get_by_role("button", name="I understand").click()
    expect(widget.get_by_label("Your comment")).to_be_focused()
    expect(widget.get_by_label("Your comment")).to_have_value("Posting after the warning.")  # the draft is kept
    widget.get_by_role("button", name="Post comment").click()
    expect(widget.locator(".cw-outcome--published")).to_be_visible()

    # Suspended: the widget says so on load, with the moderators' reason, and offers no box.
    suspended = service.http.post(
        f"/api/v1/sites/{SITE}/users/{reader_id}/sanctions",
        json={"kind": "suspend", "reason": "Repeated insults.", "duration_hours": 24},
        headers=auth(staff),
    )
    assert suspended.status_code in {200, 201}, suspended.text
    page.reload()
    expect(widget.locator(".cw-sanctioned")).to_contain_text("You are suspended from commenting")
    expect(widget.locator(".cw-sanctioned")).to_contain_text("Reason: Repeated insults.")
    expect(widget.get_by_label("Your comment")).to_have_count(0)
    lifted = service.http.post(
        f"/api/v1/sites/{SITE}/users/{reader_id}/sanctions/{suspended.json()['id']}/lift", headers=auth(staff)
    )
    assert lifted.status_code == 200, lifted.text

    # A closed thread: the comments stay readable, nobody can add to them.
    closed = service.http.post(f"/api/v1/sites/{SITE}/articles/{name}/close", headers=auth(staff))
    assert closed.status_code == 200, closed.text
    page.reload()
    expect(widget.get_by_text("Comments are closed on this article.")).to_be_visible()
    expect(widget.get_by_text("A published comment someone may dislike.")).to_be_visible()
    expect(widget.get_by_label("Your comment")).to_have_count(0)
    expect(widget.get_by_role("button", name="Reply")).to_have_count(0)
