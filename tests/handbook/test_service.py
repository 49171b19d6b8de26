"""Handbook pages in storage: defaults until edited, versions, conflicts, diff and restore
(SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from kintsugi.handbook import service
from kintsugi.people.principal import Principal, Role

ADMIN = Principal(user_id=1, username="ada", role=Role.ADMIN)
OTHER_ADMIN = Principal(user_id=2, username="bo", role=Role.ADMIN)
FACILITATOR = Principal(user_id=3, username="fay", role=Role.FACILITATOR)


def _edited(text: str, line: str) -> str:
    return text + f"\n{line}\n"


def test_the_default_is_served_until_an_admin_edits(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        pages = service.list_pages(session)
        assert [p.slug for p in pages] == ["policy", "rca", "facilitation", "learning"]
        assert all(p.is_default and p.version == 1 for p in pages)
        assert service.versions(session, "policy")[0].actor == service.DEFAULT_ACTOR
    default = service.default_markdown("policy")
    with sessions.begin() as session:
        saved = service.save_page(
            session, "policy", _edited(default, "Local addition."), ADMIN, base_version=1
        )
    assert (saved.version, saved.updated_by, saved.is_default) == (2, "ada", False)
    with sessions.begin() as session:
        page = service.get_page(session, "policy")
        assert page.markdown.endswith("Local addition.\n")
        history = service.versions(session, "policy")
        assert [(v.version, v.actor) for v in history] == [(2, "ada"), (1, "kintsugi")]
        assert service.version_text(session, "policy", 1) == default
        diff = service.diff(session, "policy", 1, 2)
    assert "+Local addition." in diff


def test_a_stale_save_is_refused_with_the_current_page(sessions: sessionmaker[Session]) -> None:
    default = service.default_markdown("rca")
    with sessions.begin() as session:
        service.save_page(session, "rca", _edited(default, "First."), ADMIN, base_version=1)
    with pytest.raises(ConflictError) as caught, sessions.begin() as session:
        service.save_page(session, "rca", _edited(default, "Second."), OTHER_ADMIN, base_version=1)
    current = caught.value.current
    assert isinstance(current, service.Page)
    assert current.version == 2 and current.markdown.endswith("First.\n")
    with sessions.begin() as session:
        assert service.get_page(session, "rca").markdown.endswith("First.\n")
        assert len(service.versions(session, "rca")) == 2


def _race(sessions: sessionmaker[Session], base: int, default: str) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def save(actor: Principal, line: str) -> None:
        barrier.wait()
        try:
            with sessions.begin() as session:
                service.save_page(
                    session, "learning", _edited(default, line), actor, base_version=base
                )
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")

    threads = [
        threading.Thread(target=save, args=(ADMIN, f"ada {base}")),
        threading.Thread(target=save, args=(OTHER_ADMIN, f"bo {base}")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_two_admins_saving_at_once_one_wins(sessions: sessionmaker[Session]) -> None:
    default = service.default_markdown("learning")
    # the first edit (an insert) and a later one (an update) are both raced
    assert _race(sessions, 1, default) == ["conflict", "saved"]
    assert _race(sessions, 2, default) == ["conflict", "saved"]
    with sessions.begin() as session:
        assert service.get_page(session, "learning").version == 3
        assert [v.version for v in service.versions(session, "learning")] == [3, 2, 1]


def test_only_admins_edit(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(PermissionDeniedError), sessions.begin() as session:
        service.save_page(
            session, "policy", service.default_markdown("policy"), FACILITATOR, base_version=1
        )


def test_dropping_a_linked_section_is_refused_and_nothing_is_stored(
    sessions: sessionmaker[Session],
) -> None:
    text = service.default_markdown("facilitation").replace("{#welcome}", "")
    with pytest.raises(InputError) as caught, sessions.begin() as session:
        service.save_page(session, "facilitation", text, ADMIN, base_version=1)
    assert "{#welcome}" in str(caught.value)
    with pytest.raises(InputError), sessions.begin() as session:
        service.save_page(session, "facilitation", "  \n", ADMIN, base_version=1)
    with sessions.begin() as session:
        assert service.get_page(session, "facilitation").is_default


def test_restore_makes_an_old_version_current_as_a_new_one(
    sessions: sessionmaker[Session],
) -> None:
    default = service.default_markdown("policy")
    with sessions.begin() as session:
        service.save_page(session, "policy", _edited(default, "Two."), ADMIN, base_version=1)
        service.save_page(session, "policy", _edited(default, "Three."), ADMIN, base_version=2)
    with sessions.begin() as session:
        page = service.restore(session, "policy", 1, OTHER_ADMIN, base_version=3)
    assert page.version == 4 and page.markdown == default
    with sessions.begin() as session:
        latest = service.versions(session, "policy")[0]
    assert (latest.actor, latest.change) == ("bo", "restored version 1")


def test_unknown_pages_and_versions(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(NotFoundError), sessions.begin() as session:
        service.get_page(session, "secrets")
    with pytest.raises(NotFoundError), sessions.begin() as session:
        service.version_text(session, "policy", 7)
