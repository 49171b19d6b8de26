"""The administration pages: admins only, the service's refusals, secrets shown once."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kintsugi.people.principal import Role

PAGES = ("/admin/people", "/admin/teams", "/admin/tokens")


def _as(app: FastAPI, make_user: Callable[..., str], name: str, role: Role) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {make_user(name, role)}"})


def test_only_admins_get_the_pages_and_the_menu(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    facilitator = _as(app, make_user, "fay", Role.FACILITATOR)
    for path in PAGES:
        refused = facilitator.get(path)
        assert refused.status_code == 403, path
        assert "managing people needs the admin role" in refused.text
    refused = facilitator.post("/admin/people", data={"username": "sneaky", "role": "admin"})
    assert refused.status_code == 403
    assert 'href="/admin/people"' not in facilitator.get("/postmortems").text
    admin = _as(app, make_user, "ada", Role.ADMIN)
    assert 'href="/admin/people"' in admin.get("/postmortems").text
    for path in PAGES:
        shown = admin.get(path)
        assert shown.status_code == 200, path
        assert "style=" not in shown.text and "<script>" not in shown.text


def test_a_new_person_gets_a_temporary_password_shown_once(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    admin = _as(app, make_user, "ada", Role.ADMIN)
    made = admin.post("/admin/people", data={"username": "nia", "role": "editor"})
    assert made.status_code == 200
    assert 'id="one-time-secret"' in made.text and "nia added as editor" in made.text
    again = admin.get("/admin/people").text
    assert 'id="person-nia"' in again and 'id="one-time-secret"' not in again


def test_the_last_admin_is_refused_clearly(app: FastAPI, make_user: Callable[..., str]) -> None:
    admin = _as(app, make_user, "ada", Role.ADMIN)
    page = admin.get("/admin/people").text
    assert "the only active admin" in page  # the page does not offer what would be refused
    refused = admin.post("/admin/people/ada/role", data={"role": "viewer"})
    assert refused.status_code == 409
    assert "would leave no active admin" in refused.text
    bad = admin.post("/admin/people/ada/role", data={"role": "boss"})
    assert bad.status_code == 422 and "unknown role" in bad.text


def test_a_token_secret_is_shown_once_and_revoking_stops_it(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    admin = _as(app, make_user, "ada", Role.ADMIN)
    made = admin.post(
        "/admin/tokens", data={"username": "ada", "name": "ci", "scope": "read", "expires": "30"}
    )
    assert made.status_code == 200
    secret = made.text.split('id="secret-value">', 1)[1].split("<", 1)[0]
    assert secret.startswith("kts_")
    listed = admin.get("/admin/tokens").text
    assert secret not in listed and "ci" in listed
    token_id = re.findall(r'id="token-(\d+)"', listed)[0]  # newest first
    with TestClient(app, headers={"Authorization": f"Bearer {secret}"}) as ci:
        assert ci.get("/api/v1/postmortems").status_code == 200
        assert admin.post(f"/admin/tokens/{token_id}/revoke").status_code == 200
        assert ci.get("/api/v1/postmortems").status_code == 401


def test_an_admin_marks_a_bot_and_back(app: FastAPI, make_user: Callable[..., str]) -> None:
    make_user("relay", Role.VIEWER)
    admin = _as(app, make_user, "ada", Role.ADMIN)
    assert 'id="bot-relay"' not in admin.get("/admin/people").text
    marked = admin.post("/admin/people/relay/bot", data={"bot": "true"})
    assert marked.status_code == 200 and "relay is marked as a bot" in marked.text
    assert 'id="bot-relay"' in admin.get("/admin/people").text
    back = admin.post("/admin/people/relay/bot", data={"bot": "false"})
    assert back.status_code == 200 and 'id="bot-relay"' not in back.text
    viewer = _as(app, make_user, "vic", Role.VIEWER)
    assert viewer.post("/admin/people/relay/bot", data={"bot": "true"}).status_code == 403
    assert 'id="bot-relay"' not in admin.get("/admin/people").text
