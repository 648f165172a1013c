"""The DSA pages in the browser: the notice form for a notifier without an account, reached from the
widget's "Report illegal content", and the author reading the statement of reasons on their own comment and
appealing from the widget."""

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


def test_a_reader_without_an_account_sends_a_notice(context: Any, service: Service, publishers: Publishers) -> None:
    name = article(service, publishers, "dsa-notice-story")
    author = service.reader("dsa-author@example.com", "Dsa Author", site=SITE)
    comment = service.post(author, "The mayor took bribes, everyone knows it.", site=SITE, article=name)
    assert comment["status"] == "published"

    page = context.new_page()
    page.goto(service.widget_url(name, site=SITE))
    item = page.locator(f"#c-{comment['id']}")
    link = item.get_by_role("button", name="Report illegal content")
    expect(link).to_be_visible()
    with context.expect_page() as opened:
        link.click()
    form_page = opened.value
    form_page.wait_for_load_state()
    expect(form_page.get_by_role("heading", name="Report illegal content")).to_be_visible()
    expect(form_page.get_by_label("Comment id")).to_have_value(comment["id"])
    form_page.get_by_label("What kind of illegal content is it?").select_option("defamation")
    form_page.get_by_label("Why is it illegal?").fill("It accuses the mayor of a crime without any evidence.")
    form_page.get_by_label("Which law does it break?").fill("Defamation (§186 StGB)")
    form_page.get_by_label("Your email address (optional)").fill("notifier@example.org")
    form_page.get_by_role("button", name="Send notice").click()
    expect(form_page.get_by_role("alert")).to_contain_text("accurate and complete")
    form_page.get_by_label("I am convinced in good faith").check()
    form_page.get_by_role("button", name="Send notice").click()
    expect(form_page.get_by_role("status")).to_contain_text("We received your notice")
    screenshot(form_page, "dsa-notice.png", full_page=True)

    admin = service.login(ADMIN_EMAIL)
    notices = service.http.get(f"/api/v1/sites/{SITE}/moderation/notices", headers=auth(admin)).json()["items"]
    [notice] = [n for n in notices if n["comment"]["id"] == comment["id"]]
    assert notice["category"] == "defamation"
    assert notice["reporter_email"] == "notifier@example.org"
    assert notice["reporter_id"] is None


def test_the_author_reads_the_statement_of_reasons_and_appeals(
    page: Any, service: Service, publishers: Publishers
) -> None:
    name = article(service, publishers, "dsa-appeal-story")
    author = service.reader("dsa-appellant@example.com", "Dsa Appellant", site=SITE)
    held = service.post(author, "You are an idiot, mayor.", site=SITE, article=name)
    assert held["status"] == "held"
    admin = service.login(ADMIN_EMAIL)
    rejected = service.http.post(
        f"/api/v1/moderation/comments/{held['id']}/decision",
        json={"action": "reject", "version": 1, "reason_code": "abusive"},
        headers=auth(admin),
    )
    assert rejected.status_code == 200, rejected.text

    page.goto(service.widget_url(name, site=SITE))
    page.evaluate(f"localStorage.setItem('comments:reader-token', '{author}')")
    page.reload()
    item = page.locator(f"#c-{held['id']}")
    item.get_by_role("button", name="Why? Statement of reasons").click()
    statement = item.get_by_role("region", name="Statement of reasons")
    expect(statement).to_be_focused()
    expect(statement.locator(".cw-automated-detection")).to_have_text("Yes")
    expect(statement.locator(".cw-automated-decision")).to_have_text("No")
    expect(statement).to_contain_text("abusive")
    expect(statement).to_contain_text("out-of-court")
    statement.get_by_role("button", name="Send appeal").click()
    expect(statement.get_by_text("Say why.")).to_be_visible()
    statement.get_by_label("Why should we change the decision?").fill("It was aimed at his policy, not him.")
    statement.get_by_role("button", name="Send appeal").click()
    expect(statement.locator(".cw-appeal-status")).to_contain_text("Your appeal was received")
    screenshot(page, "dsa-appeal.png", full_page=True)

    # A second person reverses it (the admin took the decision and may not); the widget shows it again.
    second = service.reader("dsa-second@example.com", "Dsa Second", site=SITE)
    second_id = service.http.get("/api/v1/me", headers=auth(second)).json()["user"]["id"]
    granted = service.http.put(
        f"/api/v1/sites/{SITE}/members/{second_id}", json={"role": "moderator"}, headers=auth(admin)
    )
    assert granted.status_code in (200, 201), granted.text
    appeals = service.http.get(f"/api/v1/sites/{SITE}/moderation/appeals", headers=auth(second)).json()["items"]
    [appeal] = [a for a in appeals if a["statement"]["comment_id"] == held["id"]]
    url = f"/api/v1/moderation/appeals/{appeal['id']}/decision"
    body = {"outcome": "reversed", "explanation": "Criticism of a politician."}
    assert service.http.post(url, json=body, headers=auth(admin)).status_code == 403
    assert service.http.post(url, json=body, headers=auth(second)).status_code == 200
    page.reload()
    expect(page.locator(f"#c-{held['id']}")).to_have_attribute("data-status", "published")


