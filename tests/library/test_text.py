"""The plain text the library indexes: Markdown marks go, words stay, on any input."""

from __future__ import annotations

import logging

import pytest

from kintsugi.library.index import index_text
from kintsugi.library.text import plain_text


def test_markup_is_removed_and_words_kept() -> None:
    markdown = (
        "# Summary\n\n"
        "See [the runbook](https://example.com/run (v2)) and ![graph](g.png).\n\n"
        "| Time | What |\n|---|:---:|\n| 10:00 | **Paged** |\n\n"
        "- [x] done item\n1. first\n> quoted `code`\n"
    )
    assert plain_text(markdown) == (
        "Summary\n\nSee the runbook and graph.\n\n"
        "Time · What\n\n10:00 · Paged\n\ndone item\nfirst\nquoted code"
    )


@pytest.mark.parametrize("unit", ["[", "![", "[a](", "](", "(", "<a ", "a[b"])
def test_unclosed_markup_is_kept_as_text(unit: str) -> None:
    text = unit * 2_000
    assert plain_text(text) == text.strip()


@pytest.mark.parametrize("unit", [" ", "\n", "\t", " \n", "\n\n"])
def test_runs_of_blanks_are_nothing(unit: str) -> None:
    assert plain_text("a" + unit * 20_000 + "b") in ("a b", "a\nb", "a\n\nb")


def test_indexing_stops_at_its_time_budget_and_keeps_the_part_done(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sections = [("summary", "Summary", "The pool ran dry."), ("impact", "Impact", "Slow pages.")]
    with caplog.at_level(logging.WARNING, logger="kintsugi.library.index"):
        cut = index_text(id="pm-1", title="Pool", sections=sections, seconds=1e-9)
    assert (cut.title, cut.summary, cut.body) == ("Pool", "", "")
    assert "library index of pm-1: stopped after 0 sections (time budget 1e-09 s)" in caplog.text
    whole = index_text(id="pm-1", title="Pool", sections=sections)
    assert (whole.summary, whole.body) == ("The pool ran dry.", "Impact:\nSlow pages.")
