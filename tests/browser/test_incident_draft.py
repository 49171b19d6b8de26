"""Draft from incident in Chromium: `kintsugi serve` reads the incident.io fake (real sockets),
the form lands on the drafted document, and a bad reference is shown on the form in place
with what was typed. No CSP violation or script error on the way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from kintsugi.core.db import make_engine
from kintsugi.core.migrations import upgrade
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from tests.browser.conftest import PASSWORD, signed_in_tab
from tests.incidents.scenario import INCIDENT_ID, seed_incidentio
from tests.support.servers import start_kintsugi, stop
from tests.timeline.conftest import INCIDENTIO_KEY
from tests.timeline.fakes.incidentio import IncidentIoFake

UNPROCESSABLE = (
    "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`kintsugi serve` with an editor, its incident.io settings pointing at the fake."""
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        people.create_user(session, SYSTEM, "eda", role=Role.EDITOR, password=PASSWORD)
    engine.dispose()
    with IncidentIoFake(INCIDENTIO_KEY) as fake:
        seed_incidentio(fake)
        env = {"INCIDENTIO_API_URL": fake.url, "INCIDENTIO_API_KEY": INCIDENTIO_KEY}
        process, base = start_kintsugi(url, env=env)
        try:
            yield base
        finally:
            stop(process)


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """The editor, signed in; any console or page error but the form's 422 fails the test."""
    with signed_in_tab(browser, server, "eda", tolerated=(UNPROCESSABLE,)) as tab:
        yield tab


def test_a_draft_from_the_incidents_page_lands_on_the_document(page: Page) -> None:
    page.click("nav a[href='/incidents']")
    expect(page.locator("h1")).to_have_text("Incidents")

    page.fill("#draft-form input[name=incident]", "jira:OPS-1")
    page.fill("#draft-form textarea[name=sources]", "github:acme/payments")
    page.click("#draft-form button[type=submit]")

    expect(page.locator("#incident-error")).to_contain_text("is not an incident reference")
    expect(page.locator("#draft-form input[name=incident]")).to_have_value("jira:OPS-1")
    expect(page.locator("#draft-form textarea[name=sources]")).to_have_value("github:acme/payments")
    assert page.url.endswith("/incidents")  # swapped in place, not a page of its own

    page.fill("#draft-form input[name=incident]", f"incidentio:{INCIDENT_ID}")
    page.fill("#draft-form textarea[name=sources]", "")
    page.click("#draft-form button[type=submit]")

    page.wait_for_url(re.compile(r"/postmortems/[^/?]+\?drafted=created$"))
    expect(page.locator("h1")).to_have_text("INC-481 Checkout errors after the payments deploy")
    expect(page.locator("#notice")).to_have_text("Drafted from the incident.")

    page.goto("/incidents")
    expect(page.locator("#incidents")).to_contain_text("INC-481")
    page.fill("#draft-form input[name=incident]", f"incidentio:{INCIDENT_ID}")
    page.click("#draft-form button[type=submit]")
    page.wait_for_url(re.compile(r"\?drafted=refreshed&new_events=0$"))
    expect(page.locator("#notice")).to_have_text("Refreshed: 0 new events.")
