"""The self-check in storage: grading, results per person, trained facilitators and the
monthly completions the learning metrics count (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import InputError, PermissionDeniedError
from kintsugi.handbook import training
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from tests.handbook.helpers import make_user


def _all_right() -> dict[str, int | None]:
    return {q.id: q.correct for q in training.self_check().questions}


def _all_wrong() -> dict[str, int | None]:
    return {q.id: (q.correct + 1) % len(q.options) for q in training.self_check().questions}


def test_grading_marks_each_answer_and_explains_it() -> None:
    answers = _all_right()
    answers["how-many-whys"] = 0  # "exactly five"
    answers["sev1-deadline"] = None
    score, marked = training.grade(answers)
    total = len(training.self_check().questions)
    assert score == total - 2
    wrong = {m.question.id for m in marked if not m.correct}
    assert wrong == {"how-many-whys", "sev1-deadline"}
    assert all(m.question.explanation for m in marked)


def test_bad_answers_are_input_errors() -> None:
    with pytest.raises(InputError, match="unknown question"):
        training.grade({"no-such-question": 0})
    with pytest.raises(InputError) as caught:
        training.grade({"primary-goal": 9})
    assert caught.value.field == "answers.primary-goal"


def test_results_trained_facilitators_and_completions(sessions: sessionmaker[Session]) -> None:
    ana = make_user(sessions, "ana", role=Role.FACILITATOR)
    bo = make_user(sessions, "bo", role=Role.EDITOR)
    cy = make_user(sessions, "cy", role=Role.VIEWER)
    march = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    april = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    with sessions.begin() as session:
        failed = training.submit(session, bo, _all_wrong(), now=march)
        first = training.submit(session, ana, _all_right(), now=march)
        training.submit(session, ana, _all_right(), now=april)  # passing again counts once
        training.submit(session, bo, _all_right(), now=april)
        training.submit(session, cy, _all_wrong(), now=april)
    assert not failed.passed and failed.score == 0
    assert first.passed and first.score == first.total
    with sessions.begin() as session:
        assert training.trained_facilitators(session) == ["ana", "bo"]
        assert training.completions_by_month(
            session, since=datetime(2026, 1, 1, tzinfo=UTC), until=datetime(2027, 1, 1, tzinfo=UTC)
        ) == [("2026-03", 1), ("2026-04", 1)]
        assert training.completions_by_month(session, since=april, until=april.replace(day=30)) == [
            ("2026-04", 1)
        ]
        mine = training.results(session, cy)
        assert [(r.username, r.passed) for r in mine] == [("cy", False)]
        everyone = training.results(session, ana)
        assert len(everyone) == 5
        assert [r.username for r in training.results(session, ana, username="bo")] == ["bo", "bo"]
        with pytest.raises(PermissionDeniedError):
            training.results(session, cy, username="bo")
        summary = training.status(session)
    assert (summary.attempts, summary.people, summary.trained) == (5, 3, 2)
    with sessions.begin() as session:  # a deactivated person is no longer listed
        people.set_active(session, SYSTEM, "bo", False)
    with sessions.begin() as session:
        assert training.trained_facilitators(session) == ["ana"]


def test_the_local_operator_cannot_record_an_attempt(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(PermissionDeniedError), sessions.begin() as session:
        training.submit(session, SYSTEM, _all_right())
