"""Root cause analysis in the browser: building a 5 Whys chain and a fishbone with htmx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from kintsugi.core.db import make_engine
from kintsugi.core.migrations import upgrade
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import service as postmortems
from tests.browser.conftest import PASSWORD
from tests.rca.conftest import PM_ID, make_document
from tests.support.servers import start_kintsugi, stop

RCA = f"/postmortems/{PM_ID}/rca"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app on a fresh SQLite database with the editor `eve` and one post-mortem."""
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        people.create_user(session, SYSTEM, "eve", role=Role.FACILITATOR, password=PASSWORD)
        postmortems.create_document(session, make_document(), SYSTEM)
    engine.dispose()
    process, base = start_kintsugi(url)
    yield base
    stop(process)


def test_build_and_edit_a_five_whys_chain(page: Page) -> None:
    page.goto(RCA)
    whys = page.locator("#rca-whys")
    whys.locator("summary", has_text="Start a 5 Whys chain").click()
    whys.locator("form.rca-add-chain input[name=problem]").fill("Why were orders not processed?")
    whys.locator("form.rca-add-chain button[type=submit]").click()
    chain = page.locator("#rca-whys .rca-chain")
    expect(chain.locator("h3")).to_have_text("Why were orders not processed?")
    expect(page.locator("#rca-version")).to_have_value("1")

    add = chain.locator("form.rca-add-step")  # open by default on an empty chain
    add.locator("input[name=why]").fill("Why did consumers fall behind?")
    add.locator("textarea[name=because]").fill("Each consumer fetched one message at a time")
    add.locator("select[name=evidence]").select_option(
        label="03-01 09:50 Queue consumer config change deployed (prefetch 50 -> 1)"
    )
    add.locator("button[type=submit]").click()
    first = chain.locator("li.rca-step").nth(0)
    expect(first.locator(".rca-because")).to_have_text(
        "Each consumer fetched one message at a time"
    )
    expect(first.locator(".rca-evidence")).to_contain_text("09:50 Queue consumer config change")

    chain.locator("summary", has_text="Add a why").click()
    add = chain.locator("form.rca-add-step")
    add.locator("textarea[name=because]").fill("The on-call engineer forgot to check the dashboard")
    add.locator("input[name=root_cause]").check()
    add.locator("button[type=submit]").click()
    last = chain.locator("li.rca-step").nth(1)
    expect(last.locator(".rca-badge.rca-root")).to_have_text("root cause")
    expect(last.locator(".rca-warning[data-rule=ends-at-person]")).to_contain_text(
        "ends at a person"
    )

    last.locator("summary", has_text="Edit step").click()
    edit = last.locator("form").first
    edit.locator("textarea[name=because]").fill(
        "Consumer settings are deployed without a load test"
    )
    edit.locator("select[name=category]").select_option("testing-gap")
    edit.locator("button[type=submit]").click()
    last = page.locator("#rca-whys li.rca-step").nth(1)
    expect(last.locator(".rca-because")).to_have_text(
        "Consumer settings are deployed without a load test"
    )
    expect(last.locator(".rca-warning")).to_have_count(0)
    expect(last.locator(".rca-category")).to_have_text("Testing gap")
    expect(page.locator("#rca-summary")).to_contain_text(
        "Consumer settings are deployed without a load test"
    )  # unaddressed until an action item is linked
    expect(page.locator("#rca-version")).to_have_value("4")

    page.reload()
    steps = page.locator("#rca-whys li.rca-step .rca-because")
    expect(steps).to_have_text(
        ["Each consumer fetched one message at a time",
         "Consumer settings are deployed without a load test"]
    )  # fmt: skip


def test_build_a_fishbone_and_link_an_action_item(page: Page) -> None:
    page.goto(RCA)
    section = page.locator("#rca-fishbone")

    def add_cause(bone: str, text: str, root: bool = False) -> None:
        section.locator("summary", has_text="Add a cause").click()
        form = page.locator("#rca-fishbone form.rca-add-cause")
        form.locator("select[name=bone]").select_option(bone)
        form.locator("textarea[name=text]").fill(text)
        if root:
            form.locator("input[name=root_cause]").check()
        form.locator("button[type=submit]").click()
        expect(page.locator(f"#rca-fishbone [data-bone={bone}]")).to_contain_text(text)

    add_cause("technology", "Prefetch of 1 per consumer", root=True)
    add_cause("measurement", "No alert on consumer throughput")
    add_cause("people", "Temporary cause to delete")
    diagram = page.locator("#rca-fishbone-diagram")
    expect(diagram).to_contain_text("Prefetch of 1 per consumer")
    expect(diagram).to_contain_text("Technology")

    doomed = page.locator("#rca-fishbone [data-bone=people] li.rca-item")
    doomed.locator("summary", has_text="Edit").click()
    doomed.locator("button", has_text="Delete").click()
    expect(page.locator("#rca-fishbone [data-bone=people]")).to_contain_text("No causes yet.")
    expect(page.locator("#rca-fishbone-diagram")).not_to_contain_text("Temporary cause")

    moved = page.locator("#rca-fishbone [data-bone=measurement] li.rca-item")
    moved.locator("summary", has_text="Edit").click()
    form = moved.locator("form").first
    form.locator("select[name=bone]").select_option("environment")
    form.locator("button[type=submit]").click()
    expect(page.locator("#rca-fishbone [data-bone=environment]")).to_contain_text(
        "No alert on consumer throughput"
    )

    expect(page.locator("#rca-summary")).to_contain_text("Prefetch of 1 per consumer")
    root = page.locator("#rca-fishbone [data-bone=technology] li.rca-item")
    root.locator("summary", has_text="Edit").click()
    link = root.locator("form.rca-link-form")
    link.locator("select[name=action_item]").select_option(
        label="Load test consumer settings in CI"
    )
    link.locator("button[type=submit]").click()
    root = page.locator("#rca-fishbone [data-bone=technology] li.rca-item")
    expect(root.locator(".rca-chip")).to_contain_text("Load test consumer settings in CI")
    expect(page.locator("#rca-summary")).not_to_contain_text("Prefetch of 1 per consumer")
