"""The handbook, training and learning API bodies are the domain classes' wire shapes: the keys
the routes always wrote, datetimes as ``isoformat()`` (``+00:00``, as ``--json`` writes them)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.handbook import service, training
from kintsugi.handbook.render import render
from kintsugi.handbook.training import self_check
from kintsugi.people.principal import SYSTEM
from tests.handbook.helpers import publish


def same(written: Any, expected: Any) -> None:
    """Equal, key order included."""
    assert json.dumps(written) == json.dumps(expected)


def test_page_bodies(client: TestClient, app_sessions: sessionmaker[Session]) -> None:
    text = client.get("/api/v1/handbook/policy").json()["markdown"] + "\nLocal.\n"
    saved = client.put(
        "/api/v1/handbook/policy", json={"markdown": text, "base_version": 1, "change": "local"}
    )
    with app_sessions() as session:
        page = service.get_page(session, "policy")
        versions = service.versions(session, "policy")
    assert page.updated_at is not None and page.updated_at.isoformat().endswith("+00:00")
    summary = {
        "slug": "policy",
        "title": page.title,
        "version": 2,
        "updated_by": "admin",
        "updated_at": page.updated_at.isoformat(),
        "is_default": False,
    }
    rendered = {
        "slug": "policy",
        "title": page.title,
        "markdown": text,
        "version": 2,
        "updated_by": "admin",
        "updated_at": page.updated_at.isoformat(),
        "is_default": False,
        "html": render(text),
    }
    same(saved.json(), rendered)
    same(client.get("/api/v1/handbook/policy").json(), rendered)
    same([p for p in client.get("/api/v1/handbook").json() if p["slug"] == "policy"], [summary])
    stale = client.put("/api/v1/handbook/policy", json={"markdown": text, "base_version": 1})
    assert stale.status_code == 409
    same(stale.json()["current"], rendered)
    created = [v.created_at.isoformat() for v in versions if v.created_at]
    assert len(created) == 2
    same(
        client.get("/api/v1/handbook/policy/versions").json(),
        [
            {
                "version": 2,
                "actor": "admin",
                "change": "local",
                "created_at": created[0],
            },
            {
                "version": 1,
                "actor": "kintsugi",
                "change": "the default text",
                "created_at": created[1],
            },
        ],
    )


def test_training_bodies(client: TestClient, app_sessions: sessionmaker[Session]) -> None:
    check = self_check()
    same(
        client.get("/api/v1/training").json(),
        {
            "pass_mark": check.pass_mark,
            "questions": [
                {
                    "id": q.id,
                    "kind": q.kind,
                    "topic": q.topic,
                    "prompt": q.prompt,
                    "options": list(q.options),
                }
                for q in check.questions
            ],
        },
    )
    made = client.post(
        "/api/v1/training/attempts", json={"answers": {q.id: q.correct for q in check.questions}}
    )
    assert made.status_code == 201
    with app_sessions() as session:
        (stored,) = training.results(session, SYSTEM)
    when = stored.completed_at.isoformat()
    assert when.endswith("+00:00")
    total = len(check.questions)
    result = {"username": "admin", "score": total, "total": total, "passed": True}
    same(
        made.json(),
        {
            **result,
            "completed_at": when,
            "answers": [
                {
                    "id": q.id,
                    "answer": q.correct,
                    "correct": True,
                    "correct_answer": q.correct,
                    "explanation": q.explanation,
                    "guide": f"/handbook/{q.guide}" if q.guide else None,
                }
                for q in check.questions
            ],
        },
    )
    same(client.get("/api/v1/training/results").json(), [{**result, "completed_at": when,
                                                           "answers": []}])  # fmt: skip
    same(
        client.get("/api/v1/training/status").json(),
        {
            "questions": total,
            "pass_mark": check.pass_mark,
            "attempts": 1,
            "people": 1,
            "trained": 1,
            "trained_facilitators": ["admin"],
        },
    )


def test_learning_bodies(client: TestClient, app_sessions: sessionmaker[Session]) -> None:
    doc = publish(app_sessions, "Open outage")
    made = client.post(
        "/api/v1/learning/recognitions",
        json={"recipient": "ops", "recipient_kind": "team", "reason": "improvement",
              "message": "Fast fix", "postmortem_id": doc.id},
    )  # fmt: skip
    assert made.status_code == 201
    body = made.json()
    assert body["created_at"].endswith("+00:00")
    same(
        body,
        {
            "id": body["id"],
            "recipient_kind": "team",
            "recipient": "ops",
            "reason": "improvement",
            "message": "Fast fix",
            "postmortem_id": doc.id,
            "postmortem_title": "Open outage",
            "created_by": "admin",
            "created_at": body["created_at"],
        },
    )
    same(client.get("/api/v1/learning/recognitions").json(), [body])
    digest = client.get("/api/v1/learning/digest").json()
    assert list(digest) == ["since", "until", "published", "improvements", "sessions",
                            "recognitions"]  # fmt: skip
    assert digest["since"].endswith("+00:00") and digest["until"].endswith("+00:00")
    (published,) = digest["published"]
    assert published["published_at"].endswith("+00:00")
    same(
        published,
        {
            "id": doc.id,
            "title": "Open outage",
            "kind": "postmortem",
            "severity": "SEV2",
            "visibility": "organisation",
            "published_at": published["published_at"],
            "summary": "Checkout was down for 40 minutes.",
            "learnings": [
                "Treat configuration like code.",
                "Config changes skip validation",
                "The alert fired late",
            ],
            "url_path": f"/postmortems/{doc.id}",
        },
    )
    same(digest["recognitions"], [body])
