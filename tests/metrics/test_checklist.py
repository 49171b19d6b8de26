"""The quality checklist: automatic items from the data, reviewer answers for the rest, the
score, ``kintsugi check`` and the warning when publishing below the minimum score."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kintsugi.cli import build_app
from kintsugi.metrics import checklist
from kintsugi.metrics.policy import Policy, save_overrides
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import (
    ActionItem,
    ActionItemStatus,
    Priority,
    Section,
    Severity,
    Status,
    TimelineEvent,
)
from tests.metrics.helpers import NOW, at, incident

GOOD_SECTIONS = [
    Section(key="summary", heading="Summary", markdown="The checkout API returned 503s."),
    Section(key="contributing_factors", heading="Contributing Factors", markdown="A pool limit."),
    Section(key="what_went_well", heading="What Went Well", markdown="Rollback was quick."),
]


def _good(sessions: sessionmaker[Session], id: str = "good") -> None:
    incident(
        sessions, id, severity=Severity.SEV2, started="2026-06-14 08:00",
        resolved="2026-06-14 09:00", sections=GOOD_SECTIONS,
        items=[
            ActionItem(title="Update the runbook", owner="ana", priority=Priority.P1,
                       due=date(2026, 7, 1), status=ActionItemStatus.COMPLETED),
            ActionItem(title="Alert on pool saturation", owner="bo", priority=Priority.P0,
                       due=date(2026, 7, 1)),
        ],
    )  # fmt: skip
    with sessions.begin() as session:
        doc = postmortems.get_document(session, id, SYSTEM)
        doc.timeline = [
            TimelineEvent(at=at("2026-06-14 08:00"), text="Errors rose", actor="pagerduty"),
            TimelineEvent(at=at("2026-06-14 09:00"), text="Rolled back", actor="Ana"),
        ]
        postmortems.update_document(session, id, doc, SYSTEM, base_version=None)


def _check(sessions: sessionmaker[Session], id: str) -> checklist.Checklist:
    with sessions() as session:
        return checklist.check_document(session, id, SYSTEM, Policy(), now=NOW)


def test_automatic_items_read_the_document(sessions: sessionmaker[Session]) -> None:
    _good(sessions)
    incident(sessions, "bare", severity=Severity.SEV1, started="2026-06-01 08:00",
             resolved="2026-06-01 09:00")  # fmt: skip
    good = {r.key: r for r in _check(sessions, "good").results}
    bare = {r.key: r for r in _check(sessions, "bare").results}
    assert [r.key for r in _check(sessions, "good").results] == list(checklist.KEYS)
    assert good["timeline_complete"].state == "passed"
    assert bare["timeline_complete"].state == "failed"
    assert good["executive_summary"].state == "needs_review"
    assert bare["executive_summary"].state == "failed"
    assert good["contributing_factors"].state == "passed"
    assert good["action_items_actionable"].state == "needs_review"
    assert bare["action_items_actionable"].why == "there are no action items"
    assert good["within_deadline"].state == "needs_review"  # due 2026-06-16 09:00
    assert bare["within_deadline"].state == "failed"
    assert good["blameless_language"].state == "passed"
    assert good["published"].state == "failed"
    assert good["documentation_updated"].state == "passed"
    assert good["status_updates"].state == "passed"
    assert good["completion_verified"].why == "1 item(s) not done yet"
    assert good["responders_participated"].state == "needs_review"


def test_blameful_language_fails_its_item(sessions: sessionmaker[Session]) -> None:
    blame = [Section(key="summary", heading="Summary", markdown="John forgot to renew the cert.")]
    incident(sessions, "blame", started="2026-06-01 08:00", sections=blame)
    result = {r.key: r for r in _check(sessions, "blame").results}
    assert result["blameless_language"].state == "failed"


def test_reviewer_answers_settle_items_that_need_review(sessions: sessionmaker[Session]) -> None:
    _good(sessions)
    before = _check(sessions, "good").score
    with sessions.begin() as session:
        checklist.set_answer(session, "good", "reviewed_by_leadership", "passed", SYSTEM,
                             note="ops review 2026-06-15")  # fmt: skip
        checklist.set_answer(session, "good", "published", "passed", SYSTEM)  # automatic: stays
    result = {r.key: r for r in _check(sessions, "good").results}
    assert result["reviewed_by_leadership"].state == "passed"
    assert result["reviewed_by_leadership"].why == "reviewer: ops review 2026-06-15"
    assert result["published"].state == "failed"
    assert _check(sessions, "good").score == round(before + 100 / len(checklist.KEYS), 1)
    with sessions.begin() as session:
        checklist.set_answer(session, "good", "reviewed_by_leadership", None, SYSTEM)
    assert _check(sessions, "good").score == before


def test_kintsugi_check_prints_json_and_exits_1_below_the_score(db_url: str) -> None:
    from kintsugi.core.db import make_engine, make_sessionmaker

    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    _good(sessions)
    runner = CliRunner()
    app = build_app("check")
    out = runner.invoke(app, ["check", "good", "--json", "--db", db_url])
    assert out.exit_code == 1
    data = json.loads(out.stdout)
    assert data["below_minimum"] is True and data["minimum"] == 70
    assert len(data["items"]) == len(checklist.KEYS)
    with sessions.begin() as session:
        save_overrides(session, SYSTEM, {"checklist": {"publish_warning_score": 10}})
    passing = runner.invoke(app, ["check", "good", "--db", db_url])
    assert passing.exit_code == 0, passing.output
    assert "score" in passing.stdout
    answered = runner.invoke(
        app, ["check", "good", "--set", "impact_measured=passed", "--note", "p99 halved",
              "--json", "--db", db_url],
    )  # fmt: skip
    items = {i["key"]: i for i in json.loads(answered.stdout)["items"]}
    assert items["impact_measured"]["state"] == "passed"
    bad = runner.invoke(app, ["check", "good", "--set", "nonsense=passed", "--db", db_url])
    assert bad.exit_code == 1 and "unknown checklist item" in bad.stderr
    missing = runner.invoke(app, ["check", "nope", "--db", db_url])
    assert missing.exit_code == 1
    engine.dispose()


def test_publishing_below_the_score_warns_but_publishes(sessions: sessionmaker[Session]) -> None:
    _good(sessions)
    warnings: list[str] = []
    with sessions.begin() as session:
        postmortems.change_status(session, "good", Status.IN_REVIEW, SYSTEM)
        doc = postmortems.change_status(
            session, "good", Status.PUBLISHED, SYSTEM, warnings=warnings
        )
    assert doc.status == Status.PUBLISHED
    assert len(warnings) == 1 and warnings[0].startswith("quality checklist score ")
    assert "is below 70%" in warnings[0]
    from kintsugi.postmortems.history import versions

    with sessions() as session:
        latest = versions(session, "good", SYSTEM)[0]
    assert "warning: quality checklist score" in latest.change
    with sessions.begin() as session:
        save_overrides(session, SYSTEM, {"checklist": {"publish_warning_score": 0}})
        postmortems.change_status(session, "good", Status.IN_REVIEW, SYSTEM)
        quiet: list[str] = []
        postmortems.change_status(session, "good", Status.PUBLISHED, SYSTEM, warnings=quiet)
    assert quiet == []
