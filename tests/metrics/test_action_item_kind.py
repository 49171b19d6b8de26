"""The optional kind of action items: Markdown tables (a "Kind" column that round-trips),
the API and CLI, and a document save that does not clear a kind set elsewhere."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions import items
from kintsugi.actions.items import ItemChanges
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import ActionItem, ActionItemKind, ActionItemStatus, Priority
from kintsugi.postmortems.markdown import parse_markdown, render_markdown
from kintsugi.postmortems.tables import parse_action_item_tokens, render_action_items, tokenize
from tests.metrics.helpers import incident

TABLE = """| Action | Owner | Priority | Due | Status | Kind |
| --- | --- | --- | --- | --- | --- |
| Write the failover runbook | ana | P1 | 2026-05-01 | open | documentation |
| Raise the pool limit | bo | P0 | 2026-04-01 | completed |  |
"""


def test_a_kind_column_is_read_and_written_back_exactly() -> None:
    parsed = parse_action_item_tokens(tokenize(TABLE))
    assert [i.kind for i in parsed] == [ActionItemKind.DOCUMENTATION, None]
    assert render_action_items(parsed) == TABLE


def test_tables_without_kinds_are_written_as_before() -> None:
    plain = [ActionItem(title="Fix it", owner="ana", priority=Priority.P1, due=date(2026, 5, 1))]
    assert (
        render_action_items(plain).splitlines()[0] == "| Action | Owner | Priority | Due | Status |"
    )
    checklist = [ActionItem(title="Fix it"), ActionItem(title="Docs", kind=ActionItemKind.PROCESS)]
    assert render_action_items(checklist).startswith("| Action |")
    assert render_action_items(checklist[:1]) == "- [ ] Fix it\n"


def test_an_unknown_kind_or_a_type_column_is_not_a_kind() -> None:
    text = "| Action | Type | Kind |\n| --- | --- | --- |\n| Fix it | documentation | bogus |\n"
    assert parse_action_item_tokens(tokenize(text))[0].kind is None


def test_a_document_with_kinds_round_trips() -> None:
    markdown = f"---\nid: kinds\ntitle: Kinds\n---\n# Kinds\n\n## Action Items\n\n{TABLE}"
    doc = parse_markdown(markdown)
    assert render_markdown(parse_markdown(render_markdown(doc))) == render_markdown(doc)
    assert doc.action_items[0].kind == ActionItemKind.DOCUMENTATION


def test_kind_is_stored_and_a_document_save_without_it_keeps_it(
    sessions: sessionmaker[Session],
) -> None:
    incident(sessions, "k", items=[ActionItem(title="Update the wiki page")])
    with sessions.begin() as session:
        item_id = items.list_items(session, SYSTEM)[0].id
        updated = items.update_item(
            session, item_id, ItemChanges(kind=ActionItemKind.DOCUMENTATION), SYSTEM,
            base_version=None,
        )  # fmt: skip
    assert updated.kind == "documentation"
    with sessions.begin() as session:
        doc = postmortems.get_document(session, "k", SYSTEM)
        assert doc.action_items[0].kind == ActionItemKind.DOCUMENTATION
        plain = doc.model_copy(
            update={
                "action_items": [
                    ActionItem(title="Update the wiki page", status=ActionItemStatus.COMPLETED)
                ]
            }
        )
        postmortems.update_document(session, "k", plain, SYSTEM, base_version=None)
    with sessions() as session:
        stored = postmortems.get_document(session, "k", SYSTEM).action_items[0]
    assert (stored.kind, stored.status) == (
        ActionItemKind.DOCUMENTATION,
        ActionItemStatus.COMPLETED,
    )


def test_the_api_sets_and_validates_kind(client: TestClient) -> None:
    client.post("/api/v1/postmortems", json={"title": "Kinds"})
    made = client.post(
        "/api/v1/actions",
        json={"postmortem_id": "kinds", "title": "Document the restore", "kind": "documentation"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["kind"] == "documentation"
    item = made.json()
    changed = client.patch(
        f"/api/v1/actions/{item['id']}",
        json={"kind": "prevention", "base_version": item["version"]},
    )
    assert changed.json()["kind"] == "prevention"
    bad = client.post(
        "/api/v1/actions", json={"postmortem_id": "kinds", "title": "x", "kind": "chores"}
    )
    assert bad.status_code == 422
