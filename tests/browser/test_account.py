"""The reader's account screens: verification notice and link, "Forgot password?" and the reset form from
the mail, the account panel (change password, sessions, log out everywhere, download my data, delete my
account with a confirmation step), and publisher single sign-on through embed.js.

With no SMTP configured the service writes mails to its log and `comments mail list` shows them: the
tests read the links from there, as an operator of an embedded install would."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, PUBLISHER_SITE, Publishers, Service, auth
from tests.browser.test_reader import open_demo, register

NEW_PASSWORD = "a fresh passphrase, long"


def mailed_link(service: Service, email: str, action: str) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        out = service.cli("mail", "list", "--to", email, "--body", "--limit", "1")
        found = re.search(rf"(http://\S+/account\S*#{action}=[A-Za-z0-9_\-]+)", out)
        if found:
            return found.group(1)
        time.sleep(0.3)
    raise AssertionError(f"no {action} mail to {email}: {out}")


def own_article(page: Any, service: Service, article: str) -> Any:
    """The widget on an article of the test's own (the browser tests share one service and its demo thread)."""
    service.http.put(f"/api/v1/sites/demo/articles/{article}", json={"url": f"{service.url}/stories/{article}"})
    page.goto(service.widget_url(article))
    expect(page.get_by_role("heading", name="Comments")).to_be_visible()
    return page


def log_in(widget: Any, email: str, password: str = PASSWORD) -> None:
    widget.get_by_label("Email").fill(email)
    widget.get_by_label("Password", exact=True).fill(password)
    widget.get_by_role("button", name="Log in").click()


def test_verify_then_forget_and_reset_the_password(page: Any, service: Service) -> None:
    email = "forgetful@example.com"
    widget = open_demo(page, service)
    register(widget, email)
    notice = widget.locator(".cw-verify")
    expect(notice).to_contain_text("Confirm your email address")
    expect(notice).to_contain_text(email)

    # The link from the mail, opened in a tab of its own.
    tab = page.context.new_page()
    tab.goto(mailed_link(service, email, "verify"))
    expect(tab.get_by_role("status")).to_have_text("Your email address is confirmed.")
    assert "#verify" not in tab.url  # the token left the address bar
    page.reload()
    widget = page.frame_locator("#comments iframe")
    expect(widget.get_by_role("form", name="Complete your personal details to comment")).to_be_visible()
    expect(widget.locator(".cw-verify")).to_have_count(0)

    other_session = service.login(email)  # another device, to be logged out by the reset
    widget.get_by_role("button", name="Log out").click()
    widget.get_by_role("button", name="Forgot password?").click()
    form = widget.get_by_role("form", name="Forgot your password?")
    expect(widget.get_by_role("heading", name="Forgot your password?")).to_be_focused()
    form.get_by_label("Email").fill(email)
    form.get_by_role("button", name="Send me a reset link").click()
    expect(form.get_by_role("status")).to_contain_text("If an account uses this address")

    tab.goto(mailed_link(service, email, "reset"))
    expect(tab.get_by_role("heading", name="Choose a new password")).to_be_visible()
    tab.get_by_label("New password").fill("short")
    tab.get_by_role("button", name="Save the new password").click()
    expect(tab.locator("#account-password-error")).to_have_text("Use at least 10 characters.")
    tab.get_by_label("New password").fill(NEW_PASSWORD)
    tab.get_by_role("button", name="Save the new password").click()
    expect(tab.get_by_role("status")).to_contain_text("Your password is changed.")
    assert service.http.get("/api/v1/me", headers=auth(other_session)).status_code == 401

    form.get_by_role("button", name="Back to log in").click()
    log_in(widget, email, NEW_PASSWORD)
    expect(widget.get_by_role("form", name="Complete your personal details to comment")).to_be_visible()


