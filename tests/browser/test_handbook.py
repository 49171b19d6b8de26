"""The handbook in the browser: an admin edits a page with the live preview; a facilitator
takes the self-check and is listed as trained."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from kintsugi.core.db import make_engine
from kintsugi.handbook.training import self_check
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from tests.browser.conftest import PASSWORD, signed_in_tab


@pytest.fixture
def admin_page(browser: Browser, server: str, tmp_path: Path) -> Iterator[Page]:
    """A page signed in as an admin (`ada`) on the test server's database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'browser.db'}")
    with Session(engine) as session, session.begin():
        people.create_user(session, SYSTEM, "ada", role=Role.ADMIN, password=PASSWORD)
    engine.dispose()
    with signed_in_tab(browser, server, "ada") as tab:
        yield tab


def test_an_admin_edits_a_handbook_page(admin_page: Page) -> None:
    page = admin_page
    page.click("nav >> text=Handbook")
    page.wait_for_url("**/handbook")
    page.click("text=Learning organisation practices")
    expect(page.locator("#handbook-page h2#recognition")).to_be_visible()
    page.click("text=Edit this page")
    page.wait_for_url("**/handbook/learning/edit")
    editor = page.locator("textarea[name=markdown]")
    text = editor.input_value()
    editor.fill(text + "\n## Our learning review {#our-review}\n\nEvery **second Tuesday**.\n")
    editor.press("End")  # a keyup: htmx posts the text and swaps the preview in
    expect(page.locator("#preview h2#our-review")).to_have_text("Our learning review")
    expect(page.locator("#preview strong").last).to_have_text("second Tuesday")
    page.fill("input[name=change]", "our review cadence")
    page.click("button:has-text('Save')")
    page.wait_for_url("**/handbook/learning")
    expect(page.locator("#handbook-page h2#our-review")).to_be_visible()
    page.click(".handbook-toc >> text=Our learning review")
    assert page.url.endswith("#our-review")
    page.click("text=History")
    expect(page.locator("table.list")).to_contain_text("our review cadence")
    expect(page.locator("pre.diff")).to_contain_text("+Every **second Tuesday**.")


def test_a_facilitator_takes_the_self_check(page: Page) -> None:
    page.goto("/training")
    check = self_check()
    for question in check.questions:
        page.locator(f"input[name='q-{question.id}'][value='{question.correct}']").check()
    page.click("button:has-text('Check my answers')")
    result = page.locator("#training-result")
    expect(result).to_contain_text(f"{len(check.questions)} of {len(check.questions)}: passed")
    expect(result.locator("li.right")).to_have_count(len(check.questions))
    expect(page.locator("#trained-facilitators")).to_have_text("eve")
    expect(page.locator("#training-history")).to_contain_text("passed")
