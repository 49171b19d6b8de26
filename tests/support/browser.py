"""Debian's Chromium driven by Playwright: one browser per test process.

Playwright's sync API runs an event loop in the thread that started it until it stops, so a
second ``sync_playwright()`` in the same process fails while the first is open: every browser
test shares the ``browser`` fixture (registered in ``tests/conftest.py``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = os.environ.get("KINTSUGI_CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
