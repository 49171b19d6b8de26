"""The Markdown timeline is a view of the stored events: export, import, editor saves and
rebuilds keep each event once, with its id, and never write over a person's edit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import transaction
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.export import export_document
from kintsugi.postmortems.markdown import parse_markdown
from kintsugi.timeline.models import TimelineEventRow
from kintsugi.timeline.service import save_built_events
from tests.timeline.test_service import built, make_document


def _rows(sessions: sessionmaker[Session]) -> dict[int, tuple[str, str, bool]]:
    with sessions() as session:
        found = session.execute(
            select(
                TimelineEventRow.id,
                TimelineEventRow.text,
                TimelineEventRow.source,
                TimelineEventRow.edited,
            )
        ).all()
    return {row.id: (row.text, row.source, row.edited) for row in found}


def _export(sessions: sessionmaker[Session], pm: str) -> str:
    with sessions() as session:
        return export_document(postmortems.get_document(session, pm, SYSTEM), "md")


def _import(sessions: sessionmaker[Session], text: str) -> None:
    with transaction(sessions) as session:
        postmortems.upsert_document(session, parse_markdown(text), SYSTEM)


def test_export_then_import_keeps_each_event_once_with_its_id(
    sessions: sessionmaker[Session],
) -> None:
    pm = make_document(sessions)
    with transaction(sessions) as session:
        save_built_events(session, pm, built())
    before = _rows(sessions)
    assert len(before) == 4
    text = _export(sessions, pm)
    _import(sessions, text)
    _import(sessions, _export(sessions, pm))
    assert _rows(sessions) == before


def test_an_editor_save_of_a_built_timeline_adds_nothing(sessions: sessionmaker[Session]) -> None:
    pm = make_document(sessions)
    with transaction(sessions) as session:
        save_built_events(session, pm, built())
    before = _rows(sessions)
    with transaction(sessions) as session:
        current = postmortems.get_document(session, pm, SYSTEM)
        edited = parse_markdown(export_document(current, "md"))
        postmortems.update_document(session, pm, edited, SYSTEM, base_version=current.version)
    assert _rows(sessions) == before


def test_a_hand_edit_keeps_the_id_and_survives_a_rebuild(sessions: sessionmaker[Session]) -> None:
    pm = make_document(sessions)
    with transaction(sessions) as session:
        save_built_events(session, pm, built())
    before = _rows(sessions)
    deploy_id = next(i for i, (text, _, _) in before.items() if text == "Deploy api")
    text = _export(sessions, pm).replace("| Deploy api |", "| Deploy api 4.2 (canary first) |")
    _import(sessions, text)
    after = _rows(sessions)
    assert after[deploy_id] == ("Deploy api 4.2 (canary first)", "github", True)
    assert len(after) == len(before)
    with transaction(sessions) as session:
        result = save_built_events(session, pm, built())
    assert result.created == 0
    assert _rows(sessions)[deploy_id][0] == "Deploy api 4.2 (canary first)"
    _import(sessions, _export(sessions, pm))
    assert _rows(sessions) == after
