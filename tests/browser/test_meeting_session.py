"""A facilitator runs a whole short review in the browser: plan it, start the session (the
clock ticks), take notes (blame is flagged with the redirect prompt), add an action item, finish,
and find the notes and the item in the post-mortem. A second person has the session open and
takes notes at the same time."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD
from tests.meetings.helpers import MARKDOWN


def _create_postmortem(page: Page) -> None:
    headers = json.loads(page.get_attribute("body", "hx-headers") or "{}")
    made = page.request.post(
        "/api/v1/postmortems",
        data=json.dumps({"markdown": MARKDOWN}),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert made.status == 201, made.text()


def _second_tab(page: Page) -> Page:
    assert page.context.browser is not None
    base = page.url.split("/meetings/")[0]
    other = page.context.browser.new_context(base_url=base).new_page()
    other.goto("/login")
    other.fill("input[name=username]", "eve")
    other.fill("input[name=password]", PASSWORD)
    other.click("button[type=submit]")
    other.wait_for_url("**/postmortems")
    other.goto(page.url)
    expect(other.locator("#current-part")).to_have_text("Welcome and ground rules")
    return other


def test_a_whole_short_session(page: Page) -> None:
    _create_postmortem(page)
    page.goto("/meetings/postmortem/checkout-pool")
    page.fill("#plan-form input[name=when]", "2030-11-21 14:00")
    page.click("#plan-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Post-Mortem: Checkout API outage - 2030-11-21")
    expect(page.locator(".agenda")).to_contain_text("What went well")
    page.click("text=Live session")
    page.click("#start-session")
    scribe = _second_tab(page)  # someone else has the session open too

    clock = page.locator("#clock-time")
    expect(page.locator("#current-part")).to_have_text("Welcome and ground rules")
    expect(clock).not_to_have_text("--:--")
    first = clock.inner_text()
    assert first != "--:--"
    expect(clock).not_to_have_text(first, timeout=5000)  # the clock ticks
    expect(page.locator("#clock-label")).to_have_text("remaining")

    happened = page.locator("#part-what-happened")
    note = happened.locator("textarea[name=text]")
    note.fill("John forgot to restart the service")
    note.press("End")
    live_check = page.locator("#lint-what-happened")
    expect(live_check).to_contain_text("Blame flagged")
    expect(live_check).to_contain_text("Redirect: Let's step back from who to what")
    happened.locator("button[type=submit]").click()
    stored = page.locator("#notes-what-happened")
    expect(stored).to_contain_text("John forgot to restart the service")
    expect(stored.locator(".redirect")).to_contain_text("Blame flagged")
    expect(note).to_have_value("")
    note.fill("The restart step was manual and missing from the runbook")
    happened.locator("button[type=submit]").click()
    expect(stored).to_contain_text("missing from the runbook")
    # the other tab sees both notes (polling), and adds its own without overwriting ours
    expect(scribe.locator("#notes-what-happened")).to_contain_text("missing from the runbook")
    scribe_box = scribe.locator("#part-what-happened")
    scribe_box.locator("textarea[name=text]").fill(
        "Customers saw errors at checkout for 20 minutes"
    )
    scribe_box.locator("button[type=submit]").click()
    expect(stored).to_contain_text("Customers saw errors at checkout")
    expect(stored).to_contain_text("John forgot to restart the service")

    page.click("#next-part")
    expect(page.locator("#current-part")).to_have_text("Incident overview")
    expect(scribe.locator("#session-moved")).to_be_visible(timeout=10_000)
    scribe.click("#session-moved")
    expect(scribe.locator("#current-part")).to_have_text("Incident overview")
    scribe.context.close()

    well = page.locator("#part-went-well")
    well.locator("textarea[name=text]").fill("The rollback took two minutes")
    well.locator("button[type=submit]").click()
    expect(page.locator("#notes-went-well")).to_contain_text("The rollback took two minutes")

    actions = page.locator("#part-action-items")
    actions.locator("textarea[name=text]").fill("Automate the service restart")
    actions.locator("input[name=owner]").fill("Tomás")
    actions.locator("select[name=priority]").select_option("P1")
    actions.locator("input[name=due]").fill("2026-12-15")
    actions.locator("button[type=submit]").click()
    expect(page.locator("#notes-action-items")).to_contain_text("Automate the service restart")
    expect(page.locator("#notes-action-items")).to_contain_text("P1")

    page.click("#finish-session")
    page.wait_for_url("**/postmortems/checkout-pool")
    expect(page.locator("section[data-key=what_went_well]")).to_contain_text(
        "The rollback took two minutes"
    )
    expect(page.locator("table.timeline")).to_contain_text("missing from the runbook")
    expect(page.locator("table.actions-table")).to_contain_text("Automate the service restart")
    expect(page.locator("table.actions-table")).to_contain_text("Tomás")

    page.goto("/meetings/postmortem/checkout-pool")
    expect(page.locator(".followups")).to_contain_text("Post-mortem published")
