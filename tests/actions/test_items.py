"""Action items across post-mortems: add, list with filters, update with history, visibility."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions import items
from kintsugi.actions.items import ItemChanges, ItemFilters, NewItem
from kintsugi.core.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import ActionItem, ActionItemStatus, Priority, Visibility
from tests.actions.helpers import grant, make_postmortem, make_user

TODAY = date(2026, 12, 1)


def _add(sessions: sessionmaker[Session], pm: str, title: str, **kwargs: object) -> items.ItemView:
    with sessions.begin() as session:
        return items.add_item(
            session, pm, NewItem.model_validate({"title": title, **kwargs}), SYSTEM
        )


def test_add_item_records_creation_and_appends(sessions: sessionmaker[Session]) -> None:
    pm = make_postmortem(sessions, "Cache stampede", [ActionItem(title="Add jitter")])
    assert pm.id is not None
    added = _add(
        sessions, "cache", "Alert on hit ratio", owner="sre", priority="P1", due="2026-12-15"
    )
    assert added.postmortem_id == pm.id
    assert (added.owner, added.priority, added.due, added.status) == (
        "sre",
        "P1",
        date(2026, 12, 15),
        "open",
    )
    assert added.version == 1
    with sessions.begin() as session:
        doc = postmortems.get_document(session, pm.id, SYSTEM)
        history = items.item_history(session, added.id, SYSTEM)
    assert [a.title for a in doc.action_items] == ["Add jitter", "Alert on hit ratio"]
    assert len(history) == 1
    assert history[0].kind == "created"
    assert history[0].actor == "system"
    assert history[0].changes["owner"] == [None, "sre"]
    assert history[0].changes["due"] == [None, "2026-12-15"]


def test_add_to_unknown_postmortem_is_not_found(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(NotFoundError):
        _add(sessions, "nope", "Anything")


def test_update_changes_fields_and_keeps_a_history(sessions: sessionmaker[Session]) -> None:
    make_postmortem(sessions, "Disk full")
    item = _add(sessions, "disk-full", "Rotate logs", owner="ana", priority="P2")
    with sessions.begin() as session:
        moved = items.update_item(
            session,
            item.id,
            ItemChanges(status=ActionItemStatus.IN_PROGRESS, owner="ben", comment="Ben has time"),
            SYSTEM,
            base_version=1,
        )
    assert (moved.status, moved.owner, moved.version) == ("in_progress", "ben", 2)
    with sessions.begin() as session:
        done = items.update_item(
            session, item.id, ItemChanges(status=ActionItemStatus.COMPLETED), SYSTEM, base_version=2
        )
    assert done.completed_at is not None
    with sessions.begin() as session:
        reopened = items.update_item(
            session, item.id, ItemChanges(status=ActionItemStatus.OPEN), SYSTEM, base_version=3
        )
        history = items.item_history(session, item.id, SYSTEM)
    assert reopened.completed_at is None
    assert [h.kind for h in history] == ["created", "updated", "updated", "updated"]
    assert history[1].changes == {
        "status": ["open", "in_progress"],
        "owner": ["ana", "ben"],
    }
    assert history[1].comment == "Ben has time"
    assert history[3].changes == {"status": ["completed", "open"]}


def test_a_comment_alone_is_kept_and_no_change_is_no_entry(sessions: sessionmaker[Session]) -> None:
    make_postmortem(sessions, "Queue backlog")
    item = _add(sessions, "queue-backlog", "Autoscale consumers")
    with sessions.begin() as session:
        same = items.update_item(
            session, item.id, ItemChanges(title="Autoscale consumers"), SYSTEM, base_version=None
        )
        assert same.version == 1
        commented = items.update_item(
            session, item.id, ItemChanges(comment="Blocked on quota"), SYSTEM, base_version=1
        )
        history = items.item_history(session, item.id, SYSTEM)
    assert commented.version == 2
    assert [(h.kind, h.comment) for h in history] == [
        ("created", None),
        ("comment", "Blocked on quota"),
    ]


def test_wont_do_needs_a_reason_and_leaving_it_clears_the_reason(
    sessions: sessionmaker[Session],
) -> None:
    make_postmortem(sessions, "Stale flags")
    item = _add(sessions, "stale-flags", "Delete old flags")
    with sessions.begin() as session, pytest.raises(InputError, match="reason"):
        items.update_item(
            session,
            item.id,
            ItemChanges(status=ActionItemStatus.WONT_DO),
            SYSTEM,
            base_version=None,
        )
    with sessions.begin() as session:
        dropped = items.update_item(
            session,
            item.id,
            ItemChanges(status=ActionItemStatus.WONT_DO, wont_do_reason="Flags service retired"),
            SYSTEM,
            base_version=None,
        )
    assert dropped.wont_do_reason == "Flags service retired"
    with sessions.begin() as session:
        back = items.update_item(
            session, item.id, ItemChanges(status=ActionItemStatus.OPEN), SYSTEM, base_version=None
        )
    assert back.wont_do_reason is None


def test_stale_version_is_refused_with_the_current_item(sessions: sessionmaker[Session]) -> None:
    make_postmortem(sessions, "DNS outage")
    item = _add(sessions, "dns-outage", "Lower TTLs")
    with sessions.begin() as session:
        items.update_item(session, item.id, ItemChanges(owner="ops"), SYSTEM, base_version=1)
    with sessions.begin() as session, pytest.raises(ConflictError) as caught:
        items.update_item(session, item.id, ItemChanges(owner="dev"), SYSTEM, base_version=1)
    current = caught.value.current
    assert isinstance(current, items.ItemView)
    assert (current.owner, current.version) == ("ops", 2)


def test_viewers_cannot_write(sessions: sessionmaker[Session]) -> None:
    make_postmortem(sessions, "Cert expiry")
    item = _add(sessions, "cert-expiry", "Automate renewal")
    viewer = make_user(sessions, "vera")
    with sessions.begin() as session, pytest.raises(PermissionDeniedError):
        items.update_item(session, item.id, ItemChanges(owner="vera"), viewer, base_version=None)
    with sessions.begin() as session, pytest.raises(PermissionDeniedError):
        items.add_item(session, "cert-expiry", NewItem(title="x"), viewer)
    editor = make_user(sessions, "eddie", role=Role.EDITOR)
    with sessions.begin() as session:
        changed = items.update_item(
            session, item.id, ItemChanges(owner="eddie"), editor, base_version=None
        )
        history = items.item_history(session, item.id, editor)
    assert changed.owner == "eddie"
    assert history[-1].actor == "eddie"


def test_filters(sessions: sessionmaker[Session]) -> None:
    make_postmortem(sessions, "Outage A")
    make_postmortem(sessions, "Outage B")
    make_user(sessions, "ana", teams=["payments"])
    _add(sessions, "outage-a", "late p0", owner="ana", priority="P0", due=TODAY - timedelta(days=3))
    _add(
        sessions,
        "outage-a",
        "team p1",
        owner="Payments",
        priority="P1",
        due=TODAY + timedelta(days=3),
    )
    _add(
        sessions,
        "outage-b",
        "done p1",
        owner="ben",
        priority="P1",
        status="completed",
        due=TODAY - timedelta(days=9),
    )
    _add(sessions, "outage-b", "nothing", owner=None)

    def titles(**kwargs: object) -> list[str]:
        with sessions.begin() as session:
            found = items.list_items(session, SYSTEM, ItemFilters(**kwargs), today=TODAY)  # type: ignore[arg-type]
            count = items.count_items(session, SYSTEM, ItemFilters(**kwargs), today=TODAY)  # type: ignore[arg-type]
        assert count == len(found)
        return [i.title for i in found]

    assert titles() == ["late p0", "team p1", "nothing", "done p1"]
    assert titles(owner="ANA") == ["late p0"]
    assert titles(team="payments") == ["late p0", "team p1"]
    assert titles(priority="p1") == ["team p1", "done p1"]
    assert titles(priority="none") == ["nothing"]
    assert titles(status="completed") == ["done p1"]
    assert titles(status="in progress") == []
    assert titles(overdue=True) == ["late p0"]
    assert titles(postmortem="outage-b") == ["nothing", "done p1"]
    with pytest.raises(InputError, match="priority"):
        titles(priority="P9")
    with sessions.begin() as session:
        late = items.list_items(session, SYSTEM, ItemFilters(overdue=True), today=TODAY)[0]
    assert late.overdue is True


def test_team_owner_kind_is_recognised(sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "ana", teams=["SRE"])
    make_postmortem(sessions, "Pager storm")
    team_item = _add(sessions, "pager-storm", "Tune alerts", owner="sre")
    person_item = _add(sessions, "pager-storm", "Write runbook", owner="ana")
    explicit = _add(sessions, "pager-storm", "Review", owner="platform", owner_kind="team")
    assert (team_item.owner_kind, person_item.owner_kind, explicit.owner_kind) == (
        "team",
        "person",
        "team",
    )


def test_items_of_restricted_postmortems_stay_hidden(sessions: sessionmaker[Session]) -> None:
    make_postmortem(sessions, "Public incident", [ActionItem(title="public item")])
    secret = make_postmortem(
        sessions,
        "Security incident",
        [ActionItem(title="secret item", owner="sec")],
        visibility=Visibility.RESTRICTED,
    )
    assert secret.id is not None
    secret_id = secret.action_items[0].id
    assert secret_id is not None
    outsider = make_user(sessions, "olga", role=Role.EDITOR)
    insider = make_user(sessions, "ines", role=Role.EDITOR)
    grant(sessions, secret.id, insider)
    with sessions.begin() as session:
        assert [i.title for i in items.list_items(session, outsider)] == ["public item"]
        assert items.count_items(session, outsider) == 1
        with pytest.raises(NotFoundError):
            items.get_item(session, secret_id, outsider)
        with pytest.raises(NotFoundError):
            items.item_history(session, secret_id, outsider)
        with pytest.raises(NotFoundError):
            items.update_item(
                session, secret_id, ItemChanges(owner="x"), outsider, base_version=None
            )
        assert sorted(i.title for i in items.list_items(session, insider)) == [
            "public item",
            "secret item",
        ]
        assert items.get_item(session, secret_id, insider).title == "secret item"


def test_document_saves_keep_ids_and_record_history(sessions: sessionmaker[Session]) -> None:
    pm = make_postmortem(sessions, "Failover", [ActionItem(title="Alert on lag", owner="sre")])
    assert pm.id is not None
    item_id = pm.action_items[0].id
    assert item_id is not None
    with sessions.begin() as session:
        items.update_item(
            session,
            item_id,
            ItemChanges(status=ActionItemStatus.WONT_DO, wont_do_reason="replaced by SLO alert"),
            SYSTEM,
            base_version=None,
        )
    with sessions.begin() as session:
        doc = postmortems.get_document(session, pm.id, SYSTEM)
        doc.action_items[0].priority = Priority.P1
        doc.action_items.append(ActionItem(title="Practise failover", owner="dba"))
        postmortems.update_document(session, pm.id, doc, SYSTEM, base_version=doc.version)
    with sessions.begin() as session:
        same = items.get_item(session, item_id, SYSTEM)
        history = items.item_history(session, item_id, SYSTEM)
        listed = items.list_items(session, SYSTEM, ItemFilters(postmortem=pm.id))
    assert same.priority == "P1"
    assert same.wont_do_reason == "replaced by SLO alert"
    assert [h.actor for h in history] == ["document", "system", "document"]
    assert history[-1].changes == {"priority": [None, "P1"]}
    assert {i.title for i in listed} == {"Alert on lag", "Practise failover"}


def test_a_stale_document_save_keeps_newer_item_changes(sessions: sessionmaker[Session]) -> None:
    from kintsugi.actions.service import sync_document_items
    from kintsugi.core.types import utcnow
    from kintsugi.postmortems.models import PostmortemRow

    pm = make_postmortem(sessions, "Failover", [ActionItem(title="Alert on lag", owner="sre")])
    loaded_at = utcnow()
    stale_copy = pm.action_items[0].model_copy()
    item_id = stale_copy.id
    assert item_id is not None
    with sessions.begin() as session:
        items.update_item(
            session,
            item_id,
            ItemChanges(status=ActionItemStatus.COMPLETED),
            SYSTEM,
            base_version=None,
        )
    with sessions.begin() as session:
        pk = session.query(PostmortemRow.pk).filter_by(id=pm.id).scalar()
        kept = sync_document_items(session, pk, [stale_copy], keep_changes_after=loaded_at)
        assert kept[0].status == ActionItemStatus.COMPLETED
        overwritten = sync_document_items(session, pk, [stale_copy])
        assert overwritten[0].status == ActionItemStatus.OPEN
