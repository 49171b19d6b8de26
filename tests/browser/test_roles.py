"""Each demo role in Chromium: every main page offers what the role may do and no more, every
offered action goes through, and a refused change on the action-item board shows the stored
value and says why. One server on the demo data for the module; no console errors anywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.migrations import upgrade
from kintsugi.demo.loader import DEMO_PEOPLE, load_demo
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from tests.support.servers import start_kintsugi, stop

DOC = "2026-09-14-checkout-connection-pool"  # visible to the whole organisation
REFUSED = "You can't do that here"
DEMOTED = "dana"
DEMOTED_PASSWORD = "browser-test-password"

# what each role is offered, as docs/roles.md states it
EDITING = {"new", "edit", "delete", "status", "timeline", "board", "plan_meeting"}
OFFERS: dict[str, set[str]] = {
    "viewer": set(),
    "editor": EDITING,
    "facilitator": EDITING,
    "admin": EDITING | {"admin_menu", "policy_link"},
}


@dataclass(frozen=True)
class Demo:
    base: str
    db_url: str
    passwords: dict[str, str]  # by role


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`kintsugi serve` on the demo data, plus an editor (dana) to demote during a test."""
    url = f"sqlite:///{tmp_path_factory.mktemp('roles') / 'demo.db'}"
    engine = make_engine(url)
    upgrade(engine)
    loaded = load_demo(make_sessionmaker(engine))
    assert loaded.imported.ok
    with Session(engine) as session, session.begin():
        people.create_user(session, SYSTEM, DEMOTED, role=Role.EDITOR, password=DEMOTED_PASSWORD)
    engine.dispose()
    # the first demo person of each role signs in as that role (see _username)
    passwords = {
        role: loaded.passwords[_username(role)] for role in {r.value for _, r, _ in DEMO_PEOPLE}
    }
    process, base = start_kintsugi(url)
    yield Demo(base, url, passwords)
    stop(process)


def _username(role: str) -> str:
    return next(name for name, r, _ in DEMO_PEOPLE if r.value == role)


@dataclass
class Tab:
    """A signed-in page and the console errors a test causes on purpose (Chromium logs every
    refused response it loads); any other console or page error fails the test."""

    page: Page
    expected_errors: list[str]
    network_failure_logs: tuple[str, ...] = ()  # prefixes, when a test cuts the network

    def expect_refusal(self, status: int = 403) -> None:
        reason = {403: "Forbidden"}[status]
        self.expected_errors.append(
            f"Failed to load resource: the server responded with a status of {status} ({reason})"
        )


@contextmanager
def signed_in(browser: Browser, base: str, username: str, password: str) -> Iterator[Tab]:
    """A page signed in as ``username``; fails on any console error or page error it did not
    cause on purpose."""
    context = browser.new_context(base_url=base)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/postmortems")
    tab = Tab(page, [])
    yield tab
    context.close()
    assert [p for p in problems if not p.startswith(tab.network_failure_logs)] == (
        tab.expected_errors
    )


def _visit(page: Page, path: str) -> None:
    """Open ``path``; it must answer and not refuse."""
    response = page.goto(path)
    assert response is not None and response.ok, (path, response and response.status)
    expect(page.locator("h1").first).not_to_have_text(REFUSED)


def _offered(page: Page, selector: str) -> bool:
    return page.locator(selector).count() > 0


