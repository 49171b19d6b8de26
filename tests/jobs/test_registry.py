"""The registry runs its jobs in the order they were added, and each name once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from kintsugi.jobs import claims
from kintsugi.jobs.registry import JobRegistry
from kintsugi.jobs.runner import run_forever
from kintsugi.notify import deliver

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_jobs_run_in_the_order_they_were_added_with_the_same_report() -> None:
    registry: JobRegistry[list[str]] = JobRegistry()
    registry.add("second", lambda now, report: report.append(f"b {now:%H}"))
    registry.add("first", lambda now, report: report.append(f"a {now:%H}"))
    assert registry.names == ["second", "first"]
    assert registry.run(NOW, []) == ["b 10", "a 10"]


def test_a_name_is_added_only_once() -> None:
    registry: JobRegistry[list[str]] = JobRegistry()
    registry.add("digest", lambda now, report: None)
    with pytest.raises(ValueError, match="'digest' is registered twice"):
        registry.add("digest", lambda now, report: None)


def test_the_loop_runs_until_stopped() -> None:
    stop = threading.Event()
    runs: list[int] = []

    def once() -> int:
        runs.append(len(runs))
        if len(runs) == 3:
            stop.set()
        return len(runs)

    seen: list[int] = []
    run_forever(once, 0.0, stop, on_run=seen.append)
    assert seen == [1, 2, 3]


def test_claim_statuses_are_the_outcomes_of_notify() -> None:
    # the claims table stores the outcome a sender reports; both must mean the same words
    assert (claims.SENT, claims.FAILED) == (deliver.SENT, deliver.FAILED)