def test_a_moderator_decides_a_notice_in_the_notices_tab(page: Any, service: Service, publishers: Publishers) -> None:
    name = article(service, publishers, "dsa-tab-story")
    author = service.reader("dsa-tab-author@example.com", "Dsa Tab Author", site=SITE)
    comment = service.post(author, "An opinion about the council budget.", site=SITE, article=name)
    notice = {
        "comment_id": comment["id"],
        "category": "other_illegal",
        "explanation": "I do not like it.",
        "legal_ground": "None that I know",
        "bona_fide": True,
    }
    assert service.http.post("/api/v1/notices", json=notice).status_code == 201

    page.goto(f"{service.url}/moderate/dsa?site={SITE}")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    item = page.locator(".dsa-notice").filter(has_text="An opinion about the council budget.")
    expect(item).to_contain_text("Other illegal content")
    item.get_by_label("Decision").select_option("keep")
    item.get_by_label("Ground").select_option("not_illegal")
    item.get_by_label("Explanation (sent to the notifier and the author)").fill("An opinion, lawful.")
    item.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Decided. The notifier and the author are told.")).to_be_visible()
    page.get_by_role("tab", name="Appeals").click()
    expect(page.get_by_role("tab", name="Appeals")).to_have_attribute("aria-selected", "true")


def test_a_suspended_reader_appeals_the_suspension_from_the_widget(
    page: Any, service: Service, publishers: Publishers
) -> None:
    name = article(service, publishers, "dsa-sanction-story")
    reader = service.reader("dsa-suspended@example.com", "Dsa Suspended", site=SITE)
    reader_id = service.http.get("/api/v1/me", headers=auth(reader)).json()["user"]["id"]
    admin = service.login(ADMIN_EMAIL)
    suspended = service.http.post(
        f"/api/v1/sites/{SITE}/users/{reader_id}/sanctions",
        json={"kind": "suspend", "reason": "Repeated insults.", "duration_hours": 24},
        headers=auth(admin),
    )
    assert suspended.status_code == 201, suspended.text

    page.goto(service.widget_url(name, site=SITE))
    page.evaluate(f"localStorage.setItem('comments:reader-token', '{reader}')")
    page.reload()
    notice = page.locator(".cw-sanctioned")
    expect(notice).to_contain_text("You are suspended")
    notice.get_by_role("button", name="Statement of reasons and appeal").click()
    statement = notice.get_by_role("region", name="Statement of reasons")
    expect(statement).to_contain_text("suspended your account")
    expect(statement.locator(".cw-automated-decision")).to_have_text("No")
    statement.get_by_label("Why should we change the decision?").fill("I have apologised.")
    statement.get_by_role("button", name="Send appeal").click()
    expect(statement.locator(".cw-appeal-status")).to_contain_text("Your appeal was received")
    appeals = service.http.get(f"/api/v1/sites/{SITE}/moderation/appeals", headers=auth(admin)).json()["items"]
    assert any(a["statement"]["sanction_id"] == suspended.json()["id"] for a in appeals)
