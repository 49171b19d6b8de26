"""The metrics dashboard in Chromium: the nav link, the figures, seven trend charts that load
as images (under the Content-Security-Policy), the filters and the exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import sessionmaker

from kintsugi.core.db import make_engine
from kintsugi.postmortems.document import Severity
from tests.metrics.helpers import incident

pytestmark = pytest.mark.browser


def test_the_dashboard_shows_every_chart(page: Page, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'browser.db'}")
    sessions = sessionmaker(engine, expire_on_commit=False)
    incident(sessions, "may", severity=Severity.SEV1, started="2026-05-01 10:00",
             resolved="2026-05-01 11:00", published="2026-05-02 09:00")  # fmt: skip
    incident(sessions, "april", severity=Severity.SEV2, started="2026-04-01 10:00",
             resolved="2026-04-01 12:00", services=["checkout"])  # fmt: skip
    engine.dispose()

    page.click("nav >> text=Metrics")
    page.wait_for_url("**/metrics/dashboard")
    page.goto("/metrics/dashboard?since=2026-01-01&until=2026-07-01")
    page.wait_for_selector(".metrics-table:not(.computing)")  # the figures load after the page
    rows = page.locator(".metrics-table tbody tr")
    assert rows.count() == 7
    assert "Time to post-mortem" in rows.nth(2).inner_text()
    charts = page.locator(".metric-chart img")
    assert charts.count() == 7
    for index in range(7):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=chart.element_handle()
        )
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 120
    export = page.locator("#chart-mttr_minutes .exports a", has_text="PNG").get_attribute("href")
    assert export is not None
    response = page.request.get(export)
    assert response.ok and response.body().startswith(b"\x89PNG")

    page.select_option("select[name=service]", "checkout")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**service=checkout**")
    assert "service checkout" in page.locator("p.hint").first.inner_text()
