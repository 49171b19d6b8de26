"""The demo's learning activity: a held review, an upcoming session, training, a recognition."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.types import utcnow
from kintsugi.demo.learning import REVIEWED, load_demo_learning
from kintsugi.demo.loader import load_demo
from kintsugi.handbook import recognition, training
from kintsugi.meetings import service as meetings
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems


def test_the_demo_holds_a_review_and_plans_a_learning_session(
    sessions: sessionmaker[Session],
) -> None:
    load_demo(sessions)
    now = utcnow()
    with sessions() as session:
        found = meetings.list_meetings(session, SYSTEM)
        held = [m for m in found if m.status == "held"]
        assert [m.kind for m in held] == ["postmortem"]
        doc = postmortems.get_document(session, REVIEWED, SYSTEM)
        assert meetings.attendance(session, postmortems.find_row(session, REVIEWED, SYSTEM).pk)
        text = " ".join(s.markdown for s in doc.sections)
        assert "The load test did not exercise the connection pool" in text
        assert any(a.title.startswith("Run the checkout load test") for a in doc.action_items)
        coming = meetings.upcoming(session, SYSTEM, since=now, until=now + timedelta(days=14))
        # the learning session, and the review the drafted incident's draft proposed
        assert sorted(m.kind for m in coming) == ["learning", "postmortem"]
        learning = next(m for m in coming if m.kind == "learning")
        assert len(learning.postmortem_ids) == 2
        assert training.trained_facilitators(session) == ["maja"]
        assert recognition.list_recognitions(session, SYSTEM)
    load_demo_learning(sessions)  # again: nothing more
    with sessions() as session:
        assert len(meetings.list_meetings(session, SYSTEM)) == len(found)
