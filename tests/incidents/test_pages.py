"""The incidents page: the list by visibility with overdue ones marked, and the "Draft from
incident" form against the incident.io fake (real sockets), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.types import utcnow
from kintsugi.incidents import service
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Visibility
from tests.incidents.scenario import INCIDENT_ID, open_and_restricted_postmortems, seed_incidentio
from tests.timeline.conftest import INCIDENTIO_KEY
from tests.timeline.fakes.incidentio import IncidentIoFake
from tests.web.conftest import PASSWORD

REFERENCE = f"incidentio:{INCIDENT_ID}"


def _as(app: FastAPI, make_user: Callable[..., str], name: str, role: Role) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {make_user(name, role)}"})


@pytest.fixture
def incidentio_env(incidentio: IncidentIoFake, monkeypatch: pytest.MonkeyPatch) -> IncidentIoFake:
    """The server's environment pointing at the incident.io fake, as an operator sets it."""
    monkeypatch.setenv("INCIDENTIO_API_URL", incidentio.url)
    monkeypatch.setenv("INCIDENTIO_API_KEY", INCIDENTIO_KEY)
    seed_incidentio(incidentio)
    return incidentio


def _world(sessions: sessionmaker[Session]) -> None:
    now = utcnow()
    with sessions.begin() as session:
        open_and_restricted_postmortems(session)
        service.add_incident(session, SYSTEM, "Cache outage", severity="SEV2",
                             resolved_at=now - timedelta(days=5), postmortem_id="open-pm")  # fmt: skip
        service.add_incident(session, SYSTEM, "Data exposure", severity="SEV1",
                             resolved_at=now - timedelta(days=1), postmortem_id="secret-pm")  # fmt: skip
        service.add_incident(session, SYSTEM, "Payments down", severity="SEV1",
                             resolved_at=now - timedelta(hours=1))  # fmt: skip


def _rows(html: str) -> dict[str, str]:
    """Each incident's table row by title."""
    rows = re.findall(r'<tr id="incident-\d+"(.*?)</tr>', html, re.S)
    found = {}
    for row in rows:
        title = re.search(r"<td>(?:<a [^>]*>)?([^<]+)", row)
        assert title
        found[title.group(1).strip()] = row
    return found


def test_the_list_follows_visibility_and_marks_overdue_post_mortems(
    app: FastAPI, make_user: Callable[..., str], app_sessions: sessionmaker[Session]
) -> None:
    olga = _as(app, make_user, "olga", Role.VIEWER)
    ivan = _as(app, make_user, "ivan", Role.VIEWER)
    ed = _as(app, make_user, "ed", Role.EDITOR)
    _world(app_sessions)

    seen = olga.get("/incidents")
    assert seen.status_code == 200
    assert set(_rows(seen.text)) == {"Cache outage"}
    assert "Data exposure" not in seen.text and "secret-pm" not in seen.text
    assert set(_rows(ivan.get("/incidents").text)) == {"Cache outage", "Data exposure"}
    rows = _rows(ed.get("/incidents").text)
    assert set(rows) == {"Cache outage", "Payments down"}
    cache = rows["Cache outage"]  # SEV2, resolved 5 days ago, draft not published: overdue
    assert 'class="overdue"' in cache and "Overdue" in cache
    assert 'href="/postmortems/open-pm"' in cache and "SEV2" in cache
    payments = rows["Payments down"]  # SEV1 resolved an hour ago: due, not overdue
    assert "no post-mortem yet" in payments and "Overdue" not in payments
    assert "due " in payments
    assert 'href="/incidents"' in seen.text  # in the main navigation