def test_the_account_panel(page: Any, service: Service) -> None:
    email = "panel@example.com"
    token = service.reader(email, "Panel Reader")
    widget = own_article(page, service, "account-panel")
    service.post(token, "A comment to find in my data.", article="account-panel")
    log_in(widget, email)
    widget.get_by_role("button", name="Your account").click()
    panel = widget.get_by_role("region", name="Your account")
    expect(widget.get_by_role("heading", name="Your account")).to_be_focused()

    # Change password: the current one is checked, the other sessions end.
    panel.get_by_label("Current password").fill("not my password")
    panel.get_by_label("New password").fill(NEW_PASSWORD)
    panel.get_by_role("button", name="Change password").click()
    expect(panel.locator("#cw-current-password-error")).to_have_text("This is not your current password.")
    panel.get_by_label("Current password").fill(PASSWORD)
    panel.get_by_role("button", name="Change password").click()
    expect(panel.get_by_role("status").filter(has_text="password is changed")).to_be_visible()
    assert service.http.get("/api/v1/me", headers=auth(token)).status_code == 401

    # Sessions: this one and another, which can be ended from here.
    service.login(email, NEW_PASSWORD)
    page.reload()
    widget.get_by_role("button", name="Your account").click()
    sessions = panel.get_by_role("list", name="Your sessions").get_by_role("listitem")
    expect(sessions).to_have_count(2)
    expect(sessions.filter(has_text="This session")).to_have_count(1)
    sessions.get_by_role("button", name="Log it out").click()
    expect(sessions).to_have_count(1)

    # Download my data: a JSON file with the account and its comments.
    with page.expect_download() as download:
        panel.get_by_role("button", name="Download my data").click()
    data = json.loads(open(download.value.path()).read())  # noqa: SIM115
    assert data["account"]["email"] == email
    assert [c["body"] for c in data["comments"]] == ["A comment to find in my data."]

    # Log out everywhere: this session too.
    panel.get_by_role("button", name="Log out everywhere").click()
    expect(widget.get_by_role("heading", name="Log in to comment")).to_be_visible()
    assert service.http.post("/api/v1/auth/login", json={"email": email, "password": NEW_PASSWORD}).status_code == 200


def test_delete_my_account_with_a_confirmation_step(page: Any, service: Service) -> None:
    email = "leaving@example.com"
    token = service.reader(email, "Leaving Reader")
    widget = own_article(page, service, "account-deletion")
    service.post(token, "My last words here.", article="account-deletion")
    page.reload()
    log_in(widget, email)
    widget.get_by_role("button", name="Your account").click()
    panel = widget.get_by_role("region", name="Your account")
    panel.get_by_role("button", name="Delete my account").click()
    confirm = panel.get_by_role("form", name="Delete your account?")
    expect(confirm).to_be_visible()
    confirm.get_by_label("Your password").fill(PASSWORD)
    confirm.get_by_role("button", name="Delete my account for good").click()
    expect(confirm.get_by_role("alert")).to_have_text("Tick the box to confirm.")
    confirm.get_by_role("button", name="Keep my account").click()
    expect(confirm).to_have_count(0)

    panel.get_by_role("button", name="Delete my account").click()
    confirm.get_by_label("Your password").fill(PASSWORD)
    confirm.get_by_label("Yes, delete my account").check()
    confirm.get_by_role("button", name="Delete my account for good").click()
    expect(widget.get_by_role("heading", name="Log in to comment")).to_be_visible()
    comment = widget.locator(".cw-comment").filter(has_text="My last words here.")
    expect(comment.locator(".cw-author")).to_have_text("Deleted account")
    expect(widget.get_by_text("Leaving Reader")).to_have_count(0)
    assert service.http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 401


def test_a_publishers_subscriber_is_signed_in_by_the_page(page: Any, service: Service, publishers: Publishers) -> None:
    out = service.cli("site", "sso-secret", PUBLISHER_SITE)
    secret = out.strip().splitlines()[-1]
    now = int(time.time())
    claims = {
        "sub": "subscriber-7",
        "iat": now,
        "exp": now + 300,
        "email": "subscriber7@news.example",
        "email_verified": True,
        "display_name": "Subscriber Seven",
        "full_name": "Sam Seven",
        "country": "NL",
        "birth_year": 1975,
    }
    token = jwt.encode(claims, secret, algorithm="HS256")
    page.goto(publishers.allowed.article_url(service.url, PUBLISHER_SITE, "sso-story", sso=token))
    widget = page.frame_locator("#comments iframe")
    expect(widget.get_by_text("Signed in as Subscriber Seven")).to_be_visible()
    # Only what the publisher did not send is asked for: the site's guidelines.
    step = widget.get_by_role("form", name="Complete your personal details to comment")
    expect(step.locator(".x-field > label, legend")).to_have_text(["Community guidelines"])
    expect(widget.locator(".cw-verify")).to_have_count(0)  # the publisher vouched for the address
    # embed.js hands the token over by postMessage, never in the widget's URL. (This test's publisher page
    # has it in its own address, which the widget gets as `url`; a real one renders it into the page.)
    src = page.locator("#comments iframe").get_attribute("src") or ""
    params = parse_qs(urlsplit(src).query)
    assert all(token not in value for name, values in params.items() if name != "url" for value in values)
