"""The handbook's wire shapes write the JSON the hand-written ``to_json`` always wrote: the same
keys in the same order, datetimes as ``isoformat()`` (``+00:00``), hidden fields left out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from kintsugi.handbook.digest import Improvement, LearningDigest, UpcomingSession
from kintsugi.handbook.recognition import Recognition
from kintsugi.handbook.service import Page, PageVersion
from kintsugi.handbook.sharing import Published
from kintsugi.handbook.training import Marked, Question, Result, TrainingStatus

AT = datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC)
LATER = datetime(2026, 3, 11, 9, 30, tzinfo=timezone(timedelta(hours=2)))


def same(written: Any, expected: Any) -> None:
    """Equal, key order included."""
    assert json.dumps(written) == json.dumps(expected)


def question(guide: str | None = "facilitation") -> Question:
    return Question(
        id="how-many-whys",
        kind="choice",
        topic="techniques",
        prompt="How many whys?",
        options=("Three", "Five"),
        correct=1,
        explanation="Until the cause is found.",
        guide=guide,
    )


def test_a_question_hides_its_answer() -> None:
    same(
        question().to_json(),
        {
            "id": "how-many-whys",
            "kind": "choice",
            "topic": "techniques",
            "prompt": "How many whys?",
            "options": ["Three", "Five"],
        },
    )


def test_a_marked_answer_shows_the_key_only_when_revealed() -> None:
    wrong = Marked(question(), 0, False)
    same(
        wrong.to_json(passed=False),
        {
            "id": "how-many-whys",
            "answer": 0,
            "correct": False,
            "correct_answer": None,
            "explanation": None,
            "guide": "/handbook/facilitation",
        },
    )
    same(
        wrong.to_json(passed=True),
        {
            "id": "how-many-whys",
            "answer": 0,
            "correct": False,
            "correct_answer": 1,
            "explanation": "Until the cause is found.",
            "guide": "/handbook/facilitation",
        },
    )
    same(
        Marked(question(None), None, False).to_json(passed=False),
        {
            "id": "how-many-whys",
            "answer": None,
            "correct": False,
            "correct_answer": None,
            "explanation": None,
            "guide": None,
        },
    )


def test_a_result_lists_its_answers_as_the_attempt_shows_them() -> None:
    result = Result("fay", 1, 2, False, AT, (Marked(question(), 1, True),))
    same(
        result.to_json(),
        {
            "username": "fay",
            "score": 1,
            "total": 2,
            "passed": False,
            "completed_at": "2026-03-04T05:06:07.000890+00:00",
            "answers": [
                {
                    "id": "how-many-whys",
                    "answer": 1,
                    "correct": True,
                    "correct_answer": 1,
                    "explanation": "Until the cause is found.",
                    "guide": "/handbook/facilitation",
                }
            ],
        },
    )
    same(
        Result("fay", 2, 2, True, LATER).to_json(),
        {
            "username": "fay",
            "score": 2,
            "total": 2,
            "passed": True,
            "completed_at": "2026-03-11T09:30:00+02:00",
            "answers": [],
        },
    )


def test_the_training_status() -> None:
    same(
        TrainingStatus(12, 0.8, 5, 3, 2, ["ana", "bo"]).to_json(),
        {
            "questions": 12,
            "pass_mark": 0.8,
            "attempts": 5,
            "people": 3,
            "trained": 2,
            "trained_facilitators": ["ana", "bo"],
        },
    )


def test_a_page_and_its_versions() -> None:
    same(
        Page("policy", "Policy", "# Policy\n", 3, "ada", AT, False).to_json(),
        {
            "slug": "policy",
            "title": "Policy",
            "markdown": "# Policy\n",
            "version": 3,
            "updated_by": "ada",
            "updated_at": "2026-03-04T05:06:07.000890+00:00",
            "is_default": False,
        },
    )
    same(
        Page("policy", "Policy", "# Policy\n", 1, "kintsugi", None, True).to_json(),
        {
            "slug": "policy",
            "title": "Policy",
            "markdown": "# Policy\n",
            "version": 1,
            "updated_by": "kintsugi",
            "updated_at": None,
            "is_default": True,
        },
    )
    same(
        PageVersion(2, "ada", "typo", LATER).to_json(),
        {"version": 2, "actor": "ada", "change": "typo", "created_at": "2026-03-11T09:30:00+02:00"},
    )
    same(
        PageVersion(1, "kintsugi", "the default text", None).to_json(),
        {"version": 1, "actor": "kintsugi", "change": "the default text", "created_at": None},
    )


def published() -> Published:
    return Published(
        id="INC-7",
        title="Queue stalled",
        kind="postmortem",
        severity="SEV2",
        visibility="team",
        team="sre",
        access=("bob",),
        published_at=AT,
        summary="The queue stalled.",
        learnings=("Alert on lag", "Drain slowly"),
    )


PUBLISHED = {
    "id": "INC-7",
    "title": "Queue stalled",
    "kind": "postmortem",
    "severity": "SEV2",
    "visibility": "team",
    "published_at": "2026-03-04T05:06:07.000890+00:00",
    "summary": "The queue stalled.",
    "learnings": ["Alert on lag", "Drain slowly"],
    "url_path": "/postmortems/INC-7",
}


def test_a_published_document_leaves_out_its_team_and_grants() -> None:
    doc = published()
    same(doc.to_json(), PUBLISHED)
    assert doc.url_path == "/postmortems/INC-7"
    same(
        Published(
            "PM-1", "Launch", "premortem", None, "organisation", None, (), LATER, ""
        ).to_json(),
        {
            "id": "PM-1",
            "title": "Launch",
            "kind": "premortem",
            "severity": None,
            "visibility": "organisation",
            "published_at": "2026-03-11T09:30:00+02:00",
            "summary": "",
            "learnings": [],
            "url_path": "/postmortems/PM-1",
        },
    )


def recognition(postmortem: bool = True) -> Recognition:
    return Recognition(
        id=4,
        recipient_kind="team",
        recipient="sre",
        reason="improvement",
        message="Fast fix",
        postmortem_id="INC-7" if postmortem else None,
        postmortem_title="Queue stalled" if postmortem else None,
        created_by="ada",
        created_at=LATER,
    )


RECOGNITION = {
    "id": 4,
    "recipient_kind": "team",
    "recipient": "sre",
    "reason": "improvement",
    "message": "Fast fix",
    "postmortem_id": "INC-7",
    "postmortem_title": "Queue stalled",
    "created_by": "ada",
    "created_at": "2026-03-11T09:30:00+02:00",
}


def test_a_recognition() -> None:
    same(recognition().to_json(), RECOGNITION)
    same(
        recognition(postmortem=False).to_json(),
        {**RECOGNITION, "postmortem_id": None, "postmortem_title": None},
    )


IMPROVEMENT = {
    "id": 12,
    "title": "Add lag alert",
    "owner": None,
    "priority": "P1",
    "completed_at": "2026-03-04T05:06:07.000890+00:00",
    "postmortem_id": "INC-7",
    "postmortem_title": "Queue stalled",
}
SESSION = {
    "id": 3,
    "title": "Learning review",
    "starts_at": "2026-03-11T09:30:00+02:00",
    "timezone": "Europe/Berlin",
    "duration_minutes": 60,
    "url_path": "/meetings/3",
}


def test_the_digest_and_its_parts() -> None:
    improvement = Improvement(12, "Add lag alert", None, "P1", AT, "INC-7", "Queue stalled")
    upcoming = UpcomingSession(3, "Learning review", LATER, "Europe/Berlin", 60, "/meetings/3")
    same(improvement.to_json(), IMPROVEMENT)
    same(upcoming.to_json(), SESSION)
    digest = LearningDigest(
        since=AT - timedelta(days=7),
        until=AT,
        published=[published()],
        improvements=[improvement],
        sessions=[upcoming],
        recognitions=[recognition()],
    )
    same(
        digest.to_json(),
        {
            "since": "2026-02-25T05:06:07.000890+00:00",
            "until": "2026-03-04T05:06:07.000890+00:00",
            "published": [PUBLISHED],
            "improvements": [IMPROVEMENT],
            "sessions": [SESSION],
            "recognitions": [RECOGNITION],
        },
    )
    same(
        LearningDigest(since=AT, until=AT).to_json(),
        {
            "since": "2026-03-04T05:06:07.000890+00:00",
            "until": "2026-03-04T05:06:07.000890+00:00",
            "published": [],
            "improvements": [],
            "sessions": [],
            "recognitions": [],
        },
    )
