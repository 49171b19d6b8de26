"""Sign-in, sessions, CSRF, API tokens, rate limits and OpenID Connect."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.audit.models import AuditEvent
from kintsugi.core.config import Settings
from kintsugi.people import service as people
from kintsugi.people.models import ApiToken, User
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.web.app import create_app
from tests.support.oidc_provider import OidcProvider
from tests.support.servers import serve
from tests.web.conftest import PASSWORD


def _sign_in(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": "/postmortems"},
        follow_redirects=False,
    )


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "signed-in pages carry the CSRF token"
    return match.group(1)


def _actions(sessions: sessionmaker[Session], action: str) -> list[AuditEvent]:
    with sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_anonymous_api_gets_401_and_pages_redirect_to_sign_in(anonymous: TestClient) -> None:
    api = anonymous.get("/api/v1/postmortems")
    assert api.status_code == 401
    assert api.headers["www-authenticate"] == "Bearer"
    assert "sign in" in api.json()["detail"]
    page = anonymous.get("/postmortems?tag=dns", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fpostmortems%3Ftag%3Ddns"
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/healthz").json() == {"status": "ok"}


def test_first_run_sign_in_page_explains_how_to_create_an_admin(anonymous: TestClient) -> None:
    assert "kintsugi users create" in anonymous.get("/login").text


def test_password_sign_in_session_and_csrf(
    anonymous: TestClient, make_user: Callable[..., str], app_sessions: sessionmaker[Session]
) -> None:
    make_user("maja", Role.EDITOR)
    response = _sign_in(anonymous, "maja")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "kintsugi_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = anonymous.get("/postmortems/new")
    assert page.status_code == 200 and "maja" in page.text
    token = _csrf(page.text)
    # a cross-site form post carries the cookie but not the token: refused, nothing stored
    forged = anonymous.post("/postmortems/new", data={"title": "Forged", "template": "postmortem"})
    assert forged.status_code == 403
    assert anonymous.get("/api/v1/postmortems").json()["total"] == 0
    made = anonymous.post(
        "/postmortems/new",
        data={"title": "Real", "template": "postmortem", "csrf_token": token},
        follow_redirects=False,
    )
    assert made.status_code == 303
    # htmx sends the token as a header
    preview = anonymous.post("/preview", data={"markdown": "*x*"}, headers={"X-CSRF-Token": token})
    assert preview.status_code == 200
    assert [e.actor for e in _actions(app_sessions, "sign_in")] == ["maja"]
    out = anonymous.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert anonymous.get("/postmortems", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_audited_and_rate_limited(
    app: FastAPI, make_user: Callable[..., str], app_sessions: sessionmaker[Session]
) -> None:
    make_user("maja")
    app.state.settings = app.state.settings.model_copy(
        update={"sign_in_attempts_per_15min": 3, "sign_in_attempts_per_address_15min": 4}
    )
    with TestClient(app) as browser:
        for _ in range(3):
            assert _sign_in(browser, "maja", "wrong password!").status_code == 401
        assert len(_actions(app_sessions, "sign_in_failed")) == 3
        blocked = _sign_in(browser, "maja")
        assert blocked.status_code == 429
        assert "Too many failed sign-ins" in blocked.text
        # another username from the same address: tried once more, then the address pauses
        assert _sign_in(browser, "nobody", "whatever").status_code == 401
        assert _sign_in(browser, "nobody", "whatever").status_code == 429


def test_open_redirects_are_refused(anonymous: TestClient, make_user: Callable[..., str]) -> None:
    make_user("maja")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = anonymous.post(
            "/login",
            data={"username": "maja", "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/postmortems"
        anonymous.cookies.clear()


def test_tokens_are_hashed_scoped_revocable_and_track_last_use(
    app: FastAPI, make_user: Callable[..., str], app_sessions: sessionmaker[Session]
) -> None:
    read_token = make_user("reader", Role.EDITOR, "read")
    with app_sessions() as session:
        stored = session.scalars(select(ApiToken)).one()
        assert read_token not in (stored.token_hash, stored.prefix) and stored.last_used_at is None
    with TestClient(app, headers={"Authorization": f"Bearer {read_token}"}) as api:
        assert api.get("/api/v1/postmortems").status_code == 200
        denied = api.post("/api/v1/postmortems", json={"title": "No"})
        assert denied.status_code == 403
    with app_sessions.begin() as session:
        token = session.scalars(select(ApiToken)).one()
        assert token.last_used_at is not None
        people.revoke_token(session, SYSTEM, token.id)
    with TestClient(app, headers={"Authorization": f"Bearer {read_token}"}) as api:
        assert api.get("/api/v1/postmortems").status_code == 401
    with TestClient(app, headers={"Authorization": "Bearer kts_made-up"}) as api:
        assert api.get("/api/v1/postmortems").status_code == 401


def test_deactivated_people_lose_sessions_and_tokens(
    app: FastAPI, make_user: Callable[..., str], app_sessions: sessionmaker[Session]
) -> None:
    token = make_user("leaver")
    with TestClient(app) as browser:
        assert _sign_in(browser, "leaver").status_code == 303
        with app_sessions.begin() as session:
            people.set_active(session, SYSTEM, "leaver", False)
        assert browser.get("/postmortems", follow_redirects=False).status_code == 303
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as api:
        assert api.get("/api/v1/postmortems").status_code == 401


def test_viewers_read_but_cannot_edit(app: FastAPI, make_user: Callable[..., str]) -> None:
    token = make_user("vic", Role.VIEWER, "write")
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as api:
        assert api.get("/api/v1/postmortems").status_code == 200
        assert api.post("/api/v1/postmortems", json={"title": "x"}).status_code == 403


def test_passwords_are_argon2_hashed(
    make_user: Callable[..., str], app_sessions: sessionmaker[Session]
) -> None:
    make_user("maja")
    with app_sessions() as session:
        hashed = session.scalars(select(User.password_hash)).one()
    assert hashed is not None and hashed.startswith("$argon2id$") and PASSWORD not in hashed


@pytest.fixture
def provider() -> OidcProvider:
    return OidcProvider()


def _oidc_app(db_url: str, issuer: str, provider: OidcProvider, auto_create: bool) -> FastAPI:
    provider.issuer = issuer
    return create_app(
        Settings(
            database_url=db_url,
            oidc_issuer=issuer,
            oidc_client_id=provider.client_id,
            oidc_client_secret=provider.client_secret,
            oidc_auto_create=auto_create,
        )
    )


def _oidc_round_trip(browser: TestClient) -> httpx.Response:
    start = browser.get("/auth/oidc/start?next=/postmortems/new", follow_redirects=False)
    assert start.status_code == 303
    authorize = start.headers["location"]
    query = parse_qs(urlparse(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["scope"] == ["openid email profile"]
    at_provider = httpx.get(authorize, follow_redirects=False)
    assert at_provider.status_code == 302
    callback = urlparse(at_provider.headers["location"])
    return browser.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def test_openid_connect_sign_in_creates_a_viewer(sqlite_url: str, provider: OidcProvider) -> None:
    with serve(provider.app()) as issuer:
        app = _oidc_app(sqlite_url, issuer, provider, auto_create=True)
        with TestClient(app, base_url="http://testserver") as browser:
            assert "single sign-on" in browser.get("/login").text
            done = _oidc_round_trip(browser)
            assert done.status_code == 303, done.text
            assert done.headers["location"] == "/postmortems/new"
            page = browser.get("/postmortems")
            assert page.status_code == 200 and "grace" in page.text
            # signing in again maps to the same person
            browser.cookies.clear()
            assert _oidc_round_trip(browser).status_code == 303
        with app.state.writing_sessions() as session:
            users = list(session.scalars(select(User)))
        assert [(u.username, u.role, u.email) for u in users] == [
            ("grace", "viewer", "grace@example.com")
        ]
        app.state.engine.dispose()


def test_openid_connect_refuses_bad_nonce_and_unknown_people(
    sqlite_url: str, provider: OidcProvider
) -> None:
    with serve(provider.app()) as issuer:
        app = _oidc_app(sqlite_url, issuer, provider, auto_create=False)
        with TestClient(app) as browser:
            refused = _oidc_round_trip(browser)
            assert refused.status_code == 400
            assert "not enabled" in refused.text
            provider.tamper_nonce = True
            forged = _oidc_round_trip(browser)
            assert forged.status_code == 400 and "nonce" in forged.text
            assert browser.get("/postmortems", follow_redirects=False).status_code == 303
        app.state.engine.dispose()
