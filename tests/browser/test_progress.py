"""Slow parts say they are working: the metrics dashboard shows at once with its figures
"computing…" in frames of their size, and the timeline builder says it is fetching."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import signed_in_tab

pytestmark = pytest.mark.browser

# the builder answers a source it cannot use with 422 and the form's error, which it shows
UNKNOWN_SOURCE = (
    "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
)


def _held(page: Page, pattern: str) -> list[Route]:
    """Requests matching ``pattern`` wait until the test lets them go."""
    held: list[Route] = []
    page.route(pattern, lambda route: held.append(route))
    return held


def test_the_dashboard_shows_at_once_and_computes_in_place(page: Page) -> None:
    held = _held(page, "**/metrics/dashboard/figures**")
    page.goto("/metrics/dashboard")
    expect(page.locator("#metric-figures [role=status]")).to_have_text("Computing the figures…")
    expect(page.locator(".metrics-table.computing tbody tr")).to_have_count(7)
    frame = page.locator(".metric-chart").first.bounding_box()
    page.wait_for_function("n => n > 0", arg=len(held))
    held[0].continue_()
    expect(page.locator(".metrics-table:not(.computing) tbody tr")).to_have_count(7)
    expect(page.locator("#near-misses")).to_be_visible()
    chart = page.locator(".metric-chart").first
    chart.locator("img").evaluate("img => img.decode()")
    loaded = chart.bounding_box()
    assert frame is not None and loaded is not None
    assert abs(loaded["width"] - frame["width"]) < 2
    assert abs(loaded["y"] - frame["y"]) < 40  # only the near-misses line differs above it


def test_the_timeline_preview_says_it_is_fetching(browser: Browser, server: str) -> None:
    with signed_in_tab(browser, server, "eve", tolerated=[UNKNOWN_SOURCE]) as page:
        _preview_an_unknown_source(page)


def _preview_an_unknown_source(page: Page) -> None:
    page.goto("/postmortems/new")
    page.fill("input[name=title]", "Slow sources")
    page.click("button:has-text('Create')")
    page.wait_for_url("**/edit")
    page.goto(page.url.removesuffix("/edit") + "/timeline")
    progress = page.locator("#timeline-progress")
    expect(progress).to_be_hidden()
    held = _held(page, "**/timeline/preview")
    page.fill("textarea[name=sources]", "nosuch:1")
    page.click("button:has-text('Preview')")
    expect(progress).to_be_visible()
    expect(progress).to_contain_text("Fetching")
    expect(page.locator("#timeline-form button", has_text="Preview")).to_be_disabled()
    held[0].continue_()
    expect(progress).to_be_hidden()
    error = page.locator("#timeline-result .error")
    expect(error).to_be_visible()
    assert error.inner_text().count("nosuch") <= 1
