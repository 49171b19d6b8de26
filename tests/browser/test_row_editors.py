"""The post-mortem editor in Chromium: timeline events and action items edited as rows with the
keyboard, the language findings beside the text at a desktop's and a phone's width, "Use
suggestion" under the strict CSP. No console errors anywhere (the ``page`` fixture checks)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from kintsugi.core.db import make_engine
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from tests.browser.conftest import PASSWORD, signed_in_tab


def _new(page: Page, title: str) -> str:
    page.goto("/postmortems/new")
    page.fill("input[name=title]", title)
    page.click("button:has-text('Create')")
    page.wait_for_url("**/edit")
    return page.url.removesuffix("/edit").rsplit("/", 1)[1]


def _wider_than_the_window(page: Page) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


UNPROCESSABLE = (
    "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
)


def test_events_added_edited_and_deleted_as_rows(browser: Browser, server: str) -> None:
    with signed_in_tab(browser, server, "eve", tolerated=(UNPROCESSABLE,)) as page:
        _events_as_rows(page)


def _events_as_rows(page: Page) -> None:
    _new(page, "Queue backlog")
    rows = page.locator("#timeline-rows")
    page.fill("#event-new-at", "2026-03-02 14:05")
    page.fill("#event-new-text", "Queue depth alert fires")
    page.fill("#event-new-actor", "pager")
    page.press("#event-new-actor", "Enter")  # Enter submits the row
    expect(rows.locator("li.row")).to_have_count(1)
    row = rows.locator("li.row").first
    expect(row.locator("input[name=text]")).to_have_value("Queue depth alert fires")
    editor = page.locator("textarea[name=markdown]")
    expect(editor).to_have_value(
        re.compile(r"\| 2026-03-02 14:05 \| Queue depth alert fires \| pager \|")
    )
    # a time that does not parse: refused beside the row, nothing changes
    row.locator("input[name=at]").fill("at teatime")
    row.locator("input[name=at]").press("Enter")
    expect(rows.locator(".row-error")).to_contain_text("time:")
    expect(rows.locator("input[aria-invalid=true]")).to_have_value("at teatime")
    row = rows.locator("li.row").first
    row.locator("input[name=at]").fill("2026-03-02 14:10")
    row.locator("input[name=text]").fill("Queue depth alert fires for orders")
    row.locator("input[name=text]").press("Enter")
    expect(rows.locator(".row-error")).to_have_count(0)
    expect(editor).to_have_value(
        re.compile(r"2026-03-02 14:10 \| Queue depth alert fires for orders")
    )
    # the prose is still edited as text, and Save keeps both
    page.fill("input[name=tags]", "queues")
    page.click("form.editor button[type=submit]")
    page.wait_for_url("**/queue-backlog")
    expect(page.locator("body")).to_contain_text("Queue depth alert fires for orders")
    page.goto("/postmortems/queue-backlog/edit")
    rows.locator("li.row button:has-text('Delete')").click()
    expect(rows.locator("li.row")).to_have_count(0)
    expect(editor).not_to_have_value(re.compile("Queue depth alert"))


def test_items_added_edited_and_deleted_as_rows(page: Page) -> None:
    _new(page, "Cache stampede")
    rows = page.locator("#action-rows")
    page.fill("#item-new-title", "Jitter cache expiry")
    page.fill("#item-new-owner", "Eve")
    page.select_option("#item-new-priority", "P1")
    page.press("#item-new-title", "Enter")
    expect(rows.locator("li.row")).to_have_count(1)
    row = rows.locator("li.row").first
    expect(row.locator("input[name=owner]")).to_have_value("eve")  # matched to the person
    row.locator("select[name=status]").select_option("in_progress")
    row.locator("input[name=owner]").fill("Someone Else")
    row.locator("input[name=title]").press("Enter")
    expect(rows.locator(".pill.unmatched")).to_have_count(1)
    editor = page.locator("textarea[name=markdown]")
    expect(editor).to_have_value(
        re.compile(r"\| Jitter cache expiry \| Someone Else \| P1 \|.*in progress")
    )
    rows.locator("li.row button:has-text('Delete')").click()
    expect(rows.locator("li.row")).to_have_count(0)
    expect(rows).to_contain_text("No action items yet.")


def test_a_viewer_gets_no_row_controls(browser: Browser, server: str, tmp_path: Path) -> None:
    with signed_in_tab(browser, server, "eve") as tab:
        id = _new(tab, "Read only rows")
        tab.fill("#event-new-at", "2026-03-02 14:05")
        tab.fill("#event-new-text", "Something happened")
        tab.press("#event-new-text", "Enter")
        expect(tab.locator("#timeline-rows li.row")).to_have_count(1)
    engine = make_engine(f"sqlite:///{tmp_path / 'browser.db'}")
    with Session(engine) as session, session.begin():
        people.create_user(session, SYSTEM, "vera", role=Role.VIEWER, password=PASSWORD)
    engine.dispose()
    with signed_in_tab(browser, server, "vera") as tab:
        tab.goto(f"/postmortems/{id}")
        expect(tab.locator(f"a[href='/postmortems/{id}/edit']")).to_have_count(0)
        texts = {}
        for kind in ("timeline", "actions"):
            status, controls, texts[kind] = tab.evaluate(
                """async (url) => {
                    const answer = await fetch(url);
                    const html = new DOMParser().parseFromString(await answer.text(), "text/html");
                    return [answer.status, html.querySelectorAll("form, input, select, button")
                        .length, html.body.textContent];
                }""",
                f"/postmortems/{id}/{kind}/rows",
            )
            assert (status, controls) == (200, 0), kind
        assert "Something happened" in texts["timeline"]


def test_findings_sit_beside_the_text_and_fit_the_window(page: Page) -> None:
    _new(page, "Key rotation")
    editor = page.locator("textarea[name=markdown]")
    long_line = "The rotation job ran for a long time " * 60
    editor.fill(f"## Summary\n\n{long_line}\n\nJohn forgot to rotate the key.\n")
    editor.press("End")
    findings = page.locator("#lint-findings")
    expect(findings).to_contain_text("1 finding")
    expect(findings.locator(".lint-text")).to_have_text("John forgot")
    expect(findings.locator("a", has_text="Guideline")).to_have_count(1)
    expect(page.locator(".lint-highlight")).to_have_count(0)  # no copy of the document
    for width, height in ((1400, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        assert _wider_than_the_window(page) <= 0, width
    page.set_viewport_size({"width": 1400, "height": 900})
    text_box = editor.bounding_box()
    panel_box = page.locator(".findings-panel").bounding_box()
    assert text_box and panel_box and panel_box["x"] > text_box["x"] + text_box["width"] - 1
    # the quoted words select the text they concern
    findings.locator(".lint-locate").click()
    selected = page.evaluate(
        "(() => { const a = document.getElementById('markdown');"
        " return a.value.slice(a.selectionStart, a.selectionEnd); })()"
    )
    assert selected == "John forgot"
    page.click("button.lint-apply")
    expect(editor).not_to_have_value(re.compile("John forgot"))
    expect(findings).to_contain_text("No blameful language found")
    expect(page.locator("#preview")).not_to_contain_text("John forgot")
