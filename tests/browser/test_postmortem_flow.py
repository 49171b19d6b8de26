"""A person writes a post-mortem in the browser: template, editor with live preview, review,
publish."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_write_preview_and_publish(page: Page) -> None:
    page.click("text=New post-mortem")
    page.fill("input[name=title]", "Disk full on build agents")
    page.select_option("select[name=template]", "postmortem")
    page.select_option("select[name=severity]", "SEV3")  # SEV2 needs another reviewer
    page.click("button:has-text('Create')")
    page.wait_for_url("**/edit")
    editor = page.locator("textarea[name=markdown]")
    expect(editor).to_contain_text("## Summary")
    text = (
        "## Summary\n\nBuild agents ran out of **disk space**.\n\n"
        "## Timeline\n\nAll times in UTC.\n\n| Time | Event |\n| --- | --- |\n"
        "| 2026-11-02 10:00 | Builds start failing |\n\n"
        "## Action Items\n\n| Action | Owner | Priority |\n| --- | --- | --- |\n"
        "| Rotate build caches daily | ci-team | P1 |\n"
    )
    editor.fill("")
    editor.type(text[:40])
    editor.fill(text)
    editor.press("End")  # a keyup: htmx posts the text and swaps the preview in
    expect(page.locator("#preview strong")).to_have_text("disk space")
    page.fill("input[name=tags]", "ci, disk")
    page.click("button:has-text('Save')")
    page.wait_for_url("**/postmortems/disk-full-on-build-agents")
    expect(page.locator("table.timeline")).to_contain_text("Builds start failing")
    expect(page.locator("table.actions-table")).to_contain_text("Rotate build caches daily")
    page.click("button:has-text('Send for review')")
    expect(page.locator("#status")).to_have_text("in review")
    page.click("#publish-link")
    expect(page.locator("#confirm-score")).to_be_visible()  # the score before publishing
    page.click("#confirm-publish")
    expect(page.locator("#status")).to_have_text("published")
    page.goto("/postmortems?status=published")
    expect(page.locator("table.list")).to_contain_text("Disk full on build agents")


def test_filter_list_with_htmx(page: Page) -> None:
    for title, severity in (("Queue backlog", "SEV3"), ("Checkout outage", "SEV1")):
        page.goto("/postmortems/new")
        page.fill("input[name=title]", title)
        page.select_option("select[name=severity]", severity)
        page.click("button:has-text('Create')")
        page.wait_for_url("**/edit")
    page.goto("/postmortems")
    page.select_option("select[name=severity]", "SEV1")
    expect(page.locator("#rows")).not_to_contain_text("Queue backlog")
    expect(page.locator("#rows")).to_contain_text("Checkout outage")
    assert "severity=SEV1" in page.url


def test_editor_flags_blame_and_applies_the_suggestion(page: Page) -> None:
    page.goto("/postmortems/new")
    page.fill("input[name=title]", "Key rotation")
    page.click("button:has-text('Create')")
    page.wait_for_url("**/edit")
    editor = page.locator("textarea[name=markdown]")
    editor.fill("## Summary\n\nJohn forgot to rotate the key.\n")
    editor.press("End")
    findings = page.locator("#lint-findings")
    expect(findings).to_contain_text("1 finding")
    expect(findings).to_contain_text("person-lapse")
    page.click("button.lint-apply")
    expect(page.locator("textarea[name=markdown]")).not_to_have_value("John forgot", timeout=5000)
    expect(page.locator("#lint-findings")).to_contain_text("No blameful language found")
    expect(page.locator("#preview")).not_to_contain_text("John forgot")