def test_the_draft_form_is_offered_only_to_those_who_may_draft(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    viewer = _as(app, make_user, "vic", Role.VIEWER)
    editor = _as(app, make_user, "eda", Role.EDITOR)
    assert 'id="draft-form"' not in viewer.get("/incidents").text
    assert 'id="draft-form"' in editor.get("/incidents").text
    refused = viewer.post("/incidents/draft", data={"incident": REFERENCE})
    assert refused.status_code == 403
    assert "needs the editor role" in refused.text


def test_a_draft_from_the_page_lands_on_the_document_and_a_second_refreshes(
    app: FastAPI,
    make_user: Callable[..., str],
    app_sessions: sessionmaker[Session],
    incidentio_env: IncidentIoFake,
) -> None:
    editor = _as(app, make_user, "eda", Role.EDITOR)

    first = editor.post("/incidents/draft", data={"incident": REFERENCE}, follow_redirects=False)

    assert first.status_code == 303, first.text
    location = first.headers["location"]
    assert location.endswith("?drafted=created")
    doc_id = location.split("/")[2].split("?")[0]
    page = editor.get(location)
    assert "INC-481 Checkout errors after the payments deploy" in page.text
    assert 'id="notice"' in page.text and "Drafted from the incident." in page.text
    with app_sessions() as session:
        events = len(postmortems.get_document(session, doc_id, SYSTEM).timeline)
        assert events > 100  # the incident's updates, two pages of them
    listed = _rows(editor.get("/incidents").text)
    assert (
        f'href="/postmortems/{doc_id}"'
        in listed["INC-481 Checkout errors after the payments deploy"]
    )

    incidentio_env.updates[INCIDENT_ID].append(
        {**incidentio_env.updates[INCIDENT_ID][-1], "id": "upd-new", "message": "All clear"}
    )
    second = editor.post(
        "/incidents/draft",
        data={"incident": REFERENCE, "template": "postmortem"},
        headers={"HX-Request": "true"},
    )

    assert second.status_code == 204  # htmx goes to the document itself
    assert second.headers["HX-Redirect"] == f"/postmortems/{doc_id}?drafted=refreshed&new_events=1"
    assert "Refreshed: 1 new event." in editor.get(second.headers["HX-Redirect"]).text
    with app_sessions() as session:
        assert len(postmortems.get_document(session, doc_id, SYSTEM).timeline) == events + 1
        assert len(postmortems.list_documents(session, SYSTEM)) == 1
        assert len(service.list_incidents(session, SYSTEM)) == 1


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ("incidentio:01UNKNOWN", "incident", "Incident not found"),
        ("jira:OPS-1", "incident", "is not an incident reference"),
    ],
)
def test_an_error_is_shown_on_the_form_with_what_was_typed(
    app: FastAPI,
    make_user: Callable[..., str],
    app_sessions: sessionmaker[Session],
    incidentio_env: IncidentIoFake,
    typed: str,
    field: str,
    message: str,
) -> None:
    editor = _as(app, make_user, "eda", Role.EDITOR)
    shown = editor.post(
        "/incidents/draft",
        data={"incident": typed, "sources": "github:acme/payments", "template": "lightweight"},
    )
    assert shown.status_code == 422
    error = re.search(rf'<p class="error" role="alert" id="{field}-error">([^<]*)</p>', shown.text)
    assert error and message in error.group(1), shown.text
    assert f'value="{typed}"' in shown.text
    assert ">github:acme/payments</textarea>" in shown.text
    assert '<option value="lightweight" selected>' in shown.text
    with app_sessions() as session:
        assert postmortems.list_documents(session, SYSTEM) == []


def test_a_refused_key_names_its_variable_on_the_form(
    app: FastAPI,
    make_user: Callable[..., str],
    incidentio_env: IncidentIoFake,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INCIDENTIO_API_KEY", "inc_wrong")
    editor = _as(app, make_user, "eda", Role.EDITOR)
    shown = editor.post(
        "/incidents/draft", data={"incident": REFERENCE}, headers={"HX-Request": "true"}
    )
    assert shown.status_code == 422
    assert "<html" not in shown.text  # the form alone, swapped in place
    assert "incident.io rejected the API key: check INCIDENTIO_API_KEY" in shown.text
    assert 'id="incident-error"' in shown.text


def test_a_file_source_is_for_the_command_line_only(
    app: FastAPI, make_user: Callable[..., str], incidentio_env: IncidentIoFake
) -> None:
    editor = _as(app, make_user, "eda", Role.EDITOR)
    shown = editor.post(
        "/incidents/draft", data={"incident": REFERENCE, "sources": "file:/etc/passwd"}
    )
    assert shown.status_code == 422
    assert 'id="sources-error"' in shown.text and "command line only" in shown.text
    assert [r for r in incidentio_env.requests if r.path.startswith("/v2/incidents/")] == []


def test_an_editor_cannot_replace_a_post_mortem_they_may_not_see(
    app: FastAPI,
    make_user: Callable[..., str],
    app_sessions: sessionmaker[Session],
    incidentio_env: IncidentIoFake,
) -> None:
    admin = _as(app, make_user, "ada", Role.ADMIN)
    made = admin.post("/incidents/draft", data={"incident": REFERENCE}, follow_redirects=False)
    doc_id = made.headers["location"].split("/")[2].split("?")[0]
    with app_sessions.begin() as session:
        postmortems.edit_document(
            session,
            doc_id,
            lambda d: d.model_copy(update={"visibility": Visibility.RESTRICTED, "access": []}),
            SYSTEM,
            base_version=None,
            change="restricted",
        )
    editor = _as(app, make_user, "eda", Role.EDITOR)
    shown = editor.post("/incidents/draft", data={"incident": REFERENCE})
    assert shown.status_code == 422
    assert "has a post-mortem you may not see" in shown.text
    with app_sessions() as session:
        assert [d.id for d in postmortems.list_documents(session, SYSTEM)] == [doc_id]
        assert service.get_incident(session, SYSTEM, REFERENCE).postmortem_id == doc_id


def test_a_draft_without_the_csrf_token_is_refused(
    anonymous: TestClient,
    make_user: Callable[..., str],
    app_sessions: sessionmaker[Session],
    incidentio_env: IncidentIoFake,
) -> None:
    make_user("maja", Role.EDITOR)
    signed_in = anonymous.post(
        "/login",
        data={"username": "maja", "password": PASSWORD, "next": "/incidents"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    page = anonymous.get("/incidents").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token and 'id="draft-form"' in page

    forged = anonymous.post("/incidents/draft", data={"incident": REFERENCE})

    assert forged.status_code == 403
    assert incidentio_env.requests == []
    with app_sessions() as session:
        assert postmortems.list_documents(session, SYSTEM) == []
    made = anonymous.post(
        "/incidents/draft",
        data={"incident": REFERENCE, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert made.status_code == 303
