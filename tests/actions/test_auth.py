"""The action item routes behind the real sign-in: bearer tokens, session cookies and CSRF."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems.document import ActionItem
from tests.actions.helpers import make_postmortem
from tests.actions.webapp import actions_app

PASSWORD = "correct horse battery staple"


def test_tokens_sessions_and_csrf(sqlite_url: str) -> None:
    app = actions_app(sqlite_url)
    sessions = app.state.writing_sessions
    make_postmortem(sessions, "Outage", [ActionItem(title="Fix it", owner="ana")])
    with sessions.begin() as session:
        people.create_user(session, SYSTEM, "eve", role=Role.EDITOR, password=PASSWORD)
        people.create_user(session, SYSTEM, "rita", role=Role.EDITOR, password=PASSWORD)
        write = people.create_token(session, SYSTEM, "eve", "tests", "write").secret
        read = people.create_token(session, SYSTEM, "rita", "tests", "read").secret
        cookie, csrf = people.start_session(session, people.get_user(session, "eve"))
    with TestClient(app) as anonymous:
        assert anonymous.get("/api/v1/actions").status_code == 401
    with TestClient(app, headers={"Authorization": f"Bearer {write}"}) as client:
        found = client.get("/api/v1/actions").json()
        item_id = found["items"][0]["id"]
        patched = client.patch(
            f"/api/v1/actions/{item_id}", json={"owner": "bo", "base_version": 1}
        )
        assert patched.status_code == 200
        history = client.get(f"/api/v1/actions/{item_id}/history").json()
        assert history[-1]["actor"] == "eve"
    with TestClient(app, headers={"Authorization": f"Bearer {read}"}) as client:
        denied = client.patch(f"/api/v1/actions/{item_id}", json={"owner": "x", "base_version": 2})
        assert denied.status_code == 403
    with TestClient(app, cookies={"kintsugi_session": cookie}) as browser:
        board = browser.get("/actions")
        assert board.status_code == 200
        assert f'name="csrf_token" value="{csrf}"' in board.text
        assert f'"X-CSRF-Token": "{csrf}"' in board.text
        form = {"status": "in_progress", "base_version": "2"}
        forged = browser.post(
            f"/actions/{item_id}/status", data=form, headers={"HX-Request": "true"}
        )
        assert forged.status_code == 403
        changed = browser.post(
            f"/actions/{item_id}/status",
            data=form,
            headers={"HX-Request": "true", "X-CSRF-Token": csrf},
        )
        assert changed.status_code == 200
        assert '<option value="in_progress" selected>' in changed.text
    app.state.engine.dispose()
