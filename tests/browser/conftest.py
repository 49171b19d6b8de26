"""Browser fixtures: a real `kintsugi serve` and a signed-in page (the ``browser`` fixture is
shared by every test process, see ``tests/support/browser.py``)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from kintsugi.core.db import make_engine
from kintsugi.core.migrations import upgrade
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from tests.support.servers import start_kintsugi, stop

PASSWORD = "browser-test-password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`kintsugi serve` on a fresh SQLite database with an editor called `eve`."""
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        people.create_user(session, SYSTEM, "eve", role=Role.FACILITATOR, password=PASSWORD)
    engine.dispose()
    process, base = start_kintsugi(url)
    yield base
    stop(process)


@contextmanager
def signed_in_tab(
    browser: Browser, base: str, username: str, *, tolerated: Collection[str] = ()
) -> Iterator[Page]:
    """A page signed in as ``username``; fails the test on any CSP violation, console error
    or script error other than the ``tolerated`` console messages."""
    context = browser.new_context(base_url=base)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.goto("/login")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url("**/postmortems")
    yield tab
    context.close()
    assert [p for p in problems if p not in tolerated] == [], problems


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A signed-in page; fails the test on any CSP violation or script error."""
    with signed_in_tab(browser, server, "eve") as tab:
        yield tab
