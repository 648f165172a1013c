"""The admin page: the rule set as a validated JSON editor, dry-run, backtest and history."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_EMAIL, PASSWORD, Publishers, Service, screenshot

SITE = "rules-lab"


def test_admin_edits_checks_and_tries_the_rules(page: Any, service: Service, publishers: Publishers) -> None:
    # A site of its own: the rules changed here must not change what the other tests meet.
    service.cli("site", "create", SITE, "--name", "Rules Lab", "--origin", publishers.allowed.origin)
    service.http.put(f"/api/v1/sites/{SITE}/articles/lab", json={"url": f"{publishers.allowed.origin}/lab"})
    token = service.reader("lab@example.com", "Lab Reader", site=SITE)
    for body in ("A calm remark.", "Another calm remark.", "Total scum, all of them."):
        service.post(token, body, site=SITE, article="lab")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{service.url}/admin?site={SITE}")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    editor = page.get_by_label("Rule set (JSON; fields left out take their defaults)")
    expect(page.get_by_role("heading", name=f"Rule set of {SITE} (version 1)")).to_be_visible()
    rules = json.loads(editor.input_value())
    assert rules["body"]["max_length"] == 5000  # the defaults, spelled out

    # Text that is not JSON is caught before it is sent.
    editor.fill('{"body": {')
    page.get_by_role("button", name="Check JSON").click()
    expect(page.locator("#adm-errors")).to_contain_text("Not valid JSON")

    # The service's own checks, each with its JSON pointer; a pointer selects its place in the text.
    rules["body"]["max_length"] = 0
    rules["toxicity"]["thresholds"]["toxicity"]["hold"] = 2
    editor.fill(json.dumps(rules, indent=2))
    page.get_by_role("button", name="Save").click()
    errors = page.locator("#adm-errors li")
    expect(errors).to_have_count(2)
    expect(errors.filter(has_text="/body/max_length")).to_contain_text("Expected `int` >= 1")
    expect(errors.filter(has_text="/toxicity/thresholds/toxicity/hold")).to_be_visible()
    expect(editor).to_have_attribute("aria-invalid", "true")
    errors.filter(has_text="/body/max_length").get_by_role("button").click()
    expect(editor).to_be_focused()
    selected = editor.evaluate("el => el.value.slice(el.selectionStart, el.selectionEnd)")
    assert selected == '"max_length"'
    screenshot(page, "admin-page-errors.png", full_page=True)

    # A valid change is saved as a new version and shows in the history.
    rules["body"]["max_length"] = 2000
    rules["toxicity"]["thresholds"]["toxicity"]["hold"] = 0.4
    rules["words"]["banned"] = ["scum"]
    editor.fill(json.dumps(rules, indent=2))
    page.get_by_role("button", name="Save").click()
    # The status line, not get_by_text: the screen readers' live region repeats it 50 ms later.
    expect(page.locator("#adm-status")).to_contain_text("Saved as version 2.")
    expect(page.locator("#adm-errors li")).to_have_count(0)
    expect(page.locator(".adm-history li").first).to_contain_text("rules.changed")
    expect(page.locator(".adm-history li").first).to_contain_text("version 2")
    assert service.http.get(f"/api/v1/sites/{SITE}").json()["max_body_length"] == 2000

    # Dry-run a sample comment under the rules in the editor.
    page.get_by_label("Sample comment").fill("Only scum would say that.")
    page.get_by_role("button", name="Run dry-run").click()
    result = page.locator(".adm-result[data-decision]")
    expect(result).to_have_attribute("data-decision", "rejected")
    expect(result).to_contain_text("words.banned")
    expect(result.get_by_role("meter", name="toxicity")).to_be_visible()  # the model's scores, as bars

    # Backtest it over the site's comments.
    page.get_by_role("button", name="Run backtest").click()
    expect(page.get_by_text("3 comments replayed in")).to_be_visible()
    expect(page.get_by_text("1 would change.")).to_be_visible()  # the held "scum" one is now rejected
    expect(page.locator(".adm-table tbody tr").nth(1)).to_have_text("held001")
    screenshot(page, "admin-page.png", full_page=True)
