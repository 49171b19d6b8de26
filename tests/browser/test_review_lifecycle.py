"""A SEV2 post-mortem from draft to published, in the browser: the author drafts and edits it
(the text, then an event and an action item as rows), plans the review in the proposed slot,
runs the live session; a second person reviews it, answers the checklist and publishes it
after the confirmation. No console errors anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from kintsugi.core.db import make_engine
from kintsugi.core.migrations import upgrade
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from tests.browser.conftest import PASSWORD, signed_in_tab
from tests.support.servers import start_kintsugi, stop


@pytest.fixture
def team_server(tmp_path: Path) -> Iterator[str]:
    """`kintsugi serve` with an author (eve), a reviewer (rob) and a bot account (relay)."""
    url = f"sqlite:///{tmp_path / 'review.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        people.create_user(session, SYSTEM, "eve", role=Role.FACILITATOR, password=PASSWORD)
        people.create_user(session, SYSTEM, "rob", role=Role.EDITOR, password=PASSWORD)
        people.create_user(session, SYSTEM, "relay", role=Role.EDITOR)
        people.set_bot(session, SYSTEM, "relay", True)
    engine.dispose()
    process, base = start_kintsugi(url)
    yield base
    stop(process)


def _markdown(resolved: datetime) -> str:
    def at(minutes: int) -> str:
        return (resolved - timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")

    return (
        "## Summary\n\nThe export queue stopped draining after a broker upgrade; reports "
        "were late for forty minutes.\n\n"
        "## Impact\n\nScheduled reports for 120 customers arrived late.\n\n"
        "## Timeline\n\nAll times in UTC.\n\n| Time | Event | Actor |\n| --- | --- | --- |\n"
        f"| {at(50)} | Queue depth alert fired | PagerDuty |\n"
        f"| {at(45)} | Consumers restarted by the runbook job | relay |\n"
        f"| {at(30)} | Broker rolled back | eve |\n"
        f"| {at(0)} | Queue drained | rob |\n\n"
        "## What Went Well\n\nThe rollback was rehearsed.\n\n"
        "## Action Items\n\n| Action | Owner | Priority | Due |\n| --- | --- | --- | --- |\n"
        f"| Pin the broker version in staging | eve | P1 | {resolved.date() + timedelta(days=14)} |\n"
    )


def _draft_and_edit(page: Page, resolved: datetime) -> None:
    page.click("text=New post-mortem")
    page.fill("input[name=title]", "Export queue stalled")
    page.select_option("select[name=severity]", "SEV2")
    page.click("button:has-text('Create')")
    page.wait_for_url("**/edit")
    page.locator("textarea[name=markdown]").fill(_markdown(resolved))
    page.fill("input[name=started_at]", (resolved - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=resolved_at]", resolved.strftime("%Y-%m-%dT%H:%M"))
    page.click("button:has-text('Save')")
    page.wait_for_url("**/postmortems/export-queue-stalled")
    expect(page.locator("table.timeline")).to_contain_text("Broker rolled back")
    # one more event and one more action item, as rows (each stored as it is entered)
    page.goto("/postmortems/export-queue-stalled/edit")
    events, items = page.locator("#timeline-rows li.row"), page.locator("#action-rows li.row")
    expect(events.first).to_be_visible()
    known_events, known_items = events.count(), items.count()
    page.fill("#event-new-at", (resolved - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M"))
    page.fill("#event-new-text", "Consumer lag alert fires")
    page.fill("#event-new-actor", "eve")
    page.press("#event-new-actor", "Enter")
    expect(events).to_have_count(known_events + 1)
    page.fill("#item-new-title", "Alert on consumer lag per partition")
    page.fill("#item-new-owner", "Rob")
    page.press("#item-new-title", "Enter")
    expect(items).to_have_count(known_items + 1)
    page.goto("/postmortems/export-queue-stalled")
    expect(page.locator("table.timeline")).to_contain_text("Consumer lag alert fires")
    expect(page.locator("article.document")).to_contain_text("Alert on consumer lag per partition")


def _plan_and_hold_the_review(page: Page) -> None:
    page.click("article a[href='/meetings/postmortem/export-queue-stalled']")
    expect(page.locator("#slot-proposal")).to_contain_text("Proposed:")
    proposed = page.input_value("#plan-form input[name=when]")
    assert proposed.endswith(" UTC")
    page.click("#plan-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Post-Mortem: Export queue stalled")
    invited = page.locator("table.participants").first
    expect(invited).to_contain_text("eve")
    expect(invited).to_contain_text("rob")
    expect(invited).not_to_contain_text("PagerDuty")  # bots are not invited
    expect(invited).not_to_contain_text("relay")
    page.click("#edit-participants summary")
    rob_row = page.locator(
        "#edit-participants tbody tr",
        has=page.locator("select[name=who] option[value='user:rob'][selected]"),
    )
    rob_row.locator("select[name=role]").select_option("reviewer")
    page.click("#save-participants")
    expect(invited).to_contain_text("Reviewer")
    page.click("text=Live session")
    page.click("#start-session")
    expect(page.locator("#current-part")).to_have_text("Welcome and ground rules")
    page.click("#finish-session")
    page.wait_for_url("**/postmortems/export-queue-stalled")


def test_a_post_mortem_is_reviewed_by_someone_else_and_published(
    browser: Browser, team_server: str
) -> None:
    resolved = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)
    with signed_in_tab(browser, team_server, "eve") as author:
        _draft_and_edit(author, resolved)
        _plan_and_hold_the_review(author)
        author.click("button:has-text('Send for review')")
        expect(author.locator("#status")).to_have_text("in review")
        # the author may not publish it nor answer the items that need judgement
        expect(author.locator("#publish-needs-other-reviewer")).to_be_visible()
        expect(author.locator("#publish-link")).to_have_count(0)
        expect(author.locator("#checklist-reviewer-only")).to_be_visible()
        expect(author.locator("#quality-checklist .check-answer")).to_have_count(0)
        # phone widths: the review aids come after the document, not above it
        author.set_viewport_size({"width": 390, "height": 800})
        article = author.locator("article.document").bounding_box()
        aside = author.locator("aside.doc-aside").bounding_box()
        assert article is not None and aside is not None
        assert aside["y"] >= article["y"] + article["height"]

    with signed_in_tab(browser, team_server, "rob") as reviewer:
        reviewer.goto("/postmortems/export-queue-stalled")
        responders = reviewer.locator("#check-responders_participated")
        expect(responders).to_have_class("check-passed")  # the bots were not expected
        summary = reviewer.locator("#check-executive_summary")
        passed = summary.locator("button[value=passed]")
        expect(passed).to_have_attribute("aria-pressed", "false")
        passed.click()
        expect(reviewer.locator("#check-executive_summary")).to_have_class("check-passed")
        expect(reviewer.locator("#check-executive_summary button[value=passed]")).to_have_attribute(
            "aria-pressed", "true"
        )
        reviewer.click("#publish-link")
        expect(reviewer.locator("#confirm-score")).to_contain_text("%")
        expect(reviewer.locator("#status")).to_have_count(0)  # not published yet
        reviewer.click("#confirm-publish")
        reviewer.wait_for_url("**/postmortems/export-queue-stalled*")
        expect(reviewer.locator("#status")).to_have_text("published")
        expect(reviewer.locator("#review-approval")).to_contain_text("rob")