def _offers_on_the_pages(page: Page) -> set[str]:
    """What the main pages offer this person, by the names of OFFERS."""
    found: set[str] = set()
    _visit(page, "/postmortems")
    if _offered(page, "main a[href='/postmortems/new']"):
        found.add("new")
    if _offered(page, "#admin-menu"):
        found.add("admin_menu")
    _visit(page, f"/postmortems/{DOC}")
    for name, selector in (
        ("edit", f"a[href='/postmortems/{DOC}/edit']"),
        ("delete", f"a[href='/postmortems/{DOC}/delete']"),
        ("timeline", f"a[href='/postmortems/{DOC}/timeline']"),
        ("status", "#status-form"),
    ):
        if _offered(page, selector):
            found.add(name)
    _visit(page, f"/actions?postmortem={DOC}")
    if _offered(page, "form.inline-status select"):
        found.add("board")
    else:
        expect(page.locator("#read-only-note")).to_be_visible()
    _visit(page, "/meetings")
    if _offered(page, "#learning-form"):
        found.add("plan_meeting")
    _visit(page, "/metrics/dashboard")
    if _offered(page, "#policy-link"):
        found.add("policy_link")
    _visit(page, "/library")
    page.fill("input[name=q]", "connection pool")
    page.press("input[name=q]", "Enter")
    expect(page.locator("main")).to_contain_text("connection pool", ignore_case=True)
    return found


@pytest.mark.parametrize("role", list(OFFERS))
def test_each_page_offers_what_the_role_may_do(browser: Browser, demo: Demo, role: str) -> None:
    with signed_in(browser, demo.base, _username(role), demo.passwords[role]) as tab:
        page = tab.page
        assert _offers_on_the_pages(page) == OFFERS[role]
        if "edit" not in OFFERS[role]:
            tab.expect_refusal()
        response = page.goto(f"/postmortems/{DOC}/edit")
        assert response is not None
        if "edit" in OFFERS[role]:
            assert response.ok
            expect(page.locator("form.editor")).to_be_visible()
        else:  # typed in by hand: refused up front, in plain words
            assert response.status == 403
            expect(page.locator("h1")).to_have_text(REFUSED)
            expect(page.locator("[data-error-message]")).to_contain_text(
                "needs the editor role or above"
            )


@pytest.mark.parametrize("role", ["editor", "facilitator", "admin"])
def test_every_offered_action_goes_through(browser: Browser, demo: Demo, role: str) -> None:
    with signed_in(browser, demo.base, _username(role), demo.passwords[role]) as tab:
        page = tab.page
        # new, status, delete: on a post-mortem of one's own
        _visit(page, "/postmortems")
        page.click("main a[href='/postmortems/new']")
        page.fill("input[name=title]", f"Trying out the {role} role")
        page.click("button:has-text('Create')")
        page.wait_for_url("**/edit")
        page.click("form.editor button[type=submit]")
        page.wait_for_url(re.compile(r"/postmortems/[^/]+$"))
        expect(page.locator("h1")).to_have_text(f"Trying out the {role} role")
        page.click("#status-form button:has-text('Send for review')")
        expect(page.locator("#status")).to_have_text("in review")
        page.click("a:has-text('Delete')")
        page.click("button:has-text('Move to the bin')")
        page.wait_for_url("**/postmortems")
        expect(page.locator("#rows")).not_to_contain_text(f"Trying out the {role} role")
        # the editor and the timeline builder of a shared post-mortem
        _visit(page, f"/postmortems/{DOC}")
        page.click(f"a[href='/postmortems/{DOC}/edit']")
        page.click("form.editor button[type=submit]")
        page.wait_for_url(f"**/postmortems/{DOC}")
        expect(page.locator("p.error")).to_have_count(0)
        _visit(page, f"/postmortems/{DOC}")
        page.click(f"a[href='/postmortems/{DOC}/timeline']")
        expect(page.locator("h1")).not_to_have_text(REFUSED)
        # the board: a status change is saved (and put back)
        _board_change_is_saved(page)
        # planning a learning session
        _visit(page, "/meetings")
        page.fill("#learning-form input[name=title]", f"Learning review ({role})")
        page.fill("#learning-form input[name=when]", "2027-03-02 14:00 UTC")
        page.click("#learning-form button[type=submit]")
        expect(page.locator("h1")).to_contain_text(f"Learning review ({role})")
        if role == "admin":
            _visit(page, "/metrics/dashboard")
            page.click("#policy-link")
            expect(page.locator("h1")).not_to_have_text(REFUSED)
            _visit(page, "/postmortems")
            links = page.locator("#admin-menu a")
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            assert hrefs == [
                "/admin/people",
                "/admin/teams",
                "/admin/tokens",
                "/admin/metrics-policy",
                "/bin",
                "/audit",
            ]
            for href in hrefs:
                assert href is not None
                _visit(page, href)


