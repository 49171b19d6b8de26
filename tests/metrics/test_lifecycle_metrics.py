"""Metrics practitioners trust: medians and 90th percentiles with their distribution, a
verdict for the "decreasing trend" target, the time from resolution to draft, and a
completion rate that counts the incidents nobody opened a post-mortem for."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.incidents import service as incidents
from kintsugi.metrics.policy import Policy
from kintsugi.metrics.service import MetricsReport, compute_metrics, make_scope, trend_verdict
from kintsugi.people.principal import SYSTEM
from tests.metrics.helpers import NOW, at, incident


def _report(sessions: sessionmaker[Session]) -> MetricsReport:
    with sessions() as session:
        return compute_metrics(
            session, SYSTEM, make_scope(NOW, since="2026-01-01", until="2026-07-01"), Policy(),
            now=NOW,
        )  # fmt: skip


def test_the_verdict_compares_the_latest_months_with_the_ones_before() -> None:
    months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert trend_verdict(list(zip(months, [90.0, 80, 100, 50, 40, 60], strict=True))) == "improving"
    assert trend_verdict(list(zip(months, [55.0, 50, 60, 62, 55, 52], strict=True))) == "steady"
    assert trend_verdict(list(zip(months, [40.0, 50, 60, 90, 95, 80], strict=True))) == "worse"
    assert trend_verdict([("2026-01", 40.0)]) is None


def test_mttr_has_a_verdict_for_its_decreasing_trend_target(
    sessions: sessionmaker[Session],
) -> None:
    for month, minutes in (("02", 240), ("03", 200), ("04", 60), ("05", 45)):
        incident(
            sessions, f"m{month}", started=f"2026-{month}-10 10:00",
            resolved=f"2026-{month}-10 {10 + minutes // 60:02d}:{minutes % 60:02d}",
        )  # fmt: skip
    mttr = _report(sessions).metric("mttr_minutes")
    assert mttr.target is None and mttr.verdict == "improving" and mttr.target_met is True
    assert mttr.to_json()["verdict"] == "improving"
    assert (mttr.breakdown["median"], mttr.breakdown["count"]) == (130.0, 4)


def test_incidents_without_a_post_mortem_count_against_completion(
    sessions: sessionmaker[Session],
) -> None:
    incident(
        sessions, "written", started="2026-05-01 10:00", resolved="2026-05-01 11:00",
        published="2026-05-02 10:00",
    )  # fmt: skip
    assert _report(sessions).metric("post_mortem_completion_rate").current == 100.0
    with sessions.begin() as session:
        incidents.add_incident(
            session, SYSTEM, "Queue backlog", severity="SEV2",
            started_at=at("2026-05-10 09:00"), resolved_at=at("2026-05-10 10:00"),
        )  # fmt: skip
        incidents.add_incident(  # a near miss needs no post-mortem
            session, SYSTEM, "Certificate caught in staging", near_miss=True,
            started_at=at("2026-05-11 09:00"), resolved_at=at("2026-05-11 09:10"),
        )  # fmt: skip
    completion = _report(sessions).metric("post_mortem_completion_rate")
    assert completion.current == 50.0
    assert completion.breakdown["without_postmortem"] == 1


def test_time_from_resolution_to_draft(sessions: sessionmaker[Session]) -> None:
    incident(sessions, "drafted", started="2026-05-01 10:00", resolved="2026-05-01 11:00")
    with sessions.begin() as session:
        incidents.add_incident(
            session, SYSTEM, "Checkout errors", severity="SEV1",
            started_at=at("2026-05-01 10:00"), resolved_at=at("2026-05-01 11:00"),
            postmortem_id="drafted",
        )  # fmt: skip
    draft = (
        _report(sessions).metric("time_to_post_mortem_hours").breakdown["resolution_to_draft_hours"]
    )
    # the draft was made when this test ran, long after the resolution
    assert draft["count"] == 1 and draft["distribution"][-1] == ["over 48 h", 1]
