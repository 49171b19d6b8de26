"""Restricted and team post-mortems never leak: every read path of the API and the pages,
for every kind of viewer. A secret marker is written into every field of the hidden
documents; it must appear for the people allowed and nowhere for anyone else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.types import utcnow
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role

SECRET = "zqxsecret"
TEAM_SECRET = "zqxteamonly"


def _markdown(marker: str) -> str:
    # the id is neutral: error pages echo the id a client asked for, which is no leak
    return (
        f"---\nid: hidden-{len(marker)}\ntags: [{marker}-tag]\nservices: [{marker}-service]\n---\n"
        f"# Breach {marker}\n\n## Summary\n\nCredentials {marker} were exposed.\n\n"
        "## Timeline\n\nAll times in UTC.\n\n| Time | Event | Actor |\n| --- | --- | --- |\n"
        f"| 2026-03-01 10:00 | Key {marker} leaked | {marker}-bot |\n\n"
        "## Action Items\n\n| Action | Owner | Priority | Due |\n| --- | --- | --- | --- |\n"
        f"| Rotate {marker} keys | {marker}-team | P0 | 2020-01-01 |\n"
    )


@pytest.fixture
def world(app: FastAPI, make_user: Callable[..., str]) -> dict[str, str]:
    """Tokens of: an admin, a named reader, a team member, an outsider, and a viewer."""
    tokens = {
        "admin": make_user("root", Role.ADMIN),
        "named": make_user("nadia", Role.EDITOR),
        "member": make_user("mo", Role.EDITOR),
        "outsider": make_user("otto", Role.EDITOR),
        "viewer": make_user("vera", Role.VIEWER),
    }
    sessions: sessionmaker[Session] = app.state.writing_sessions
    with sessions.begin() as session:
        people.create_team(session, SYSTEM, "security")
        people.add_member(session, SYSTEM, "security", "mo")
    with TestClient(app, headers={"Authorization": f"Bearer {tokens['admin']}"}) as admin:
        for marker, visibility, extra in (
            (SECRET, "restricted", {"access": ["nadia"]}),
            (TEAM_SECRET, "team", {"team": "security"}),
        ):
            made = admin.post("/api/v1/postmortems", json={"markdown": _markdown(marker)})
            assert made.status_code == 201, made.text
            doc = made.json()
            shared = admin.put(
                f"/api/v1/postmortems/{doc['id']}",
                json={
                    "markdown": _markdown(marker),
                    "visibility": visibility,
                    "base_version": doc["version"],
                    **extra,
                },
            )
            assert shared.status_code == 200, shared.text
        admin.post("/api/v1/postmortems", json={"title": "Open incident", "tags": ["public"]})
    return tokens


def _paths(client: TestClient) -> list[str]:
    """Every GET route of the API and the pages, filled in for the documents that exist."""
    ids = [d["id"] for d in client.get("/api/v1/postmortems").json()["items"]]
    paths = [
        "/postmortems",
        "/postmortems?tag=public",
        "/actions",
        "/actions/report",
        "/api/v1/postmortems",
        "/api/v1/actions",
        "/api/v1/actions/report",
        "/api/v1/actions?overdue=true",
        "/audit",
        "/bin",
        "/api/v1/rca/recurring",
    ]
    schema = client.get("/openapi.json").json()["paths"]
    if "/api/v1/search" in schema:
        # words of the hidden documents, not the markers: a response may echo the query itself
        paths += [
            "/api/v1/search?q=credentials",
            "/api/v1/search?q=breach%20OR%20rotate",
            "/api/v1/search?q=",
            "/library",
            "/library?q=credentials",
        ]
    for id in ids:
        paths += [
            f"/postmortems/{id}",
            f"/postmortems/{id}/edit",
            f"/postmortems/{id}/history",
            f"/postmortems/{id}/actions",
            f"/api/v1/postmortems/{id}",
            f"/api/v1/postmortems/{id}/versions",
            f"/api/v1/postmortems/{id}/versions/1",
            f"/api/v1/postmortems/{id}/diff?from=1&to=2",
            f"/api/v1/postmortems/{id}/export?format=md",
            f"/api/v1/postmortems/{id}/export?format=html",
            f"/api/v1/actions?postmortem={id}",
            f"/postmortems/{id}/rca",
            f"/api/v1/postmortems/{id}/rca",
            f"/library/similar/{id}",
        ]
        if "/api/v1/postmortems/{id}/similar" in schema:
            paths.append(f"/api/v1/postmortems/{id}/similar")
    if "/api/v1/meetings" in schema:
        # a review meeting (with a note) per document, and a learning session about them all
        paths += ["/meetings", "/api/v1/meetings", "/api/v1/meetings/upcoming?days=366"]
        # planning refuses a time in the past: a week from now
        day = [(utcnow() + timedelta(days=n)).strftime("%Y-%m-%d") for n in (7, 8)]
        plans = [{"postmortem_ids": [id], "when": f"{day[0]} 14:00 UTC"} for id in ids]
        plans.append({"kind": "learning", "postmortem_ids": ids, "when": f"{day[1]} 14:00 UTC"})
        for plan in plans:
            meeting = client.post("/api/v1/meetings", json=plan).json()
            mid = meeting["id"]
            client.post(
                f"/api/v1/meetings/{mid}/notes", json={"part": "welcome", "text": meeting["title"]}
            )
            paths += [
                f"/meetings/{mid}",
                f"/meetings/{mid}/script",
                f"/meetings/{mid}/session",
                f"/meetings/{mid}/session/notes/welcome",
                f"/meetings/{mid}/invite.ics",
                f"/api/v1/meetings/{mid}",
                f"/api/v1/meetings/{mid}/script",
                f"/api/v1/meetings/{mid}/checklist",
                f"/api/v1/meetings/{mid}/notes",
                f"/api/v1/meetings/{mid}/clock",
                f"/api/v1/meetings/{mid}/followups",
                f"/api/v1/meetings/{mid}/invite.ics",
            ]
        for id in ids:
            paths += [f"/meetings/postmortem/{id}", f"/api/v1/meetings?postmortem={id}"]
    if "/api/v1/learning/recognitions" in schema:
        # every document published (the learning digest lists it) and recognised by title
        for id in ids:
            title = client.get(f"/api/v1/postmortems/{id}").json()["title"]
            for step in ("in_review", "published"):
                moved = client.post(
                    f"/api/v1/postmortems/{id}/status",
                    json={"status": step, "override_reason": "visibility test"},
                )
                assert moved.status_code == 200, moved.text
            recognised = client.post(
                "/api/v1/learning/recognitions",
                json={"recipient": "ops", "message": f"For {title}", "postmortem_id": id},
            )
            assert recognised.status_code == 201, recognised.text
        paths += [
            "/learning",
            "/learning/recognition",
            "/api/v1/learning/digest",
            "/api/v1/learning/recognitions",
            "/handbook",
            "/training",
        ]
    if "/api/v1/metrics" in schema:
        # the same root-cause category everywhere: every pair of documents is a recurrence
        factor = {"text": "shared cause", "classification": "primary", "category": "deploy"}
        for id in ids:
            client.put(
                f"/api/v1/postmortems/{id}/rca",
                json={"base_version": 0, "analysis": {"factors": [factor]}},
            )
        paths += [
            "/metrics",
            "/metrics/dashboard",
            "/metrics/dashboard/figures",
            "/metrics/overdue",
            "/metrics/charts/recurring_incident_rate.svg",
            "/api/v1/metrics",
            "/api/v1/metrics/overdue",
            "/api/v1/metrics/recurring",
        ]
        for id in ids:
            paths += [f"/postmortems/{id}/checklist", f"/api/v1/postmortems/{id}/checklist"]
    return paths


ALLOWED = {
    "admin": {SECRET, TEAM_SECRET},
    "named": {SECRET},
    "member": {TEAM_SECRET},
    "outsider": set(),
    "viewer": set(),
}


@pytest.mark.parametrize("who", list(ALLOWED))
def test_hidden_documents_leak_nowhere(app: FastAPI, world: dict[str, str], who: str) -> None:
    with TestClient(app, headers={"Authorization": f"Bearer {world['admin']}"}) as admin:
        everything = _paths(admin)
    seen: set[str] = set()
    with TestClient(app, headers={"Authorization": f"Bearer {world[who]}"}) as client:
        for path in everything:
            response = client.get(path)
            assert response.status_code < 500, (path, response.text)
            for marker in (SECRET, TEAM_SECRET):
                if marker in response.text:
                    assert marker in ALLOWED[who], f"{marker} leaked to {who} at {path}"
                    seen.add(marker)
    assert seen == ALLOWED[who], f"{who} should see {ALLOWED[who]}, saw {seen}"
