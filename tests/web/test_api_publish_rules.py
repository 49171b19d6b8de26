"""Creating through the API never skips the publish rules, and never reveals hidden ids
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.audit import service as audit
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Document, Visibility

PUBLISHED_LONG_AGO = (
    "---\nid: 2024-03-04-backlog\nstatus: {status}\ntimezone: Europe/Berlin\n"
    "published_at: 2024-03-07T10:00:00+01:00\n---\n\n# Backlog\n\n## Summary\n\nLate mail.\n"
)


def _client(app_client: TestClient, token: str) -> TestClient:
    return TestClient(app_client.app, headers={"Authorization": f"Bearer {token}"})


def test_an_editor_cannot_create_a_published_post_mortem(
    client: TestClient, make_user: Callable[..., str], app_sessions: sessionmaker[Session]
) -> None:
    with _client(client, make_user("ed", Role.EDITOR)) as editor:
        markdown = PUBLISHED_LONG_AGO.format(status="published")
        refused = editor.post("/api/v1/postmortems", json={"markdown": markdown})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"].startswith("status: ")
        assert editor.get("/api/v1/postmortems/2024-03-04-backlog").status_code == 404
        # in review is one step from a draft: allowed, and no publication time is kept
        review = editor.post(
            "/api/v1/postmortems", json={"markdown": PUBLISHED_LONG_AGO.format(status="in_review")}
        )
        assert review.status_code == 201, review.text
        assert review.json()["status"] == "in_review"
        assert review.json()["published_at"] is None


def test_an_admins_import_keeps_the_time_and_is_audited(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    markdown = PUBLISHED_LONG_AGO.format(status="published")
    created = client.post("/api/v1/postmortems", json={"markdown": markdown})
    assert created.status_code == 201, created.text
    assert created.json()["published_at"] == "2024-03-07T10:00:00+01:00"
    with app_sessions() as session:
        events = audit.events(session, action="imported_published")
    assert [(e.actor, e.target) for e in events] == [("admin", "2024-03-04-backlog")]
    assert events[0].detail["published_at"] == "2024-03-07T09:00:00+00:00"


def test_an_edit_does_not_move_the_publication_time(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    client.post(
        "/api/v1/postmortems", json={"markdown": PUBLISHED_LONG_AGO.format(status="published")}
    )
    with _client(client, make_user("ed", Role.EDITOR)) as editor:
        moved = PUBLISHED_LONG_AGO.format(status="published").replace(
            "2024-03-07T10:00", "2024-03-04T17:00"
        )
        edited = editor.put(
            "/api/v1/postmortems/2024-03-04-backlog", json={"markdown": moved, "base_version": 1}
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["published_at"] == "2024-03-07T10:00:00+01:00"


def test_a_hidden_id_answers_as_any_taken_id(
    client: TestClient, make_user: Callable[..., str], app_sessions: sessionmaker[Session]
) -> None:
    with app_sessions.begin() as session:
        for id, visibility in (("secret-merger", Visibility.RESTRICTED), ("open-one", None)):
            doc = Document(id=id, title=f"Title of {id}", visibility=visibility or "organisation")
            service.create_document(session, doc, SYSTEM)
    with _client(client, make_user("ed", Role.EDITOR)) as editor:
        answers = {}
        for id in ("secret-merger", "open-one"):
            markdown = f"---\nid: {id}\n---\n\n# Mine\n"
            response = editor.post("/api/v1/postmortems", json={"markdown": markdown})
            assert response.status_code == 409, response.text
            answers[id] = response.json()["detail"].replace(id, "ID")
            assert "Title of" not in response.text and "current" not in response.json()
            assert "exists" not in response.text  # says the id is taken, not what took it
        assert answers["secret-merger"] == answers["open-one"]  # nothing tells them apart
        free = editor.post("/api/v1/postmortems", json={"markdown": "---\nid: free\n---\n# A\n"})
        assert free.status_code == 201, free.text
