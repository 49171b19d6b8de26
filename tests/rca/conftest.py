"""RCA fixtures: a post-mortem with a timeline and action items, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.config import Settings
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Document, Visibility
from kintsugi.postmortems.markdown import parse_markdown

PM_ID = "2026-03-01-queue-outage"
MARKDOWN = """---
id: 2026-03-01-queue-outage
title: Orders queue outage
started_at: 2026-03-01T10:00:00Z
detected_at: 2026-03-01T10:07:00Z
resolved_at: 2026-03-01T11:00:00Z
timezone: UTC
services: [orders-api]
authors: [Ana Silva]
---

# Orders queue outage

## Summary

Orders queued for an hour.

## Timeline

All times in UTC.

| Time | Event | Actor |
| --- | --- | --- |
| 2026-03-01 09:50 | Queue consumer config change deployed (prefetch 50 -> 1) | deploy-bot |
| 2026-03-01 10:00 | Queue depth starts rising | |
| 2026-03-01 10:07 | QueueDepth alert fires and pages the on-call engineer | Alertmanager |
| 2026-03-01 10:12 | Incident declared; Ana Silva takes incident command | Ana Silva |
| 2026-03-01 10:40 | Prefetch restored with a rollback | Ana Silva |
| 2026-03-01 11:00 | Queue drained; incident resolved | Ana Silva |

## Action Items

| Action | Owner | Priority |
| --- | --- | --- |
| Load test consumer settings in CI | platform-team | P1 |
| Alert on consumer throughput | sre-team | P2 |
"""


def make_document(markdown: str = MARKDOWN) -> Document:
    """The test post-mortem as a document."""
    return parse_markdown(markdown, source="test")


@pytest.fixture
def postmortem(sessions: sessionmaker[Session]) -> Document:
    """The stored test post-mortem (id PM_ID)."""
    with sessions.begin() as session:
        return postmortems.create_document(session, make_document(), SYSTEM)


def full_analysis() -> dict[str, Any]:
    """An analysis using every technique, in the import shape."""
    change = {"at": "2026-03-01T09:50:00Z", "text": "Queue consumer config change"}
    alert = {"at": "2026-03-01T10:07:00Z", "text": "QueueDepth alert"}
    return {
        "problem": "Orders were not processed for an hour",
        "five_whys": [
            {
                "id": "chain-1",
                "problem": "Why were orders not processed?",
                "steps": [
                    {"id": "why-1", "because": "Consumers took one message at a time"},
                    {
                        "id": "why-2",
                        "why": "Why one at a time?",
                        "because": "The prefetch setting was lowered to 1",
                        "evidence": [change],
                    },
                    {
                        "id": "why-3",
                        "because": "Consumer settings are not load tested before deploys",
                        "root_cause": True,
                        "category": "testing-gap",
                    },
                ],
            }
        ],
        "fishbone": [
            {
                "id": "fish-1",
                "bone": "technology",
                "text": "Prefetch of 1",
                "root_cause": True,
                "category": "config-change",
            },
            {
                "id": "fish-2",
                "bone": "measurement",
                "text": "No throughput alert",
                "category": "monitoring-gap",
            },
        ],
        "changes": [
            {
                "id": "change-1",
                "kind": "configuration",
                "text": "Prefetch 50 -> 1",
                "at": "2026-03-01T09:50:00Z",
                "related": "related",
                "evidence": [change],
            },
        ],
        "timeline": {"notes": "Detected in seven minutes."},
        "factors": [
            {
                "id": "factor-1",
                "text": "Prefetch lowered",
                "classification": "primary",
                "category": "config-change",
                "evidence": [change],
            },
            {
                "id": "factor-2",
                "text": "Alert paged quickly",
                "classification": "mitigating",
                "category": "monitoring-gap",
                "evidence": [alert],
            },
        ],
        "causal_tree": [
            {"id": "node-1", "kind": "direct_cause", "text": "Consumers too slow"},
            {
                "id": "node-2",
                "parent": "node-1",
                "kind": "root_cause",
                "text": "No load test for consumer settings",
                "category": "testing-gap",
            },
        ],
        "barriers": [
            {
                "id": "barrier-1",
                "name": "Load test gate",
                "type": "technical",
                "state": "missing",
                "why": "Only code changes are load tested",
                "strengthen": "Test settings too",
            },
            {
                "id": "barrier-2",
                "name": "Queue depth alert",
                "type": "technical",
                "state": "held",
                "evidence": [alert],
            },
        ],
        "links": [
            {"action_item": "Load test consumer settings in CI", "target": "why-3"},
            {"action_item": "Load test consumer settings in CI", "target": "barrier-1"},
        ],
    }


def rca_app(database_url: str) -> FastAPI:
    """The app, with the RCA routers mounted if the lead has not listed them yet."""
    from kintsugi.web.app import _include, create_app

    app = create_app(Settings(database_url=database_url))
    paths = {getattr(r, "path", "") for r in app.routes}
    if "/api/v1/postmortems/{id}/rca" not in paths:
        from kintsugi.rca import api, pages

        for router in (api.router, *api.EXTRA_ROUTERS, pages.router):
            _include(app, router)
    return app


@pytest.fixture
def app(db_url: str) -> Iterator[FastAPI]:
    """The app with the test post-mortem and a restricted one (id ``secret``)."""
    application = rca_app(db_url)
    with application.state.writing_sessions.begin() as session:
        postmortems.create_document(session, make_document(), SYSTEM)
        secret = make_document().model_copy(
            update={"id": "secret", "visibility": Visibility.RESTRICTED, "access": []}
        )
        postmortems.create_document(session, secret, SYSTEM)
    yield application
    application.state.engine.dispose()


def make_token(app: FastAPI, username: str, role: Role, scope: str = "write") -> str:
    """A bearer token for a new user with ``role``."""
    with app.state.writing_sessions.begin() as session:
        people.create_user(session, SYSTEM, username, role=role)
        return people.create_token(session, SYSTEM, username, "tests", scope).secret
