from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import transaction
from kintsugi.core.errors import NotFoundError, PermissionDeniedError
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Document, TimelineEvent
from kintsugi.timeline.events import Event, Kind, Ref
from kintsugi.timeline.models import TimelineEventRow
from kintsugi.timeline.service import save_built_events
from tests.timeline.helpers import at, event


def make_document(sessions: sessionmaker[Session]) -> str:
    doc = Document(
        id="checkout-errors",
        title="Checkout errors",
        started_at=at(-10),
        timeline=[TimelineEvent(at=at(0), text="Pager went off", actor="Ana")],
    )
    with transaction(sessions) as session:
        stored = postmortems.create_document(session, doc, SYSTEM)
    assert stored.id
    return stored.id


def built() -> list[Event]:
    alert = event(
        0,
        "prometheus",
        Kind.ALERT,
        "Alert firing: HighErrorRate",
        source_id="p1",
        alert="HighErrorRate",
    )
    alert.refs.append(Ref("alertmanager", "am1"))
    return [
        event(-30, "github", Kind.DEPLOY, "Deploy api", source_id="d1", actor="ci"),
        alert,
        event(4, "pagerduty", Kind.ACKNOWLEDGE, "Acknowledged", source_id="R3", actor="Ana"),
    ]


def rows(sessions: sessionmaker[Session]) -> list[TimelineEventRow]:
    with sessions() as session:
        return list(session.scalars(select(TimelineEventRow).order_by(TimelineEventRow.id)))


def test_saving_twice_updates_instead_of_duplicating(sessions: sessionmaker[Session]) -> None:
    pm = make_document(sessions)
    with transaction(sessions) as session:
        first = save_built_events(session, pm, built())
    assert (first.created, first.updated) == (3, 0)
    events = built()
    events[2].actor = "Ana Lima"
    with transaction(sessions) as session:
        second = save_built_events(session, pm, events)
    assert (second.created, second.updated, second.unchanged) == (0, 1, 2)
    stored = rows(sessions)
    assert len(stored) == 4  # the document's own event and three fetched ones
    assert [r.source for r in stored] == ["document", "github", "prometheus", "pagerduty"]
    assert stored[3].actor == "Ana Lima"


def test_a_merged_event_is_found_through_any_of_its_references(
    sessions: sessionmaker[Session],
) -> None:
    pm = make_document(sessions)
    with transaction(sessions) as session:
        save_built_events(session, pm, built())
    # next build: Prometheus failed, so Alertmanager reports the alert first
    alert = event(
        0.2,
        "alertmanager",
        Kind.ALERT,
        "Alert firing: HighErrorRate",
        source_id="am1",
        alert="HighErrorRate",
    )
    with transaction(sessions) as session:
        result = save_built_events(session, pm, [alert])
    assert result.created == 0 and result.updated == 1
    assert len([r for r in rows(sessions) if r.kind == Kind.ALERT]) == 1


def test_rows_edited_by_hand_are_never_overwritten(sessions: sessionmaker[Session]) -> None:
    pm = make_document(sessions)
    with transaction(sessions) as session:
        save_built_events(session, pm, built())
    with transaction(sessions) as session:
        session.execute(
            update(TimelineEventRow)
            .where(TimelineEventRow.source_id == "R3")
            .values(text="Ana acknowledged from her phone", edited=True)
        )
        session.add(
            TimelineEventRow(
                postmortem_pk=session.scalar(select(TimelineEventRow.postmortem_pk).limit(1)),
                position=99,
                at=at(5),
                text="Called the database team",
                source="manual",
                source_id="R3-manual",
                kind="note",
                edited=False,
            )
        )
    events = built()
    events[2].title = "Acknowledged (changed upstream)"
    with transaction(sessions) as session:
        result = save_built_events(session, pm, events)
    assert result.kept == 1
    texts = {r.source_id: r.text for r in rows(sessions)}
    assert texts["R3"] == "Ana acknowledged from her phone"
    assert texts["R3-manual"] == "Called the database team"


