"""The library page in Chromium: search as you type with htmx, under the app's CSP."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from kintsugi.core.config import Settings
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.migrations import upgrade
from kintsugi.library import api, pages
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems.document import Severity
from kintsugi.web.app import create_app

from .helpers import add

PASSWORD = "library-browser-password"
pytestmark = pytest.mark.browser


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        people.create_user(session, SYSTEM, "eve", role=Role.VIEWER, password=PASSWORD)
    add(sessions, "Traefik rule blocked traffic", summary="A Traefik rule dropped requests.")
    add(sessions, "CoreDNS crash loop", summary="CoreDNS pods crashed.", severity=Severity.SEV2)
    engine.dispose()
    app = create_app(Settings(database_url=url))
    paths = {getattr(route, "path", "") for route in app.routes}
    for router in (api.router, pages.router):
        if not {getattr(r, "path", "") for r in router.routes} <= paths:
            app.include_router(router)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


def test_search_as_you_type(browser: Browser, base_url: str) -> None:
    problems: list[str] = []
    context = browser.new_context(base_url=base_url)
    try:
        tab: Page = context.new_page()
        tab.on("pageerror", lambda e: problems.append(str(e)))
        tab.on(
            "response",
            lambda r: (
                problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        tab.goto("/login")
        tab.fill("input[name=username]", "eve")
        tab.fill("input[name=password]", PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_url("**/postmortems")
        tab.goto("/library")
        assert "2 post-mortems" in tab.locator("#library-total").inner_text()
        tab.fill("#library-q", "traef*")
        expect(tab.locator("#library-total")).to_have_text(re.compile(r"^1 post-mortem for"))
        assert tab.locator(".results mark").first.inner_text() == "Traefik"
        assert "q=traef" in tab.url  # the search is in the address, to share or go back to
        tab.fill("#library-q", "(dns")
        expect(tab.locator("p.error")).to_contain_text("without a matching ')'")
    finally:
        context.close()
    assert problems == [], problems
