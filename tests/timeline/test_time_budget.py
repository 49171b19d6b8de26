"""A timeline build has a time budget (KINTSUGI_TIMELINE_SECONDS): every request, retry wait
and event is checked against it, so paging and retrying stop there, and the error says what
was not done and how to narrow the build."""

from __future__ import annotations

import pytest

from kintsugi.core.limits import Deadline
from kintsugi.timeline.builder import build
from kintsugi.timeline.sources.base import RetryPolicy, TimelineOutOfTimeError, Window
from tests.timeline import test_pagerduty
from tests.timeline.conftest import Sleeps
from tests.timeline.fakes.pagerduty import PagerDutyFake
from tests.timeline.helpers import at

WINDOW = Window(at(-60), at(600))


class CountedDeadline(Deadline):
    """A budget spent after ``checks`` checks: the clock without the waiting."""

    def __init__(self, checks: int) -> None:
        super().__init__(60.0)
        self.left = checks

    def expired(self) -> bool:
        self.left -= 1
        return self.left < 0


def test_paging_stops_at_the_budget(pagerduty: PagerDutyFake, retry: RetryPolicy) -> None:
    test_pagerduty.seed(pagerduty, notes=450)  # five pages of a hundred
    source = test_pagerduty.source(pagerduty, retry)
    with pytest.raises(TimelineOutOfTimeError) as caught:
        build([source], WINDOW, deadline=CountedDeadline(150))
    message = str(caught.value)
    assert "time budget of 60 s (KINTSUGI_TIMELINE_SECONDS)" in message
    assert "pagerduty:Q1ABC" in message and "nothing was saved" in message
    assert "Narrow the window" in message
    pages = [p for p in pagerduty.paths() if p.endswith("/log_entries")]
    assert 1 <= len(pages) < 5


def test_a_retry_wait_past_the_budget_fails_at_once(
    pagerduty: PagerDutyFake, retry: RetryPolicy, sleeps: Sleeps
) -> None:
    test_pagerduty.seed(pagerduty)
    pagerduty.rate_limit("30", path="/incidents/Q1ABC/log_entries")
    source = test_pagerduty.source(pagerduty, retry)
    with pytest.raises(TimelineOutOfTimeError, match="waiting 30 s to retry pagerduty:Q1ABC"):
        build([source], WINDOW, deadline=Deadline(10))
    assert sleeps == []


def test_within_the_budget_the_build_is_whole(pagerduty: PagerDutyFake, retry: RetryPolicy) -> None:
    test_pagerduty.seed(pagerduty, notes=150)
    result = build([test_pagerduty.source(pagerduty, retry)], WINDOW, deadline=Deadline(600))
    assert result.ok and result.counts["pagerduty:Q1ABC"] >= 150
