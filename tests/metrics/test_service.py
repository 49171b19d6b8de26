"""The metrics computed over stored data, on SQLite and PostgreSQL: exact values by hand."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import InputError
from kintsugi.metrics.deadlines import overdue_postmortems
from kintsugi.metrics.policy import Policy
from kintsugi.metrics.recurring import find_recurrences
from kintsugi.metrics.service import MetricsReport, compute_metrics, make_scope, quantile
from kintsugi.people.principal import SYSTEM, Principal
from kintsugi.postmortems.document import (
    ActionItem,
    ActionItemKind,
    Kind,
    Severity,
    Visibility,
)
from kintsugi.rca import service as rca
from kintsugi.rca.model import Analysis
from tests.actions.helpers import make_user
from tests.metrics.helpers import NOW, complete_items, incident


def _report(
    sessions: sessionmaker[Session], viewer: Principal = SYSTEM, **scope: str
) -> MetricsReport:
    with sessions() as session:
        return compute_metrics(
            session,
            viewer,
            make_scope(NOW, since=scope.pop("since", "2026-01-01"), until="2026-07-01", **scope),
            Policy(),
            now=NOW,
        )


def _world(sessions: sessionmaker[Session]) -> None:
    """Four incidents in April and May 2026 (NOW is 2026-06-15), a near miss, a pre-mortem.

    - a (SEV1, May): resolved, published 24 h later; two items completed 2026-05-05: one due
      2026-05-10 (on time, a runbook item), one due 2026-05-01 (late).
    - b (SEV1, April): resolved, published 72 h later (past its 48 h deadline).
    - c (SEV2, May): resolved 2026-05-20, not published: overdue.
    - d (SEV3, June): resolved 2026-06-14, not published: still within its week.
    """
    incident(
        sessions, "a", severity=Severity.SEV1, started="2026-05-01 10:00",
        detected="2026-05-01 10:10", resolved="2026-05-01 11:10", published="2026-05-02 11:10",
        items=[
            ActionItem(title="Update the runbook for pool exhaustion", due=date(2026, 5, 10)),
            ActionItem(title="Raise the pool limit", due=date(2026, 5, 1)),
        ],
    )  # fmt: skip
    complete_items(sessions, "a", "2026-05-05 09:00")
    incident(
        sessions, "b", severity=Severity.SEV1, started="2026-04-01 10:00",
        detected="2026-04-01 10:30", resolved="2026-04-01 12:30", published="2026-04-04 12:30",
    )  # fmt: skip
    incident(
        sessions, "c", severity=Severity.SEV2, started="2026-05-20 08:00",
        resolved="2026-05-20 09:00", authors=["ana"],
    )  # fmt: skip
    incident(
        sessions, "d", severity=Severity.SEV3, started="2026-06-14 08:00",
        resolved="2026-06-14 08:30",
    )  # fmt: skip
    incident(sessions, "nm", kind=Kind.NEAR_MISS, severity=None, started="2026-05-03 08:00")
    incident(sessions, "pre", kind=Kind.PREMORTEM, severity=None, started="2026-05-03 08:00")


def test_metrics_match_hand_computed_values(sessions: sessionmaker[Session]) -> None:
    _world(sessions)
    report = _report(sessions)
    m = {metric.key: metric for metric in report.metrics}
    # due: a, b (published), c (overdue); d is within its deadline: 2 of 3
    assert m["post_mortem_completion_rate"].current == pytest.approx(66.67)
    assert m["post_mortem_completion_rate"].trend == [("2026-04", 100.0), ("2026-05", 50.0)]
    assert m["action_item_on_time_rate"].current == 50.0
    assert m["time_to_post_mortem_hours"].current == 48.0  # median of SEV1: 24 h and 72 h
    by_severity = m["time_to_post_mortem_hours"].breakdown["by_severity"]
    assert by_severity["SEV1"] == {"median": 48.0, "p90": 67.2, "count": 2}
    assert by_severity["SEV2"]["count"] == 0
    # MTTR from detection (else start): a 60, b 120, c 60, d 30 minutes
    # the median and the 90th percentile, never the mean (67.5)
    assert m["mttr_minutes"].current == 60.0
    assert m["mttr_minutes"].breakdown["p90"] == 102.0
    assert m["mttr_minutes"].breakdown["distribution"] == [
        ["under 15 min", 0], ["15-60 min", 1], ["1-4 h", 3], ["4-24 h", 0], ["over 24 h", 0],
    ]  # fmt: skip
    assert m["mttr_minutes"].breakdown["time_to_detect_minutes"] == 20.0
    assert m["documentation_updates"].current == 1
    assert m["documentation_updates"].trend[4] == ("2026-05", 1.0)
    assert m["recurring_incident_rate"].current == 0.0
    assert report.near_misses == 1
    assert [metric.key for metric in report.metrics] == [
        "post_mortem_completion_rate",
        "action_item_on_time_rate",
        "time_to_post_mortem_hours",
        "recurring_incident_rate",
        "mttr_minutes",
        "learning_sessions_per_month",
        "documentation_updates",
    ]
    assert m["post_mortem_completion_rate"].target_met is False
    assert m["time_to_post_mortem_hours"].target_met is True


def test_an_item_of_kind_documentation_counts_whatever_its_title(
    sessions: sessionmaker[Session],
) -> None:
    incident(
        sessions, "x", started="2026-05-01 10:00",
        items=[
            ActionItem(title="Write down the failover steps", kind=ActionItemKind.DOCUMENTATION),
            ActionItem(title="Fix the runbook link checker", kind=ActionItemKind.FIX),
        ],
    )  # fmt: skip
    complete_items(sessions, "x", "2026-05-02 10:00")
    assert _report(sessions).metric("documentation_updates").current == 1


def test_filters_by_team_and_service(sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "ana", teams=["payments"])
    incident(
        sessions, "p", started="2026-05-01 10:00", resolved="2026-05-01 11:00",
        published="2026-05-01 12:00", team="payments", services=["checkout"],
    )  # fmt: skip
    incident(sessions, "q", started="2026-05-01 10:00", resolved="2026-05-01 10:30")
    assert _report(sessions, team="payments").metric("mttr_minutes").current == 60.0
    assert _report(sessions, service="checkout").metric("mttr_minutes").current == 60.0
    assert _report(sessions).metric("mttr_minutes").current == 45.0
    with pytest.raises(InputError, match="unknown team"):
        _report(sessions, team="nobody")


def test_restricted_incidents_are_neither_counted_nor_listed_for_others(
    sessions: sessionmaker[Session],
) -> None:
    outsider = make_user(sessions, "olga")
    insider = make_user(sessions, "ivan")
    incident(
        sessions, "secret", severity=Severity.SEV1, started="2026-05-01 10:00",
        resolved="2026-05-01 11:00", visibility=Visibility.RESTRICTED, access=["ivan"],
    )  # fmt: skip
    incident(sessions, "open", severity=Severity.SEV1, started="2026-05-02 10:00",
             resolved="2026-05-02 12:00")  # fmt: skip
    assert _report(sessions, outsider).metric("mttr_minutes").current == 120.0
    assert _report(sessions, insider).metric("mttr_minutes").current == 90.0
    with sessions() as session:
        seen_by = {
            viewer.username: [
                pm.id for pm in overdue_postmortems(session, viewer, Policy().deadlines, NOW)
            ]
            for viewer in (outsider, insider)
        }
    assert seen_by == {"olga": ["open"], "ivan": ["secret", "open"]}


def test_overdue_follows_the_deadline_of_each_severity(sessions: sessionmaker[Session]) -> None:
    _world(sessions)
    with sessions() as session:
        found = overdue_postmortems(session, SYSTEM, Policy().deadlines, NOW)
    assert [pm.id for pm in found] == ["c"]
    assert found[0].authors == ["ana"]
    assert found[0].deadline.isoformat() == "2026-05-22T09:00:00+00:00"
    stricter = Policy.model_validate({"deadlines": {"sev3_hours": 12}})
    with sessions() as session:
        found = overdue_postmortems(session, SYSTEM, stricter.deadlines, NOW)
    assert [pm.id for pm in found] == ["c", "d"]


def _analysis(sessions: sessionmaker[Session], id: str, category: str) -> None:
    analysis = Analysis.model_validate(
        {"factors": [{"text": "the cause", "classification": "primary", "category": category}]}
    )
    with sessions.begin() as session:
        rca.save_analysis(session, id, analysis, SYSTEM, base_version=None)


def test_recurring_pairs_share_a_root_cause_category_within_the_window(
    sessions: sessionmaker[Session],
) -> None:
    incident(sessions, "first", started="2026-03-01 10:00")
    incident(sessions, "again", started="2026-04-15 10:00")  # 45 days later: within 90
    incident(sessions, "other", started="2026-04-20 10:00")
    incident(sessions, "much-later", started="2026-12-01 10:00")
    _analysis(sessions, "first", "config-change")
    _analysis(sessions, "again", "config-change")
    _analysis(sessions, "other", "capacity")
    _analysis(sessions, "much-later", "config-change")
    report = _report(sessions, since="2026-04-01")
    # in scope: again, other (April-June); again recurs
    assert report.metric("recurring_incident_rate").current == 50.0
    with sessions() as session:
        result = find_recurrences(
            session, SYSTEM, make_scope(NOW, since="2026-01-01"), Policy().recurrence
        )
    assert [(p.earlier.id, p.later.id, p.reason, p.detail) for p in result.pairs] == [
        ("first", "again", "category", "Configuration change")
    ]


def test_quantile_interpolates_like_numpy() -> None:
    assert quantile([], 0.5) is None
    assert quantile([24.0, 72.0], 0.9) == pytest.approx(67.2)
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5


def test_bad_periods_are_input_errors() -> None:
    with pytest.raises(InputError, match="since"):
        make_scope(NOW, since="last week")
    with pytest.raises(InputError, match="after"):
        make_scope(NOW, since="2026-05-01", until="2026-04-01")


def test_learning_counts_people_who_passed_the_facilitator_self_check(
    sessions: sessionmaker[Session],
) -> None:
    from datetime import UTC, datetime

    from kintsugi.handbook import training
    from kintsugi.people import service as people

    right = {q.id: q.correct for q in training.self_check().questions}
    wrong = {q.id: (q.correct + 1) % len(q.options) for q in training.self_check().questions}
    for name, answers, month in (("ana", right, 3), ("bo", right, 5), ("cy", wrong, 5)):
        make_user(sessions, name)
        with sessions.begin() as session:
            actor = people.principal_for(session, people.get_user(session, name))
            training.submit(session, actor, answers, now=datetime(2026, month, 2, tzinfo=UTC))
    learning = _report(sessions).metric("learning_sessions_per_month")
    assert learning.breakdown["facilitators_trained"] == 2
    trend = dict(learning.breakdown["facilitators_trained_trend"])
    assert trend["2026-03"] == 1 and trend["2026-05"] == 1 and trend["2026-04"] == 0
