"""The post-mortem editor's row editors: timeline events and action items, one row at a time."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.audit import service as audit
from kintsugi.people.principal import Role


def _new(client: TestClient, title: str = "Queue backlog", zone: str = "Asia/Tokyo") -> str:
    response = client.post(
        "/postmortems/new",
        data={"title": title, "template": "postmortem"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    id = response.headers["location"].removesuffix("/edit").removeprefix("/postmortems/")
    doc = client.get(f"/api/v1/postmortems/{id}").json()
    saved = client.post(
        f"/postmortems/{id}/edit",
        data={
            "title": title,
            "markdown": "## Summary\n\nThe queue backed up.\n",
            "base_version": str(doc["version"]),
            "timezone": zone,
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    return id


def _doc(client: TestClient, id: str) -> dict:  # type: ignore[type-arg]
    return client.get(f"/api/v1/postmortems/{id}").json()  # type: ignore[no-any-return]


def _ids(html: str, kind: str) -> list[int]:
    return [int(n) for n in re.findall(rf'<li id="{kind}-(\d+)"', html)]


def test_events_are_added_edited_and_deleted_by_row_keeping_their_ids(
    client: TestClient,
) -> None:
    id = _new(client)
    version = _doc(client, id)["version"]
    added = client.post(
        f"/postmortems/{id}/timeline/rows",
        data={"at": "2026-03-02 14:05", "text": "Queue depth alert fires", "actor": "pager"},
    )
    assert added.status_code == 200, added.text
    client.post(
        f"/postmortems/{id}/timeline/rows", data={"at": "13:50", "text": "Deploy of the consumer"}
    )
    doc = _doc(client, id)
    assert doc["version"] == version + 2
    # times are typed in the post-mortem's zone (Tokyo: UTC+9); a bare time takes the day
    assert [(e["at"], e["text"]) for e in doc["timeline"]] == [
        ("2026-03-02T13:50:00+09:00", "Deploy of the consumer"),
        ("2026-03-02T14:05:00+09:00", "Queue depth alert fires"),
    ]
    section = client.get(f"/postmortems/{id}/timeline/rows").text
    first, second = _ids(section, "event")
    assert 'value="2026-03-02 13:50"' in section
    # moving an event in time keeps its id and re-sorts the rows
    moved = client.post(
        f"/postmortems/{id}/timeline/rows/{first}",
        data={"at": "2026-03-02 14:20", "text": "Deploy of the consumer (v2)", "actor": ""},
    )
    assert moved.status_code == 200
    assert moved.headers["HX-Retarget"] == "#timeline-rows"
    assert _ids(moved.text, "event") == [second, first]
    assert "Deploy of the consumer (v2)" in moved.text
    # the Markdown shows the change, and the new version goes back to the editor
    assert 'id="base-version"' in moved.text and "data-fresh" in moved.text
    editor = client.get(f"/postmortems/{id}/edit").text
    assert "2026-03-02 14:20 | Deploy of the consumer (v2)" in editor
    deleted = client.post(f"/postmortems/{id}/timeline/rows/{second}/delete")
    assert _ids(deleted.text, "event") == [first]
    assert [e["text"] for e in _doc(client, id)["timeline"]] == ["Deploy of the consumer (v2)"]


def test_a_time_that_does_not_parse_is_refused_naming_the_field(client: TestClient) -> None:
    id = _new(client)
    client.post(f"/postmortems/{id}/timeline/rows", data={"at": "2026-03-02 14:05", "text": "A"})
    before = _doc(client, id)
    [event] = _ids(client.get(f"/postmortems/{id}/timeline/rows").text, "event")
    refused = client.post(
        f"/postmortems/{id}/timeline/rows/{event}", data={"at": "half past two", "text": "B"}
    )
    assert refused.status_code == 422
    assert "time: 'half past two' is not a time" in unescape(refused.text)
    assert 'aria-invalid="true"' in refused.text and 'value="half past two"' in refused.text
    empty = client.post(f"/postmortems/{id}/timeline/rows", data={"at": "14:00", "text": " "})
    assert empty.status_code == 422 and "text: the event needs a text" in empty.text
    assert _doc(client, id) == before


def test_items_are_added_edited_and_deleted_by_row(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    id = _new(client)
    added = client.post(
        f"/postmortems/{id}/actions/rows",
        data={"title": "Alert on queue age", "owner": "admin", "priority": "P1", "status": "open"},
    )
    assert added.status_code == 200, added.text
    [item] = _doc(client, id)["action_items"]
    assert item["owner"] == "admin" and item["priority"] == "P1"
    stored = client.get(f"/api/v1/actions/{item['id']}").json()
    edited = client.post(
        f"/postmortems/{id}/actions/rows/{item['id']}",
        data={
            "base_version": str(stored["version"]),
            "title": "Alert on queue age over 5 minutes",
            "owner": "",
            "priority": "P0",
            "due": "2026-04-01",
            "status": "in_progress",
            "kind": "detection",
        },
    )
    assert edited.status_code == 200, edited.text
    assert edited.text.startswith('<li id="item-') or f'id="item-{item["id"]}"' in edited.text
    [after] = _doc(client, id)["action_items"]
    assert after["id"] == item["id"]  # the same item, changed
    assert (after["title"], after["owner"], after["priority"], after["due"], after["kind"]) == (
        "Alert on queue age over 5 minutes",
        None,
        "P0",
        "2026-04-01",
        "detection",
    )
    assert "Alert on queue age over 5 minutes" in client.get(f"/postmortems/{id}/edit").text
    history = client.get(f"/api/v1/actions/{item['id']}/history").json()
    assert history[-1]["actor"] == "admin" and "title" in history[-1]["changes"]
    deleted = client.post(f"/postmortems/{id}/actions/rows/{item['id']}/delete")
    assert deleted.status_code == 200 and "No action items yet." in deleted.text
    assert _doc(client, id)["action_items"] == []
    with app_sessions() as session:
        assert [e.action for e in audit.events(session)][:1] == ["action_item_deleted"]


def test_a_bad_due_date_is_refused_and_nothing_changes(client: TestClient) -> None:
    id = _new(client)
    client.post(f"/postmortems/{id}/actions/rows", data={"title": "Write the runbook"})
    before = _doc(client, id)
    item = before["action_items"][0]
    refused = client.post(
        f"/postmortems/{id}/actions/rows/{item['id']}",
        data={"base_version": "1", "title": "Write the runbook", "due": "next week"},
    )
    assert refused.status_code == 422
    assert "due date: 'next week' is not a date" in unescape(refused.text)
    no_title = client.post(f"/postmortems/{id}/actions/rows", data={"title": ""})
    assert no_title.status_code == 422 and "title: the action needs a title" in no_title.text
    assert _doc(client, id) == before


def test_an_owner_is_matched_to_a_person_or_flagged(
    client: TestClient, make_user: Callable[..., str], app_sessions: sessionmaker[Session]
) -> None:
    from kintsugi.people.models import User

    make_user("tomas")
    with app_sessions.begin() as session:
        user = session.query(User).filter_by(username="tomas").one()
        user.display_name, user.email = "Tomás Ferreira", "tomas@example.com"
    id = _new(client)
    for owner in ("Tomas Ferreira", "TOMAS@example.com", "Ana Nobody"):
        client.post(
            f"/postmortems/{id}/actions/rows", data={"title": f"Item of {owner}", "owner": owner}
        )
    owners = [i["owner"] for i in _doc(client, id)["action_items"]]
    assert owners == ["tomas", "tomas", "Ana Nobody"]
    section = client.get(f"/postmortems/{id}/actions/rows").text
    assert section.count("not a known person") == 1
    assert "Tomás Ferreira" in section


def test_a_viewer_gets_the_rows_without_controls(
    app: FastAPI, client: TestClient, make_user: Callable[..., str]
) -> None:
    id = _new(client)
    client.post(f"/postmortems/{id}/timeline/rows", data={"at": "2026-03-02 14:05", "text": "A"})
    client.post(f"/postmortems/{id}/actions/rows", data={"title": "Write the runbook"})
    token = make_user("vera", Role.VIEWER, "read")
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as viewer:
        for kind in ("timeline", "actions"):
            rows = viewer.get(f"/postmortems/{id}/{kind}/rows")
            assert rows.status_code == 200
            assert "<form" not in rows.text and "<button" not in rows.text
        assert "Write the runbook" in viewer.get(f"/postmortems/{id}/actions/rows").text
        refused = viewer.post(
            f"/postmortems/{id}/timeline/rows", data={"at": "2026-03-02 15:00", "text": "B"}
        )
        assert refused.status_code == 403
    assert len(_doc(client, id)["timeline"]) == 1


def test_saving_the_text_after_row_edits_keeps_the_rows_ids(client: TestClient) -> None:
    id = _new(client)
    client.post(f"/postmortems/{id}/timeline/rows", data={"at": "2026-03-02 14:05", "text": "A"})
    client.post(f"/postmortems/{id}/actions/rows", data={"title": "Write the runbook"})
    events = _ids(client.get(f"/postmortems/{id}/timeline/rows").text, "event")
    items = _ids(client.get(f"/postmortems/{id}/actions/rows").text, "item")
    editor = client.get(f"/postmortems/{id}/edit").text
    text = unescape(re.search(r'<textarea name="markdown"[^>]*>(.*?)</textarea>', editor, re.S)[1])  # type: ignore[index]
    assert "| 2026-03-02 14:05 | A |" in text and "Write the runbook" in text
    version = re.search(r'name="base_version" value="(\d+)" id="base-version"', editor)[1]  # type: ignore[index]
    saved = client.post(
        f"/postmortems/{id}/edit",
        data={"title": "Queue backlog", "markdown": text.replace("A |", "A, then B |"),
              "base_version": version, "timezone": "Asia/Tokyo"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    assert _ids(client.get(f"/postmortems/{id}/timeline/rows").text, "event") == events
    assert _ids(client.get(f"/postmortems/{id}/actions/rows").text, "item") == items
    assert [e["text"] for e in _doc(client, id)["timeline"]] == ["A, then B"]
