"""The live session (SQLite and PostgreSQL): the clock, notes from several people, the
language check, and finishing: notes land in the document without overwriting it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions import items
from kintsugi.actions.items import ItemFilters
from kintsugi.core.errors import ConflictError, InputError
from kintsugi.meetings import followups, live, service
from kintsugi.meetings.premortem import SCENARIO, start_premortem
from kintsugi.meetings.script import REDIRECT_PROMPT
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Status
from tests.meetings.helpers import IN_TIME, make_doc, make_person, plan

T0 = datetime(2026, 11, 21, 13, 0, tzinfo=UTC)


def test_the_clock_counts_the_current_part_down_and_then_the_overrun(
    sessions: sessionmaker[Session],
) -> None:
    make_doc(sessions)
    meeting = plan(sessions)
    with sessions.begin() as session:
        started = live.start_session(session, SYSTEM, meeting.id, now=T0)
        assert started.part is not None and started.part.key == "welcome"
        assert started.remaining_seconds == 5 * 60
        later = live.clock(session, SYSTEM, meeting.id, now=T0 + timedelta(minutes=7))
        assert later.remaining_seconds == -2 * 60 and later.to_json()["overrun"] is True
        moved = live.go_to_part(session, SYSTEM, meeting.id, now=T0 + timedelta(minutes=7))
        assert moved.part is not None and moved.part.key == "overview"
        assert moved.remaining_seconds == 5 * 60
        with pytest.raises(InputError):
            live.go_to_part(session, SYSTEM, meeting.id, "no-such-part")
        last = live.go_to_part(session, SYSTEM, meeting.id, "closing", now=T0)
        assert last.next_part is None
        with pytest.raises(InputError):
            live.go_to_part(session, SYSTEM, meeting.id)


def test_notes_from_several_people_are_kept_and_blame_is_flagged(
    sessions: sessionmaker[Session],
) -> None:
    make_doc(sessions)
    ana = make_person(sessions, "ana", Role.FACILITATOR)
    cleo = make_person(sessions, "cleo", Role.EDITOR)
    meeting = plan(sessions, ana)
    with sessions.begin() as session:
        live.start_session(session, ana, meeting.id)
        live.add_note(session, ana, meeting.id, "what-happened", "The alert fired at 09:45.")
        live.add_note(
            session, cleo, meeting.id, "what-happened", "John forgot to restart the service"
        )
        with pytest.raises(InputError) as empty:
            live.add_note(session, cleo, meeting.id, "what-happened", "   ")
        assert empty.value.field == "text"
        with pytest.raises(InputError) as part:
            live.add_note(session, cleo, meeting.id, "scenario", "x")
        assert part.value.field == "part"
        notes = live.list_notes(session, ana, meeting.id, "what-happened")
    assert [(n.author, n.flagged) for n in notes] == [("ana", False), ("cleo", True)]
    assert notes[1].findings[0]["redirect"] == REDIRECT_PROMPT
    assert live.check_text("Alice rolled back the release at 10:02") == []


def test_finishing_lands_notes_and_creates_action_items(sessions: sessionmaker[Session]) -> None:
    make_doc(sessions)
    ana = make_person(sessions, "ana", Role.FACILITATOR)
    meeting = plan(sessions, ana)
    with sessions.begin() as session:
        live.start_session(session, ana, meeting.id, now=T0)
        live.add_note(
            session, ana, meeting.id, "what-happened", "Alerts fired only after 15 minutes"
        )
        live.add_note(session, ana, meeting.id, "went-well", "The rollback took two minutes")
        live.add_note(session, ana, meeting.id, "could-improve", "The pool size has no guard rail")
        live.add_note(
            session,
            ana,
            meeting.id,
            "action-items",
            "Add a pool size check to CI",
            owner="Tomás",
            priority="p1",
            due=date(2026, 12, 10),
        )
    # someone edits the document while the meeting runs: the landing keeps their change
    with sessions.begin() as session:
        doc = postmortems.get_document(session, "checkout-pool", SYSTEM)
        doc.tags = ["database"]
        postmortems.update_document(session, doc.id or "", doc, SYSTEM, base_version=doc.version)
    with sessions.begin() as session:
        result = live.finish_session(session, ana, meeting.id, now=T0 + timedelta(hours=1))
    assert sorted(result.sections) == [
        "action_items",
        "timeline",
        "what_went_well",
        "what_went_wrong",
    ]
    with sessions.begin() as session:
        doc = postmortems.get_document(session, "checkout-pool", SYSTEM)
        item_rows = items.list_items(session, SYSTEM, ItemFilters(postmortem="checkout-pool"))
        held = service.get_meeting(session, meeting.id, SYSTEM)
        follow = followups.list_followups(session, meeting.id)
    assert doc.tags == ["database"]
    assert doc.version == result.version
    well = doc.section("what_went_well")
    assert well is not None and "Rollback was quick." in well.markdown
    assert "The rollback took two minutes" in well.markdown
    improve = doc.section("what_went_wrong")
    assert improve is not None and improve.heading == "What Could Improve"
    assert "no guard rail" in improve.markdown
    assert [e.text for e in doc.timeline][-1] == "Alerts fired only after 15 minutes"
    assert [(i.title, i.owner, i.priority, i.due) for i in item_rows] == [
        ("Add a pool size check to CI", "Tomás", "P1", date(2026, 12, 10))
    ]
    assert (held.status, held.held_at) == ("held", T0 + timedelta(hours=1))
    assert [(f.kind, f.due_at - held.held_at, f.done) for f in follow] == [
        ("notes_sent", timedelta(hours=24), False),
        ("published", timedelta(days=7), False),
        ("actions_check", timedelta(days=14), False),
    ]
    with sessions.begin() as session, pytest.raises(ConflictError):
        live.finish_session(session, ana, meeting.id)


def test_a_stale_version_is_refused_and_changes_nothing(sessions: sessionmaker[Session]) -> None:
    stored = make_doc(sessions)
    meeting = plan(sessions)
    with sessions.begin() as session:
        live.start_session(session, SYSTEM, meeting.id)
        live.add_note(session, SYSTEM, meeting.id, "went-well", "Paging worked")
        live.add_note(session, SYSTEM, meeting.id, "action-items", "Alert on pool saturation")
    with sessions.begin() as session:
        doc = postmortems.get_document(session, "checkout-pool", SYSTEM)
        doc.title = "Checkout API outage (edited)"
        postmortems.update_document(session, "checkout-pool", doc, SYSTEM, base_version=doc.version)
    with sessions() as session, pytest.raises(ConflictError):
        live.finish_session(session, SYSTEM, meeting.id, base_version=stored.version)
    with sessions.begin() as session:
        after = postmortems.get_document(session, "checkout-pool", SYSTEM)
        assert after.title == "Checkout API outage (edited)"
        assert "Paging worked" not in (after.section("what_went_well") or doc.sections[0]).markdown
        assert after.action_items == []
        assert service.get_meeting(session, meeting.id, SYSTEM).status == "running"


def test_premortem_exercise_fills_the_premortem_document(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        meeting = start_premortem(
            session,
            SYSTEM,
            "Move checkout to the new database cluster",
            IN_TIME,
            "Europe/Copenhagen",
            90,
            organizer="ana",
        )
    assert meeting.kind == "premortem" and meeting.postmortems[0].kind == "premortem"
    assert meeting.title.startswith("Pre-Mortem: Move checkout")
    doc_id = meeting.postmortems[0].id
    with sessions.begin() as session:
        live.start_session(session, SYSTEM, meeting.id)
        live.add_note(
            session, SYSTEM, meeting.id, "story", "Replication lag hid stale stock counts"
        )
        live.add_note(session, SYSTEM, meeting.id, "premortem-causes", "No lag alert exists")
        live.add_note(session, SYSTEM, meeting.id, "preventions", "Alert on replication lag")
        live.add_note(
            session,
            SYSTEM,
            meeting.id,
            "premortem-actions",
            "Add a replication lag alert",
            owner="dba-team",
            priority="P0",
        )
        live.finish_session(session, SYSTEM, meeting.id)
        doc = postmortems.get_document(session, doc_id, SYSTEM)
        tracked = items.list_items(session, SYSTEM, ItemFilters(postmortem=doc_id))
    scenario = doc.section("scenario")
    assert scenario is not None and SCENARIO in scenario.markdown
    assert "Replication lag" in (doc.section("summary") or scenario).markdown
    assert "No lag alert" in (doc.section("imagined_root_causes") or scenario).markdown
    assert "Alert on replication lag" in (doc.section("preventions") or scenario).markdown
    assert [(i.title, i.owner, i.priority) for i in tracked] == [
        ("Add a replication lag alert", "dba-team", "P0")
    ]


def test_follow_ups_are_done_by_the_documents_state(sessions: sessionmaker[Session]) -> None:
    make_doc(sessions)
    meeting = plan(sessions)
    with sessions.begin() as session:
        live.finish_session(session, SYSTEM, meeting.id, now=T0)
        followups.mark_done(session, SYSTEM, meeting.id, "notes_sent")
        with pytest.raises(InputError):
            followups.mark_done(session, SYSTEM, meeting.id, "nonsense")
    with sessions.begin() as session:
        postmortems.change_status(session, "checkout-pool", Status.IN_REVIEW, SYSTEM)
        postmortems.change_status(session, "checkout-pool", Status.PUBLISHED, SYSTEM)
    with sessions.begin() as session:
        done = {f.kind: f.done for f in followups.list_followups(session, meeting.id)}
        due = followups.due_reminders(session, T0 + timedelta(days=30))
    # published: done by the document; no action items are open, so the check is done too
    assert done == {"notes_sent": True, "published": True, "actions_check": True}
    assert due == []
