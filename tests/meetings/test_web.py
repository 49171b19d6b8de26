"""The meetings API and pages: plan, read, run a session, finish; roles and visibility."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.handbook import training
from kintsugi.meetings.ics import validate_ics
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from tests.meetings.helpers import MARKDOWN


def _doc(client: TestClient) -> dict[str, object]:
    made = client.post("/api/v1/postmortems", json={"markdown": MARKDOWN})
    assert made.status_code == 201, made.text
    return dict(made.json())


def test_api_plans_runs_and_finishes_a_review(client: TestClient) -> None:
    _doc(client)
    planned = client.post(
        "/api/v1/meetings",
        json={
            "postmortem_ids": ["checkout-pool"],
            "when": "2026-12-03 14:00",
            "duration_minutes": 90,
        },
    )
    assert planned.status_code == 201, planned.text
    meeting = planned.json()
    assert meeting["timezone"] == "Europe/Copenhagen"
    assert meeting["deadline"]["missed"] is True
    assert [p["key"] for p in meeting["agenda"]][-1] == "closing"
    mid = meeting["id"]
    ics = client.get(f"/api/v1/meetings/{mid}/invite.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert validate_ics(ics.content) == []
    moved = client.post(
        f"/api/v1/meetings/{mid}/reschedule",
        json={"when": "2026-11-21 14:00", "duration_minutes": 60},
    )
    assert moved.json()["sequence"] == 1 and moved.json()["deadline"]["missed"] is False
    assert client.get(f"/api/v1/meetings/{mid}/script").json()["responders"] == [
        "release-bot",
        "Tomás",
        "Alice",
    ]
    checklist = {i["key"]: i for i in client.get(f"/api/v1/meetings/{mid}/checklist").json()}
    assert checklist["logs-metrics"]["found"][0]["url"] == "https://grafana.example.com/d/checkout"
    assert checklist["runbooks"]["ready"] is True
    started = client.post(f"/api/v1/meetings/{mid}/start")
    assert started.json()["part"]["key"] == "welcome"
    assert (
        client.post(f"/api/v1/meetings/{mid}/advance", json={"part": "went-well"}).json()["part"][
            "key"
        ]
        == "went-well"
    )
    note = client.post(
        f"/api/v1/meetings/{mid}/notes",
        json={"part": "went-well", "text": "Paging reached the right people"},
    )
    assert note.status_code == 201, note.text
    blame = client.post(
        f"/api/v1/meetings/{mid}/lint", json={"text": "John forgot to restart the service"}
    ).json()
    assert blame and "redirect" in blame[0]
    client.post(
        f"/api/v1/meetings/{mid}/notes",
        json={
            "part": "action-items",
            "text": "Alert on pool saturation",
            "owner": "Tomás",
            "priority": "P1",
            "due": "2026-12-15",
        },
    )
    stale = client.post(f"/api/v1/meetings/{mid}/finish", json={"base_version": 0})
    assert stale.status_code == 409 and "current" in stale.json()
    done = client.post(f"/api/v1/meetings/{mid}/finish", json={"attended": ["Ana"]})
    assert done.status_code == 200, done.text
    assert done.json()["sections"] == ["what_went_well", "action_items"]
    doc = client.get("/api/v1/postmortems/checkout-pool").json()
    assert [(a["title"], a["owner"], a["priority"], a["due"]) for a in doc["action_items"]] == [
        ("Alert on pool saturation", "Tomás", "P1", "2026-12-15")
    ]
    assert "Paging reached the right people" in next(
        s["markdown"] for s in doc["sections"] if s["key"] == "what_went_well"
    )
    shown = client.get(f"/api/v1/meetings/{mid}").json()
    assert shown["status"] == "held"
    assert [f["kind"] for f in shown["followups"]] == ["notes_sent", "published", "actions_check"]
    listed = client.get("/api/v1/meetings", params={"postmortem": "checkout-pool"}).json()["items"]
    assert [m["id"] for m in listed] == [mid]


def test_api_refuses_a_time_in_the_past_naming_the_field(client: TestClient) -> None:
    _doc(client)  # the clock stands at 2026-11-20 12:00 UTC (conftest)
    past = {"postmortem_ids": ["checkout-pool"], "when": "2026-11-20 12:59"}  # 11:59 UTC
    refused = client.post("/api/v1/meetings", json=past)
    assert refused.status_code == 422
    assert refused.json() == {
        "detail": "when: 2026-11-20 12:59 CET is in the past: choose a time from now on "
        "(it is 2026-11-20 13:00 CET)"
    }
    assert client.get("/api/v1/meetings").json() == {"items": []}
    refused = client.post(
        "/api/v1/meetings",
        json={"postmortem_ids": ["checkout-pool"], "starts_at": "2026-11-20T11:59:00Z"},
    )
    assert refused.status_code == 422 and refused.json()["detail"].startswith("when: ")
    mid = client.post(
        "/api/v1/meetings", json={"postmortem_ids": ["checkout-pool"], "when": "2026-11-21 14:00"}
    ).json()["id"]
    moved = client.post(f"/api/v1/meetings/{mid}/reschedule", json={"when": "2026-11-19 14:00"})
    assert moved.status_code == 422
    assert moved.json()["detail"].startswith("when: 2026-11-19 14:00 CET is in the past")
    kept = client.get(f"/api/v1/meetings/{mid}").json()
    assert (kept["sequence"], kept["starts_at"]) == (0, "2026-11-21T13:00:00Z")


def test_api_bodies_are_the_domain_shapes_with_isoformat_times(client: TestClient) -> None:
    _doc(client)
    planned = {"postmortem_ids": ["checkout-pool"], "when": "2026-11-21 14:00"}
    mid = client.post("/api/v1/meetings", json=planned).json()["id"]
    [summary] = client.get("/api/v1/meetings").json()["items"]
    assert summary == {
        "id": mid,
        "kind": "postmortem",
        "title": "Post-Mortem: Checkout API outage - 2026-11-21",
        "starts_at": "2026-11-21T13:00:00+00:00",
        "timezone": "Europe/Copenhagen",
        "duration_minutes": 60,
        "postmortem_ids": ["checkout-pool"],
        "url_path": f"/meetings/{mid}",
        "status": "scheduled",
    }
    clock = client.post(f"/api/v1/meetings/{mid}/start").json()
    assert list(clock) == [
        "status", "part", "part_started_at", "now", "remaining_seconds", "overrun"
    ]  # fmt: skip
    assert clock["now"].endswith("+00:00") and clock["overrun"] is False
    assert 0 < clock["remaining_seconds"] <= clock["part"]["minutes"] * 60
    note = client.post(f"/api/v1/meetings/{mid}/notes", json={"part": "welcome", "text": "hi"})
    assert list(note.json()) == [
        "id", "part", "author", "text", "owner", "priority", "due", "created_at", "findings"
    ]  # fmt: skip
    assert note.json()["created_at"].endswith("+00:00")
    assert client.get(f"/api/v1/meetings/{mid}/notes").json() == [note.json()]
    assert client.post(f"/api/v1/meetings/{mid}/finish", json={}).status_code == 200
    follow = client.get(f"/api/v1/meetings/{mid}/followups").json()
    assert list(follow[0]) == ["kind", "label", "due_at", "done", "done_at", "reminded_at"]
    assert follow[0]["due_at"].endswith("+00:00")
    assert client.get(f"/api/v1/meetings/{mid}").json()["followups"] == follow


def test_viewers_read_but_do_not_plan_or_run(
    app: FastAPI, client: TestClient, make_user: Callable[..., str]
) -> None:
    _doc(client)
    mid = client.post(
        "/api/v1/meetings", json={"postmortem_ids": ["checkout-pool"], "when": "2026-11-21 14:00"}
    ).json()["id"]
    token = make_user("vera", Role.VIEWER)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as viewer:
        assert viewer.get(f"/api/v1/meetings/{mid}").status_code == 200
        assert viewer.get(f"/meetings/{mid}").status_code == 200
        assert viewer.get(f"/meetings/{mid}/script").status_code == 200
        assert (
            viewer.post(
                "/api/v1/meetings",
                json={"postmortem_ids": ["checkout-pool"], "when": "2026-11-21 14:00"},
            ).status_code
            == 403
        )
        assert viewer.post(f"/api/v1/meetings/{mid}/start").status_code == 403
        assert (
            viewer.post(
                f"/api/v1/meetings/{mid}/notes", json={"part": "welcome", "text": "hi"}
            ).status_code
            == 403
        )
        page = viewer.get(f"/meetings/{mid}/session")
        assert page.status_code == 200 and "Start the session" not in page.text
    bad = client.post(
        "/api/v1/meetings", json={"postmortem_ids": ["checkout-pool"], "when": "soon"}
    )
    assert bad.status_code == 422 and "when" in bad.json()["detail"]
    assert client.get("/api/v1/meetings/12345").status_code == 404


def test_pages_plan_show_and_print(client: TestClient) -> None:
    _doc(client)
    page = client.get("/meetings/postmortem/checkout-pool")
    assert page.status_code == 200 and "Plan the review" in page.text
    made = client.post(
        "/meetings/postmortem/checkout-pool",
        data={"when": "2030-12-03 14:00", "duration": "60"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    shown = client.get(made.headers["location"])
    assert "Deadline missed" in shown.text and "Welcome and ground rules" in shown.text
    assert "2030-12-03 14:00 CET (Europe/Copenhagen)</dd>" in shown.text  # the document's zone
    assert "/handbook/facilitation#what-happened" in shown.text
    bad = client.post(
        "/meetings/postmortem/checkout-pool", data={"when": "2030-12-03 14:00 Nowhere/Land"}
    )
    assert bad.status_code == 422 and "unknown time zone" in bad.text
    script = client.get(made.headers["location"] + "/script")
    assert "Facilitator&#39;s script" in script.text or "Facilitator's script" in script.text
    assert "release-bot, Tomás, Alice" in script.text
    assert "<script>" not in script.text and "style=" not in script.text
    index = client.get("/meetings")
    assert "Checkout API outage" in index.text
    learning = client.post(
        "/meetings/learning",
        data={
            "title": "Weekly review",
            "when": "2026-12-10 12:00 UTC",
            "postmortems": "checkout-pool",
        },
        follow_redirects=False,
    )
    assert learning.status_code == 303
    assert "Weekly review" in client.get("/meetings").text
    in_utc = client.get(learning.headers["location"]).text
    assert "2026-12-10 12:00 UTC</dd>" in in_utc  # the zone once, not "UTC (UTC)"


def test_participants_are_picked_from_people_on_the_meeting_page(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    _doc(client)
    with app_sessions.begin() as session:
        people.create_user(session, SYSTEM, "dana", display_name="Dana", email="dana@example.com")
        people.create_user(session, SYSTEM, "deploy-bot")
        people.create_user(session, SYSTEM, "relay")
        people.set_bot(session, SYSTEM, "relay", True)
    mid = client.post(
        "/api/v1/meetings", json={"postmortem_ids": ["checkout-pool"], "when": "2026-11-21 14:00"}
    ).json()["id"]
    page = client.get(f"/meetings/{mid}").text
    assert '<option value="user:dana">Dana (dana)</option>' in page
    assert "user:deploy-bot" not in page and "user:relay" not in page  # bots are not offered
    assert "<textarea" not in page
    bad = client.post(
        f"/meetings/{mid}/participants", data={"who": ["user:dana"], "role": ["boss"]}
    )
    assert bad.status_code == 422 and "unknown role &#39;boss&#39;" in bad.text
    before = client.get(f"/api/v1/meetings/{mid}").json()["participants"]
    assert before[0]["name"] == "Ana"  # nothing was changed
    good = client.post(
        f"/meetings/{mid}/participants",
        data={
            "who": ["user:dana", "", "user:admin"],
            "role": ["facilitator", "responder", "Reviewer"],
            "guest_name": "Eli",
            "guest_role": "subject matter expert",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    chosen = client.get(f"/api/v1/meetings/{mid}").json()["participants"]
    assert [(p["name"], p["role"], p["email"]) for p in chosen] == [
        ("Dana", "facilitator", "dana@example.com"),
        ("admin", "reviewer", None),
        ("Eli", "sme", None),
    ]


def test_planning_refuses_the_past_and_proposes_a_free_slot(client: TestClient) -> None:
    _doc(client)
    past = client.post("/meetings/postmortem/checkout-pool", data={"when": "2020-01-06 10:00"})
    assert past.status_code == 422 and "is in the past" in past.text
    assert (
        client.get("/api/v1/meetings", params={"postmortem_id": "checkout-pool"}).json()["items"]
        == []
    )
    page = client.get("/meetings/postmortem/checkout-pool").text
    # the incident's deadline has long passed: the page says so, and proposes a future slot
    assert "the deadline" in page and "has passed" in page
    proposed = re.search(r'name="when" required maxlength="100" value="([^"]+)"', page)
    assert proposed is not None
    when, zone_name = proposed.group(1).rsplit(" ", 1)
    assert zone_name == "Europe/Copenhagen"
    start = datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone_name))
    assert start > datetime.now(UTC) and start.weekday() < 5 and 9 <= start.hour < 17


def test_session_state_tells_other_tabs_when_the_session_moved_on(client: TestClient) -> None:
    _doc(client)
    mid = client.post(
        "/api/v1/meetings", json={"postmortem_ids": ["checkout-pool"], "when": "2026-11-21 14:00"}
    ).json()["id"]
    state = f"/meetings/{mid}/session/state"
    assert client.get(state, params={"part": "", "status": "scheduled"}).status_code == 204
    client.post(f"/api/v1/meetings/{mid}/start")
    moved = client.get(state, params={"part": "", "status": "scheduled"})
    assert moved.status_code == 200 and "moved on" in moved.text
    assert client.get(state, params={"part": "welcome", "status": "running"}).status_code == 204


def test_planning_lists_the_trained_facilitators(
    client: TestClient, app_sessions: sessionmaker[Session], make_user: Callable[..., str]
) -> None:
    _doc(client)
    assert "Nobody has passed" in client.get("/meetings/postmortem/checkout-pool").text
    make_user("frida", Role.FACILITATOR)
    right = {q.id: q.correct for q in training.self_check().questions}
    with app_sessions.begin() as session:
        frida = people.principal_for(session, people.get_user(session, "frida"))
        training.submit(session, frida, right)
    page = client.get("/meetings/postmortem/checkout-pool").text
    assert "Trained facilitators: frida." in page
