"""The post-mortem service against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.audit import service as audit
from kintsugi.core.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from kintsugi.library.models import LibraryDocumentRow
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems import history, service
from kintsugi.postmortems.document import (
    ActionItem,
    ActionItemStatus,
    Document,
    Section,
    Severity,
    Status,
    TimelineEvent,
    Visibility,
)
from kintsugi.postmortems.models import PostmortemRow, VersionRow


def _doc(title: str = "Database failover", **kwargs: object) -> Document:
    data: dict[str, object] = {
        "title": title,
        "severity": Severity.SEV2,
        "started_at": datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        "tags": ["database", "failover"],
        "services": ["orders-db"],
        "sections": [
            Section(key="summary", heading="Summary", markdown="The primary failed over."),
            Section(key="timeline", heading="Timeline", markdown="| Time | Event |"),
        ],
        "timeline": [
            TimelineEvent(at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC), text="Primary stops"),
            TimelineEvent(
                at=datetime(2026, 3, 1, 10, 5, tzinfo=UTC), text="Failover done", actor="Ana"
            ),
        ],
        "action_items": [
            ActionItem(title="Alert on replica lag", owner="sre", priority="P1"),
            ActionItem(title="Document failover", due=date(2026, 4, 1)),
        ],
    }
    data.update(kwargs)
    return Document.model_validate(data)


def test_create_and_read_back_the_whole_document(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        created = service.create_document(session, _doc(), SYSTEM)
    assert created.id == "database-failover"
    assert created.version == 1
    with sessions.begin() as session:
        doc = service.get_document(session, "database-failover", SYSTEM)
    assert doc.title == "Database failover"
    assert doc.severity == Severity.SEV2
    assert doc.started_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert doc.tags == ["database", "failover"]
    assert [s.key for s in doc.sections] == ["summary", "timeline"]
    assert [e.text for e in doc.timeline] == ["Primary stops", "Failover done"]
    assert doc.timeline[1].actor == "Ana"
    assert [a.title for a in doc.action_items] == ["Alert on replica lag", "Document failover"]
    assert all(a.id is not None for a in doc.action_items)
    assert doc.action_items[1].due == date(2026, 4, 1)


def test_ids_are_unique_and_prefixes_resolve(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = service.create_document(session, _doc(), SYSTEM)
        second = service.create_document(session, _doc(), SYSTEM)
        service.create_document(session, _doc("Cache stampede"), SYSTEM)
    assert (first.id, second.id) == ("database-failover", "database-failover-2")
    with sessions.begin() as session:
        assert service.get_document(session, "cache", SYSTEM).title == "Cache stampede"
        with pytest.raises(InputError, match="matches several"):
            service.get_document(session, "database", SYSTEM)
        with pytest.raises(NotFoundError):
            service.get_document(session, "nothing-like-this", SYSTEM)


def test_stale_update_is_refused_and_nothing_changes(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        doc = service.create_document(session, _doc(), SYSTEM)
    assert doc.id
    with sessions.begin() as session:
        mine = doc.model_copy(update={"title": "First edit"})
        service.update_document(session, doc.id, mine, SYSTEM, base_version=1)
    with pytest.raises(ConflictError) as caught, sessions.begin() as session:
        theirs = doc.model_copy(update={"title": "Second edit from version 1"})
        service.update_document(session, doc.id, theirs, SYSTEM, base_version=1)
    current = caught.value.current
    assert isinstance(current, Document)
    assert current.title == "First edit"
    assert current.version == 2
    with sessions.begin() as session:
        assert service.get_document(session, doc.id, SYSTEM).title == "First edit"
        versions = session.scalars(select(VersionRow.version).order_by(VersionRow.version))
        assert list(versions) == [1, 2]


def _statements_on(engine: Engine, table: str) -> list[str]:
    """Collects the statements that name ``table`` while the test runs (SQL text, lower case)."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _collect(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if table in statement.lower():
            seen.append(statement.lower())

    return seen


