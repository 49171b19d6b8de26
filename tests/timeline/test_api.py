from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kintsugi.audit import service as audit
from kintsugi.core.config import Settings
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Document
from kintsugi.timeline import api as timeline_api
from kintsugi.web.app import create_app
from tests.timeline import test_pagerduty
from tests.timeline.conftest import PAGERDUTY_TOKEN
from tests.timeline.fakes.pagerduty import PagerDutyFake
from tests.timeline.helpers import at

URL = "/api/v1/postmortems/checkout-errors/timeline/build"


@pytest.fixture
def clients(
    sqlite_url: str, pagerduty: PagerDutyFake, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, TestClient]]:
    monkeypatch.setenv("PAGERDUTY_API_URL", pagerduty.url)
    monkeypatch.setenv("PAGERDUTY_API_TOKEN", PAGERDUTY_TOKEN)
    test_pagerduty.seed(pagerduty)
    app = create_app(Settings(database_url=sqlite_url))
    if not any(
        getattr(r, "path", "") == URL.replace("checkout-errors", "{id}") for r in app.routes
    ):
        app.include_router(timeline_api.router)  # until the web app mounts it itself
    tokens = {}
    with app.state.writing_sessions.begin() as session:
        postmortems.create_document(
            session,
            Document(
                id="checkout-errors",
                title="Checkout errors",
                timezone="America/New_York",
                started_at=at(-10),
                resolved_at=at(60),
            ),
            SYSTEM,
        )
        for name, role in (("ed", Role.EDITOR), ("vic", Role.VIEWER)):
            people.create_user(
                session, SYSTEM, name, role=role, password="correct horse battery staple"
            )
            tokens[name] = people.create_token(session, SYSTEM, name, "tests", "write").secret
        tokens["ed_read"] = people.create_token(session, SYSTEM, "ed", "read", "read").secret
        people.create_user(session, SYSTEM, "outsider", role=Role.EDITOR, password="x" * 20)
        tokens["outsider"] = people.create_token(session, SYSTEM, "outsider", "t", "write").secret
        postmortems.create_document(
            session,
            Document(
                id="restricted-one", title="Restricted", visibility="restricted", access=["ed"]
            ),
            SYSTEM,
        )
    clients = {
        name: TestClient(app, headers={"Authorization": f"Bearer {token}"})
        for name, token in tokens.items()
    }
    yield clients
    for client in clients.values():
        client.close()
    app.state.engine.dispose()


def test_preview_then_save(clients: dict[str, TestClient]) -> None:
    preview = clients["ed"].post(URL, json={"sources": ["pagerduty:Q1ABC"]})
    assert preview.status_code == 200, preview.text
    data = preview.json()
    assert data["timezone"] == "America/New_York"
    assert [e["kind"] for e in data["events"]] == [
        "alert",
        "other",  # the paging notifications, folded into one line
        "acknowledge",
        "escalate",
        "note",
        "resolve",
    ]
    assert data["events"][0]["local_time"].endswith("-04:00")
    assert data["saved"] is None and data["failures"] == []
    saved = clients["ed"].post(URL, json={"sources": ["pagerduty:Q1ABC"], "save": True})
    assert saved.json()["saved"] == {"created": 6, "updated": 0, "unchanged": 0, "kept": 0}
    document = clients["ed"].get("/api/v1/postmortems/checkout-errors").json()
    assert len([e for e in document["timeline"] if e["source"] == "pagerduty"]) == 6


def test_fetching_with_the_servers_credentials_needs_the_right_to_edit(
    clients: dict[str, TestClient], pagerduty: PagerDutyFake
) -> None:
    asked = len(pagerduty.paths())
    for name, need in (  # a viewer, and an editor's read-scope token
        ("vic", "needs the editor role"),
        ("ed_read", "and a write-scope token"),
    ):
        denied = clients[name].post(URL, json={"sources": ["pagerduty:Q1ABC"]})
        assert denied.status_code == 403, (name, denied.text)
        assert "server's credentials" in denied.json()["detail"]
        assert need in denied.json()["detail"]
        page = clients[name].post(
            "/postmortems/checkout-errors/timeline/preview", data={"sources": "pagerduty:Q1ABC"}
        )
        assert page.status_code == 403, name
        assert clients[name].get("/postmortems/checkout-errors/timeline").status_code == 403
    hidden = clients["outsider"].post(
        URL.replace("checkout-errors", "restricted-one"), json={"sources": ["pagerduty:Q1ABC"]}
    )
    assert hidden.status_code == 404
    assert len(pagerduty.paths()) == asked  # the vendor was never asked
    allowed = clients["ed"].post(
        URL.replace("checkout-errors", "restricted-one"), json={"sources": ["pagerduty:Q1ABC"]}
    )
    assert allowed.status_code == 200 and len(pagerduty.paths()) > asked
    with clients["ed"].app.state.writing_sessions() as session:  # type: ignore[attr-defined]
        fetched = audit.events(session, action="timeline_fetched")
    assert [(e.actor, e.target, e.detail["sources"]) for e in fetched] == [
        ("ed", "restricted-one", ["pagerduty:Q1ABC"])
    ]


