"""Separation of duties: the authors of a SEV1/SEV2 post-mortem neither answer its checklist's
judgement items nor approve and publish it, whatever their role; someone else does."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.audit.models import AuditEvent
from kintsugi.core.errors import PermissionDeniedError
from kintsugi.metrics.checklist import check_document, set_answer
from kintsugi.metrics.policy import Policy
from kintsugi.people import service as people
from kintsugi.people.permissions import Action
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems import review, service
from kintsugi.postmortems.document import Document, Section, Severity, Status

ROLES = [Role.EDITOR, Role.FACILITATOR, Role.ADMIN]


def _person(
    sessions: sessionmaker[Session], name: str, role: Role, display_name: str = ""
) -> Principal:
    with sessions.begin() as session:
        user = people.create_user(session, SYSTEM, name, role=role, display_name=display_name)
        return people.principal_for(session, user)


def _draft(
    sessions: sessionmaker[Session],
    author: Principal,
    severity: Severity | None = Severity.SEV2,
    authors: list[str] | None = None,
) -> str:
    doc = Document(
        title="Checkout outage",
        severity=severity,
        authors=authors or [],
        sections=[Section(key="summary", heading="Summary", markdown="The pool ran dry.")],
    )
    with sessions.begin() as session:
        stored = service.create_document(session, doc, author)
        service.change_status(session, stored.id or "", Status.IN_REVIEW, author)
        return stored.id or ""


def _publish(sessions: sessionmaker[Session], id: str, actor: Principal) -> Document:
    with sessions.begin() as session:
        return service.change_status(session, id, Status.PUBLISHED, actor)


def _may(sessions: sessionmaker[Session], actor: Principal, id: str, action: Action) -> bool:
    with sessions() as session:
        pk = service.find_row(session, id, actor).pk
        return review.may_review(session, actor, pk, action)


@pytest.mark.parametrize("role", ROLES)
def test_the_creator_cannot_publish_or_answer_whatever_the_role(
    sessions: sessionmaker[Session], role: Role
) -> None:
    author = _person(sessions, "ann", role)
    id = _draft(sessions, author)
    with pytest.raises(PermissionDeniedError, match="reviewer other than the post-mortem's"):
        _publish(sessions, id, author)
    with pytest.raises(PermissionDeniedError, match="judgement items"), sessions.begin() as s:
        set_answer(s, id, "executive_summary", "passed", author)
    assert not _may(sessions, author, id, Action.ANSWER_CHECKLIST)
    assert not _may(sessions, author, id, Action.EDIT_POSTMORTEMS)
    with sessions() as session:
        assert service.get_document(session, id, SYSTEM).status == Status.IN_REVIEW


@pytest.mark.parametrize("role", ROLES)
def test_someone_else_answers_approves_and_publishes(
    sessions: sessionmaker[Session], role: Role
) -> None:
    author = _person(sessions, "ann", Role.EDITOR)
    reviewer = _person(sessions, "rob", role)
    id = _draft(sessions, author)
    assert _may(sessions, reviewer, id, Action.ANSWER_CHECKLIST)
    with sessions.begin() as session:
        set_answer(session, id, "executive_summary", "passed", reviewer, note="clear")
    with sessions() as session:
        checklist = check_document(session, id, reviewer, Policy())
    summary = next(r for r in checklist.results if r.key == "executive_summary")
    assert (summary.state, summary.answered_by) == ("passed", "rob")
    published = _publish(sessions, id, reviewer)
    assert published.status == Status.PUBLISHED
    assert published.extra[review.APPROVAL]["by"] == "rob"
    with sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "review_approved")
        ).all()
    assert [(e.actor, e.target) for e in events] == [("rob", id)]
    assert events[0].detail["authors"] == ["ann"]


def test_an_author_named_in_the_document_is_an_author_by_display_name(
    sessions: sessionmaker[Session],
) -> None:
    writer = _person(sessions, "ann", Role.EDITOR)
    named = _person(sessions, "bea", Role.ADMIN, display_name="Bea Berg")
    id = _draft(sessions, writer, authors=["Bea Berg"])
    with pytest.raises(PermissionDeniedError):
        _publish(sessions, id, named)
    other = _person(sessions, "cy", Role.EDITOR)
    assert _publish(sessions, id, other).status == Status.PUBLISHED


def test_the_rule_leaves_sev3_alone_by_default(sessions: sessionmaker[Session]) -> None:
    author = _person(sessions, "ann", Role.EDITOR)
    id = _draft(sessions, author, severity=Severity.SEV3)
    assert _may(sessions, author, id, Action.ANSWER_CHECKLIST)
    published = _publish(sessions, id, author)
    assert published.status == Status.PUBLISHED
    assert review.APPROVAL not in published.extra


def test_pages_read_the_authors_only_where_the_rule_applies(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    """Every post-mortem page asks the rule; a SEV3 page need not read who wrote it."""
    author = _person(sessions, "ann", Role.EDITOR)
    sev3 = _draft(sessions, author, severity=Severity.SEV3)
    sev1 = _draft(sessions, author, severity=Severity.SEV1)
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert _may(sessions, author, sev3, Action.EDIT_POSTMORTEMS)
        on_sev3 = [s for s in statements if "postmortem_authors" in s]
        statements.clear()
        assert not _may(sessions, author, sev1, Action.EDIT_POSTMORTEMS)
        on_sev1 = [s for s in statements if "postmortem_authors" in s]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert on_sev3 == [] and len(on_sev1) == 1


def test_the_setting_chooses_the_severities(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    author = _person(sessions, "ann", Role.ADMIN)
    monkeypatch.setenv("KINTSUGI_REVIEW_SEPARATION", "all")
    unrated = _draft(sessions, author, severity=None)
    with pytest.raises(PermissionDeniedError):
        _publish(sessions, unrated, author)
    monkeypatch.setenv("KINTSUGI_REVIEW_SEPARATION", "none")
    assert _publish(sessions, unrated, author).status == Status.PUBLISHED
    sev1 = _draft(sessions, author, severity=Severity.SEV1)
    assert _publish(sessions, sev1, author).status == Status.PUBLISHED


def test_the_local_operator_is_outside_the_rule(sessions: sessionmaker[Session]) -> None:
    id = _draft(sessions, SYSTEM, severity=Severity.SEV1)
    assert _publish(sessions, id, SYSTEM).status == Status.PUBLISHED


def test_a_viewer_may_not_review_by_role(sessions: sessionmaker[Session]) -> None:
    author = _person(sessions, "ann", Role.EDITOR)
    viewer = _person(sessions, "vi", Role.VIEWER)
    id = _draft(sessions, author)
    assert not _may(sessions, viewer, id, Action.ANSWER_CHECKLIST)
    with pytest.raises(PermissionDeniedError, match="editor role"):
        _publish(sessions, id, viewer)


def test_settings_parse_severities() -> None:
    settings = review.ReviewSettings(review_separation=" sev1 , SEV3 ")
    assert [settings.applies_to(s) for s in ("SEV1", "SEV2", "SEV3", None)] == [
        True,
        False,
        True,
        False,
    ]
    assert review.ReviewSettings(review_separation="off").applies_to("SEV1") is False
