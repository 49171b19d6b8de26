"""The administration pages in Chromium: an admin adds a person, changes their role, makes a
token (its secret shown once) and revokes it; a non-admin has no admin menu and is refused."""

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
from tests.support.servers import start_kintsugi, stop

pytestmark = pytest.mark.browser

REFUSED = "Failed to load resource: the server responded with a status of 403 (Forbidden)"


@pytest.fixture
def admin_server(tmp_path: Path) -> Iterator[str]:
    """`kintsugi serve` with an admin (ada) and a facilitator (eve)."""
    url = f"sqlite:///{tmp_path / 'admin.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        people.create_user(session, SYSTEM, "ada", role=Role.ADMIN, password=PASSWORD)
        people.create_user(session, SYSTEM, "eve", role=Role.FACILITATOR, password=PASSWORD)
    engine.dispose()
    process, base = start_kintsugi(url)
    yield base
    stop(process)


def _accept_confirmations(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_an_admin_adds_a_person_and_changes_their_role(browser: Browser, admin_server: str) -> None:
    with signed_in_tab(browser, admin_server, "ada") as page:
        page.click("#admin-menu summary")
        page.click("#admin-menu >> text=People")
        page.wait_for_url("**/admin/people")
        page.click("#invite summary")
        page.fill("#create-person input[name=username]", "nia")
        page.fill("#create-person input[name=display_name]", "Nia Okafor")
        page.select_option("#create-person select[name=role]", "viewer")
        page.click("#create-person button[type=submit]")
        expect(page.locator("#admin-notice")).to_contain_text("nia added as viewer")
        temporary = page.locator("#secret-value").inner_text().strip()
        assert len(temporary) >= 12
        row = page.locator("#person-nia")
        expect(row).to_contain_text("Nia Okafor")

        row.locator("select[name=role]").select_option("editor")
        row.locator("button", has_text="Change").click()
        expect(page.locator("#admin-notice")).to_contain_text("nia is now editor")
        expect(page.locator("#one-time-secret")).to_have_count(0)  # shown once only
        expect(page.locator("#person-nia select[name=role]")).to_have_value("editor")
        assert page.url.endswith("/admin/people")

    # nia signs in with the temporary password
    context = browser.new_context(base_url=admin_server)
    tab = context.new_page()
    tab.goto("/login")
    tab.fill("input[name=username]", "nia")
    tab.fill("input[name=password]", temporary)
    tab.click("button[type=submit]")
    tab.wait_for_url("**/postmortems")
    expect(tab.locator(".me")).to_contain_text("nia · editor")
    context.close()


def test_an_admin_makes_a_token_seen_once_and_revokes_it(
    browser: Browser, admin_server: str
) -> None:
    with signed_in_tab(browser, admin_server, "ada") as page:
        _accept_confirmations(page)
        page.goto("/admin/tokens")
        page.fill("#create-token input[name=name]", "ci export")
        page.select_option("#create-token select[name=scope]", "read")
        page.select_option("#create-token select[name=expires]", "30")
        page.click("#create-token button[type=submit]")
        secret = page.locator("#secret-value").inner_text().strip()
        assert secret.startswith("kts_")
        row = page.locator("#tokens tbody tr", has_text="ci export")
        expect(row).to_contain_text("read")
        expect(row).to_contain_text("never")  # not used yet
        assert page.request.get(
            "/api/v1/postmortems", headers={"Authorization": f"Bearer {secret}"}
        ).ok

        assert secret not in page.evaluate("JSON.stringify(localStorage)")  # no htmx history
        page.click(".admin-tabs >> text=Teams")
        page.wait_for_url("**/admin/teams")
        page.go_back()
        page.wait_for_url("**/admin/tokens")
        expect(page.locator("#one-time-secret")).to_have_count(0)
        assert secret not in page.content()

        page.locator("#tokens tbody tr", has_text="ci export").locator("button").click()
        expect(page.locator("#admin-notice")).to_contain_text(re.compile(r"Token \d+ revoked"))
        expect(page.locator("#tokens tbody tr", has_text="ci export")).to_contain_text("revoked")
        refused = page.request.get(
            "/api/v1/postmortems", headers={"Authorization": f"Bearer {secret}"}
        )
        assert refused.status == 401


def test_a_non_admin_has_no_admin_menu_and_is_refused(browser: Browser, admin_server: str) -> None:
    with signed_in_tab(browser, admin_server, "eve", tolerated=[REFUSED]) as page:
        expect(page.locator("#admin-menu")).to_have_count(0)
        for path in ("/admin/people", "/admin/teams", "/admin/tokens"):
            response = page.goto(path)
            assert response is not None and response.status == 403, path
            expect(page.locator("main")).to_contain_text("You can't do that here")
            expect(page.locator("main")).to_contain_text("managing people needs the admin role")
