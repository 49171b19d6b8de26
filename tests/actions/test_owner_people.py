"""Owners are people: however a document names them, one person is one owner."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.items import ItemFilters, list_items
from kintsugi.actions.models import ActionItemRow
from kintsugi.actions.report import build_report
from kintsugi.people.models import User
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems.document import ActionItem
from tests.actions.helpers import make_postmortem


def _people(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add(
            User(username="tomas", display_name="Tomás Ferreira", email="tomas@example.com")
        )


def test_owners_are_stored_as_the_person_they_name(sessions: sessionmaker[Session]) -> None:
    _people(sessions)
    doc = make_postmortem(
        sessions,
        "Queue backlog",
        [
            ActionItem(title="One", owner="tomas"),
            ActionItem(title="Two", owner="Tomás Ferreira"),
            ActionItem(title="Three", owner="TOMAS@example.com"),
            ActionItem(title="Four", owner="Ana Nobody"),
        ],
    )
    assert [i.owner for i in doc.action_items] == ["tomas", "tomas", "tomas", "Ana Nobody"]
    report = build_report(sessions(), SYSTEM)
    assert [(o.owner, o.label, o.counts.total) for o in report.by_owner] == [
        ("tomas", "Tomás Ferreira", 3),
        ("Ana Nobody", "", 1),
    ]


def test_items_stored_before_matching_group_and_filter_by_person(
    sessions: sessionmaker[Session],
) -> None:
    make_postmortem(sessions, "Old", [ActionItem(title="A"), ActionItem(title="B")])
    _people(sessions)  # the items were written before the person existed
    with sessions.begin() as session:
        first, second = session.query(ActionItemRow).order_by(ActionItemRow.id).all()
        first.owner, second.owner = "Tomás Ferreira", "tomas"
    with sessions() as session:
        report = build_report(session, SYSTEM)
        assert [(o.owner, o.counts.total) for o in report.by_owner] == [("tomas", 2)]
        for name in ("tomas", "tomás ferreira", "tomas@example.com"):
            found = list_items(session, SYSTEM, ItemFilters(owner=name))
            assert sorted(i.title for i in found) == ["A", "B"], name