def test_saved_events_show_in_the_document(sessions: sessionmaker[Session]) -> None:
    pm = make_document(sessions)
    with transaction(sessions) as session:
        save_built_events(session, pm, built())
    with sessions() as session:
        doc = postmortems.get_document(session, pm, SYSTEM)
    fetched = [e for e in doc.timeline if e.source != "document"]
    assert {(e.source, e.source_id) for e in fetched} == {
        ("github", "d1"),
        ("prometheus", "p1"),
        ("pagerduty", "R3"),
    }
    assert all(e.at is not None and e.at.tzinfo is not None for e in fetched)


def test_a_failed_save_leaves_nothing_behind(sessions: sessionmaker[Session]) -> None:
    pm = make_document(sessions)
    broken = built()
    broken[1].at = broken[1].at.replace(tzinfo=None)  # the database layer refuses naive times
    with pytest.raises(Exception), transaction(sessions) as session:  # noqa: B017
        save_built_events(session, pm, broken)
    assert [r.source for r in rows(sessions)] == ["document"]


def test_unknown_document_and_viewers_without_rights(sessions: sessionmaker[Session]) -> None:
    make_document(sessions)
    with pytest.raises(NotFoundError), transaction(sessions) as session:
        save_built_events(session, "nope", built())
    viewer = Principal(user_id=7, username="vic", role=Role.VIEWER)
    with pytest.raises(PermissionDeniedError), transaction(sessions) as session:
        save_built_events(session, "checkout-errors", built(), actor=viewer)


def test_long_ids_and_names_fit_their_columns(sessions: sessionmaker[Session]) -> None:
    pm = make_document(sessions)
    long = event(
        1,
        "github",
        Kind.DEPLOY,
        "Deploy",
        source_id="org/" + "r" * 300 + "/deployment/1",
        actor="a" * 300,
    )
    for _ in range(2):
        with transaction(sessions) as session:
            save_built_events(session, pm, [long])
    stored = [r for r in rows(sessions) if r.source == "github"]
    assert len(stored) == 1
    assert stored[0].source_id is not None and len(stored[0].source_id) == 200
    assert stored[0].actor == "a" * 200


def test_saving_the_document_keeps_the_ids_of_unchanged_events(
    sessions: sessionmaker[Session],
) -> None:
    doc = Document(
        title="Checkout outage",
        timeline=[
            TimelineEvent(at=at(0), text="Deploy of checkout 4.2"),
            TimelineEvent(at=at(5), text="Error rate alert fired"),
            TimelineEvent(at=at(30), text="Rolled back"),
        ],
    )
    with transaction(sessions) as session:
        id = postmortems.create_document(session, doc, SYSTEM).id
        assert id is not None

    def ids() -> dict[str, int]:
        with sessions() as session:
            rows = session.execute(select(TimelineEventRow.text, TimelineEventRow.id)).all()
            return {text: event_id for text, event_id in rows}

    before = ids()
    with transaction(sessions) as session:
        current = postmortems.get_document(session, id, SYSTEM)
        changed = current.model_copy(
            update={
                "timeline": [
                    TimelineEvent(at=at(-5), text="Config change merged"),
                    *current.timeline[:2],
                    TimelineEvent(at=at(31), text="Rolled back to 4.1"),
                ]
            }
        )
        postmortems.update_document(session, id, changed, SYSTEM, base_version=current.version)
    after = ids()
    assert after["Deploy of checkout 4.2"] == before["Deploy of checkout 4.2"]
    assert after["Error rate alert fired"] == before["Error rate alert fired"]
    assert "Rolled back" not in after and "Rolled back to 4.1" in after
    with sessions() as session:
        texts = [e.text for e in postmortems.get_document(session, id, SYSTEM).timeline]
    assert texts == [
        "Config change merged",
        "Deploy of checkout 4.2",
        "Error rate alert fired",
        "Rolled back to 4.1",
    ]
