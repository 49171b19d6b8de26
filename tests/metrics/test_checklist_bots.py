""" "All responders participated" waits for people, not for the bots in the timeline."""

from __future__ import annotations

from datetime import UTC, datetime

from kintsugi.metrics.checklist import FAILED, PASSED, Facts, evaluate
from kintsugi.metrics.policy import Policy
from kintsugi.postmortems.document import Document, TimelineEvent

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _responders(attended: set[str], bots: frozenset[str] = frozenset()) -> tuple[str, str]:
    doc = Document(
        title="Queue backlog",
        timeline=[
            TimelineEvent(at=NOW, text="Alert fired", actor="PagerDuty"),
            TimelineEvent(at=NOW, text="Deploy rolled back", actor="deploy-bot"),
            TimelineEvent(at=NOW, text="Runbook step taken", actor="relay"),
            TimelineEvent(at=NOW, text="Queue drained", actor="Ana"),
        ],
    )
    facts = Facts(
        has_analysis=False,
        in_library=False,
        published_at=None,
        attendance=attended,
        lint_findings=0,
        item_updates=0,
        bots=bots,
    )
    result = next(
        r
        for r in evaluate(doc, facts, {}, Policy(), NOW).results
        if r.key == "responders_participated"
    )
    return result.state, result.why


def test_bots_are_not_expected_at_the_review() -> None:
    assert _responders({"Ana"}, frozenset({"relay"})) == (PASSED, "all 1 responders attended")


def test_a_person_who_did_not_attend_still_fails_the_item() -> None:
    state, why = _responders({"Bo"}, frozenset({"relay"}))
    assert state == FAILED and why == "not at the meeting: ana"
    # a service account not marked as a bot is a responder like anyone else
    assert _responders({"Ana"})[1] == "not at the meeting: relay"