def _board_change_is_saved(page: Page) -> None:
    _visit(page, f"/actions?postmortem={DOC}")
    row_id = page.locator("form.inline-status").first.evaluate("f => f.closest('tr').id")
    select = page.locator(f"#{row_id} select")
    stored = select.input_value()
    for wanted in ("in_progress" if stored != "in_progress" else "open", stored):
        select.select_option(wanted)
        # the row comes back from the server rendered with the value it stored
        expect(select).to_have_attribute("data-stored", wanted)
        expect(page.locator(f"#{row_id} [role=alert]")).to_have_count(0)
        page.reload()
        expect(select).to_have_value(wanted)


def test_a_refused_or_failed_status_change_shows_the_stored_value(
    browser: Browser, demo: Demo
) -> None:
    with signed_in(browser, demo.base, DEMOTED, DEMOTED_PASSWORD) as tab:
        page = tab.page
        _visit(page, f"/actions?postmortem={DOC}")
        row = page.locator("table.actions-board tbody tr").first
        row_id = row.get_attribute("id")
        stored = row.locator("select").input_value()
        assert stored != "wont_do"
        # failed: won't do without a reason; the field is named as people read it
        row.locator("select").select_option("wont_do")
        alert = page.locator(f"#{row_id} [role=alert]")
        expect(alert).to_contain_text("reason for won't do")
        expect(alert).not_to_contain_text("wont_do_reason")
        expect(page.locator(f"#{row_id} select")).to_have_value(stored)
        # refused: the role changed while the board was open (what a viewer's change meets)
        engine = make_engine(demo.db_url)
        with Session(engine) as session, session.begin():
            people.set_role(session, SYSTEM, DEMOTED, Role.VIEWER)
        engine.dispose()
        wanted = "completed" if stored != "completed" else "open"
        tab.expect_refusal()
        page.locator(f"#{row_id} select").select_option(wanted)
        message = page.locator(f"#{row_id} [data-not-saved]")
        expect(message).to_contain_text("Not saved")
        expect(message).to_contain_text("changing action items needs the editor role")
        expect(message).to_contain_text("viewer role")
        expect(page.locator(f"#{row_id} select")).to_have_value(stored)
        page.reload()  # nothing was stored: the row, now read-only, shows the stored value
        expect(page.locator(f"#{row_id} [data-status]")).to_have_attribute("data-status", stored)


def test_an_unreachable_server_is_said_and_nothing_pretends(browser: Browser, demo: Demo) -> None:
    """htmx's send error: the control goes back and says the server could not be reached."""
    editor = _username("editor")
    with signed_in(browser, demo.base, editor, demo.passwords["editor"]) as tab:
        page = tab.page
        # a request that never arrives: Chromium and htmx log it (as htmx's error events)
        tab.network_failure_logs = ("Failed to load resource: net::ERR_FAILED", "htmx:")
        _visit(page, f"/actions?postmortem={DOC}")
        row = page.locator("table.actions-board tbody tr").first
        row_id = row.get_attribute("id")
        stored = row.locator("select").input_value()
        page.route("**/actions/*/status", lambda route: route.abort())
        wanted = "completed" if stored != "completed" else "open"
        row.locator("select").select_option(wanted)
        message = page.locator(f"#{row_id} [data-not-saved]")
        expect(message).to_contain_text("could not be reached")
        expect(page.locator(f"#{row_id} select")).to_have_value(stored)