def test_edit_reads_the_stored_document_once(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        doc = service.create_document(session, _doc(), SYSTEM)
    assert doc.id
    seen = {t: _statements_on(engine, t) for t in ("postmortem_sections", "timeline_events")}
    seen["action_items"] = _statements_on(engine, "from action_items")
    read: list[Document] = []

    def retitle(current: Document) -> Document:
        read.append(current)
        return current.model_copy(update={"title": "Retitled"})

    with sessions.begin() as session:
        stored = service.edit_document(session, doc.id, retitle, SYSTEM, base_version=1)
    assert [d.title for d in read] == ["Database failover"]
    assert read[0].sections == doc.sections and read[0].tags == doc.tags
    assert stored.title == "Retitled" and stored.version == 2
    # one read of the sections, events and items, and none written: only the title changed
    assert {t: [s.split()[0] for s in statements] for t, statements in seen.items()} == {
        "postmortem_sections": ["select"],
        "timeline_events": ["select"],
        "action_items": ["select"],
    }
    assert stored.timeline == doc.timeline and stored.action_items == doc.action_items
    with sessions.begin() as session:
        again = service.get_document(session, doc.id, SYSTEM)
        assert again.model_dump(exclude={"title", "version"}) == doc.model_dump(
            exclude={"title", "version"}
        )
        # the search index holds the new title, in one row
        pk = session.scalar(select(PostmortemRow.pk).where(PostmortemRow.id == doc.id))
        titles = session.scalars(
            select(LibraryDocumentRow.title).where(LibraryDocumentRow.postmortem_pk == pk)
        )
        assert list(titles) == ["Retitled"]


def test_edit_writes_what_the_edit_changed(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        doc = service.create_document(session, _doc(), SYSTEM)
    assert doc.id

    def rework(current: Document) -> Document:
        return current.model_copy(
            update={
                "tags": ["database"],
                "sections": [
                    *current.sections,
                    Section(key="impact", heading="Impact", markdown="Orders failed."),
                ],
            }
        )

    with sessions.begin() as session:
        service.edit_document(session, doc.id, rework, SYSTEM, base_version=1)
    with sessions.begin() as session:
        stored = service.get_document(session, doc.id, SYSTEM)
    assert stored.tags == ["database"]
    assert [s.key for s in stored.sections] == ["summary", "timeline", "impact"]
    assert stored.version == 2


def test_edit_that_changes_the_document_in_place_is_stored(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        doc = service.create_document(session, _doc(), SYSTEM)
    assert doc.id

    def in_place(current: Document) -> Document:
        current.timeline.append(TimelineEvent(text="Replica promoted"))
        current.timeline[0].text = "Primary stops answering"
        current.action_items[0].status = ActionItemStatus.COMPLETED
        return current

    with sessions.begin() as session:
        service.edit_document(session, doc.id, in_place, SYSTEM, base_version=1)
    with sessions.begin() as session:
        stored = service.get_document(session, doc.id, SYSTEM)
    assert stored.timeline[0].text == "Primary stops answering"
    assert "Replica promoted" in [e.text for e in stored.timeline]
    assert stored.action_items[0].status == ActionItemStatus.COMPLETED


def test_stale_edit_is_refused_with_the_stored_document(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        doc = service.create_document(session, _doc(), SYSTEM)
        assert doc.id
        service.update_document(
            session, doc.id, doc.model_copy(update={"title": "First"}), SYSTEM, base_version=1
        )
    with pytest.raises(ConflictError) as caught, sessions.begin() as session:
        service.edit_document(
            session,
            doc.id,
            lambda current: current.model_copy(update={"title": "Late"}),
            SYSTEM,
            base_version=1,
        )
    current = caught.value.current
    assert isinstance(current, Document)
    assert (current.title, current.version) == ("First", 2)
    with sessions.begin() as session:
        assert service.get_document(session, doc.id, SYSTEM).title == "First"


def test_action_items_keep_their_ids_across_updates(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        doc = service.create_document(session, _doc(), SYSTEM)
    assert doc.id
    ids = {a.title: a.id for a in doc.action_items}
    changed = doc.model_copy(
        update={
            "action_items": [
                ActionItem(title="Document failover", status=ActionItemStatus.COMPLETED),
                ActionItem(title="Add a chaos test"),
            ]
        }
    )
    with sessions.begin() as session:
        stored = service.update_document(session, doc.id, changed, SYSTEM, base_version=1)
    by_title = {a.title: a for a in stored.action_items}
    assert by_title["Document failover"].id == ids["Document failover"]
    assert by_title["Document failover"].status == ActionItemStatus.COMPLETED
    assert by_title["Add a chaos test"].id not in ids.values()
    assert "Alert on replica lag" not in by_title


def test_status_moves_one_step_at_a_time(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        doc = service.create_document(session, _doc(), SYSTEM)
        assert doc.id
        with pytest.raises(InputError, match="cannot move from draft to published"):
            service.change_status(session, doc.id, Status.PUBLISHED, SYSTEM)
        service.change_status(session, doc.id, Status.IN_REVIEW, SYSTEM)
        published = service.change_status(session, doc.id, Status.PUBLISHED, SYSTEM)
    assert published.status == Status.PUBLISHED
    with sessions.begin() as session:
        row = session.scalars(select(PostmortemRow)).one()
        assert row.published_at is not None


def test_filters(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        service.create_document(session, _doc("A", severity=Severity.SEV1, tags=["dns"]), SYSTEM)
        service.create_document(session, _doc("B", severity=Severity.SEV3, tags=["dns"]), SYSTEM)
        service.create_document(session, _doc("C", severity=Severity.SEV3, tags=["tls"]), SYSTEM)
    with sessions.begin() as session:

        def titles(**kw: str) -> list[str]:
            rows = service.list_documents(session, SYSTEM, service.Filters(**kw))
            return sorted(r.title for r in rows)

        assert titles(severity="SEV3") == ["B", "C"]
        assert titles(tag="dns") == ["A", "B"]
        assert titles(severity="SEV3", tag="dns") == ["B"]
        assert titles(status="published") == []
        assert service.count_documents(session, SYSTEM, service.Filters(tag="dns")) == 2
        assert service.facet_values(session, SYSTEM)["tags"] == ["dns", "tls"]


def _people(session: Session) -> dict[str, Principal]:
    people.create_team(session, SYSTEM, "payments")
    for name, role in [("ana", Role.EDITOR), ("bo", Role.EDITOR), ("cy", Role.VIEWER)]:
        people.create_user(session, SYSTEM, name, role=role)
    people.create_user(session, SYSTEM, "root", role=Role.ADMIN)
    people.add_member(session, SYSTEM, "payments", "ana")
    return {
        name: people.principal_for(session, people.get_user(session, name))
        for name in ("ana", "bo", "cy", "root")
    }


def test_visibility_matrix(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        who = _people(session)
        service.create_document(session, _doc("Open"), SYSTEM)
        service.create_document(
            session, _doc("Team", visibility=Visibility.TEAM, team="payments"), SYSTEM
        )
        service.create_document(
            session, _doc("Secret", visibility=Visibility.RESTRICTED, access=["bo"]), SYSTEM
        )
    expected = {
        "ana": ["Open", "Team"],
        "bo": ["Open", "Secret"],
        "cy": ["Open"],
        "root": ["Open", "Secret", "Team"],
    }
    with sessions.begin() as session:
        for name, titles in expected.items():
            viewer = who[name]
            listed = sorted(r.title for r in service.list_documents(session, viewer))
            assert listed == titles, name
            assert service.count_documents(session, viewer) == len(titles)
            for title in titles:
                assert service.get_document(session, slug(title), viewer).title == title
            for hidden in {"Open", "Team", "Secret"} - set(titles):
                with pytest.raises(NotFoundError):
                    service.get_document(session, slug(hidden), viewer)
        assert service.get_document(session, "secret", SYSTEM).access == ["bo"]
        assert service.get_document(session, "team", SYSTEM).team == "payments"


def test_restricting_keeps_the_author_in_and_is_audited(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        who = _people(session)
        doc = service.create_document(session, _doc("Breach"), who["ana"])
        assert doc.id
        restricted = doc.model_copy(update={"visibility": Visibility.RESTRICTED, "access": ["bo"]})
        service.update_document(session, doc.id, restricted, who["ana"], base_version=1)
    with sessions.begin() as session:
        assert service.get_document(session, "breach", SYSTEM).access == ["ana", "bo"]
        with pytest.raises(NotFoundError):
            service.get_document(session, "breach", who["cy"])
        actions = [e.action for e in audit.events(session)]
        assert "visibility_changed" in actions and "access_granted" in actions


def test_unknown_team_or_person_is_a_clear_error(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session, pytest.raises(InputError, match="unknown user"):
        service.create_document(
            session, _doc(visibility=Visibility.RESTRICTED, access=["ghost"]), SYSTEM
        )
    with sessions.begin() as session, pytest.raises(InputError, match="unknown team"):
        service.create_document(session, _doc(visibility=Visibility.TEAM, team="nope"), SYSTEM)


def slug(title: str) -> str:
    return service.slugify(title)


def test_viewers_cannot_write(sessions: sessionmaker[Session]) -> None:
    viewer = Principal(1, "cy", Role.VIEWER)
    with sessions.begin() as session, pytest.raises(PermissionDeniedError):
        service.create_document(session, _doc(), viewer)


def test_soft_deleted_documents_are_invisible(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        service.create_document(session, _doc(), SYSTEM)
        session.scalars(select(PostmortemRow)).one().deleted_at = datetime.now(UTC)
    with sessions.begin() as session:
        assert service.list_documents(session, SYSTEM) == []
        with pytest.raises(NotFoundError):
            service.get_document(session, "database-failover", SYSTEM)


def test_slugify() -> None:
    assert service.slugify("PM2023-002 - Logs not shipped to CloudWatch") == (
        "pm2023-002-logs-not-shipped-to-cloudwatch"
    )
    assert service.slugify("Ærø: Søren's café, Straße!") == "aero-soren-s-cafe-strasse"
    assert service.slugify("!!!") == "postmortem"


def test_concurrent_saves_from_one_version_never_both_win(db_url: str) -> None:
    """Two saves based on the same version, racing: one wins, the other is refused."""
    import threading

    from kintsugi.core.db import make_engine, make_sessionmaker

    engine = make_engine(db_url)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        service.create_document(session, _doc(), SYSTEM)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def save(title: str) -> None:
        try:
            with factory.begin() as session:
                doc = service.get_document(session, "database-failover", SYSTEM)
                barrier.wait()
                doc.title = title
                service.update_document(session, "database-failover", doc, SYSTEM, base_version=1)
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("refused")
        except Exception as exc:  # reported by the assertion below
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=save, args=(t,)) for t in ("mine", "theirs")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "saved"]
    with factory.begin() as session:
        doc = service.get_document(session, "database-failover", SYSTEM)
        assert doc.version == 2 and doc.title in ("mine", "theirs")
        assert [v.version for v in history.versions(session, doc.id or "", SYSTEM)] == [2, 1]
    engine.dispose()


def test_exports_show_action_items_as_they_are_now(sessions: sessionmaker[Session]) -> None:
    """An item completed elsewhere shows as completed in the Markdown, not as written then."""
    from kintsugi.actions.models import ActionItemRow
    from kintsugi.postmortems.export import export_document
    from kintsugi.postmortems.markdown import parse_markdown

    text = "# Failover\n\n## Action Items\n\n- Alert on replica lag\n- Document failover\n"
    with sessions.begin() as session:
        service.create_document(session, parse_markdown(text), SYSTEM)
    with sessions.begin() as session:
        assert "- Alert on replica lag" in export_document(
            service.get_document(session, "failover", SYSTEM), "md"
        )
        row = session.scalars(select(ActionItemRow).where(ActionItemRow.position == 0)).one()
        row.status = "completed"
    with sessions.begin() as session:
        exported = export_document(service.get_document(session, "failover", SYSTEM), "md")
    again = parse_markdown(exported)
    assert [(i.title, i.status.value) for i in again.action_items] == [
        ("Alert on replica lag", "completed"),
        ("Document failover", "open"),
    ]


def test_bulk_creation_stores_what_one_by_one_creation_stores(
    sessions: sessionmaker[Session], corpus: Path
) -> None:
    from kintsugi.actions.models import ActionItemHistoryRow
    from kintsugi.postmortems.export import document_json
    from kintsugi.postmortems.importer import read_document

    files = sorted((corpus / "dfds").glob("PM2021-*.md"))
    docs = [read_document(f) for f in files]
    with sessions.begin() as session:
        service.create_documents(session, docs, SYSTEM)
        bulk = [document_json(service.get_document(session, d.id or "", SYSTEM)) for d in docs]
        bulk_history = session.scalar(select(func.count(ActionItemHistoryRow.id)))
    with sessions.begin() as session:  # the same documents again, one by one, under new ids
        single = []
        for doc in docs:
            copy = doc.model_copy(update={"id": f"single-{doc.id}"})
            service.create_document(session, copy, SYSTEM)
            single.append(document_json(service.get_document(session, copy.id or "", SYSTEM)))
        single_history = session.scalar(select(func.count(ActionItemHistoryRow.id)))

    def comparable(doc: dict[str, object]) -> dict[str, object]:
        items = [{**i, "id": None} for i in doc["action_items"]]  # type: ignore[attr-defined]
        return {**doc, "id": None, "action_items": items}

    assert [comparable(d) for d in bulk] == [comparable(d) for d in single]
    assert single_history == 2 * bulk_history


def test_tags_and_services_of_many_documents_in_alphabetical_order(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        one = service.create_document(
            session, _doc("One", tags=["zeta", "alpha"], services=["web", "api"]), SYSTEM
        )
        two = service.create_document(session, _doc("Two", tags=["beta"], services=[]), SYSTEM)
        bare = service.create_document(session, _doc("Bare", tags=[], services=[]), SYSTEM)
        pk = {id: n for id, n in session.execute(select(PostmortemRow.id, PostmortemRow.pk))}
        # more pks than one statement takes, most of them of no document
        asked = [*range(10_000, 11_200), pk[one.id], pk[two.id], pk[bare.id]]
        tags, services = service.tags_and_services(session, asked)
    assert tags == {pk[one.id]: ["alpha", "zeta"], pk[two.id]: ["beta"]}
    assert services == {pk[one.id]: ["api", "web"]}