def test_viewers_cannot_save_and_files_are_refused(clients: dict[str, TestClient]) -> None:
    denied = clients["vic"].post(URL, json={"sources": ["pagerduty:Q1ABC"], "save": True})
    assert denied.status_code == 403
    refused = clients["ed"].post(URL, json={"sources": ["file:/etc/passwd"]})
    assert refused.status_code == 422 and "command line only" in refused.json()["detail"]
    bad = clients["ed"].post(URL, json={"sources": ["jira:X"]})
    assert bad.status_code == 422 and "is not a source" in bad.json()["detail"]


def test_a_failed_source_is_listed(
    clients: dict[str, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGERDUTY_API_TOKEN", "wrong-" + "x" * 16)
    response = clients["ed"].post(
        URL,
        json={
            "sources": ["pagerduty:Q1ABC"],
            "since": "2024-05-01T08:00:00",
            "until": "2024-05-01T12:00:00",
        },
    )
    assert response.status_code == 200
    data = response.json()
    assert (
        data["window"]["since"] == "2024-05-01T12:00:00+00:00"
    )  # a local time in the document's zone
    assert data["events"] == []
    assert "PAGERDUTY_API_TOKEN" in data["failures"][0]["message"]


def test_the_page_previews_and_saves(clients: dict[str, TestClient]) -> None:
    page = clients["ed"].get("/postmortems/checkout-errors/timeline")
    assert page.status_code == 200 and "Build the timeline" in page.text
    preview = clients["ed"].post(
        "/postmortems/checkout-errors/timeline/preview", data={"sources": "pagerduty:Q1ABC\n"}
    )
    assert preview.status_code == 200, preview.text
    assert "<html" not in preview.text and "Time to detect" in preview.text
    assert preview.text.count("<tr>") == 7  # the header and six events
    empty = clients["ed"].post(
        "/postmortems/checkout-errors/timeline/preview", data={"sources": ""}
    )
    assert empty.status_code == 422 and "at least one source" in empty.text
    saved = clients["ed"].post(
        "/postmortems/checkout-errors/timeline/save", data={"sources": "pagerduty:Q1ABC"}
    )
    assert saved.status_code == 200 and "Saved: 6 new" in saved.text
    refused = clients["vic"].post(
        "/postmortems/checkout-errors/timeline/save", data={"sources": "pagerduty:Q1ABC"}
    )
    assert refused.status_code == 403
    document = clients["ed"].get("/api/v1/postmortems/checkout-errors").json()
    assert len([e for e in document["timeline"] if e["source"] == "pagerduty"]) == 6


def test_a_build_past_its_time_budget_answers_422_and_saves_nothing(
    clients: dict[str, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINTSUGI_TIMELINE_SECONDS", "1e-9")
    answer = clients["ed"].post(URL, json={"sources": ["pagerduty:Q1ABC"], "save": True})
    assert answer.status_code == 422, answer.text
    assert "KINTSUGI_TIMELINE_SECONDS" in answer.text and "Narrow the window" in answer.text
    monkeypatch.delenv("KINTSUGI_TIMELINE_SECONDS")
    saved = clients["ed"].get("/api/v1/postmortems/checkout-errors")
    assert saved.status_code == 200 and saved.json()["timeline"] == []


def test_the_preview_page_shows_a_build_out_of_time_as_its_error(
    clients: dict[str, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINTSUGI_TIMELINE_SECONDS", "1e-9")
    preview = clients["ed"].post(
        "/postmortems/checkout-errors/timeline/preview", data={"sources": "pagerduty:Q1ABC\n"}
    )
    assert preview.status_code == 422
    assert "<html" not in preview.text and "Narrow the window" in preview.text
