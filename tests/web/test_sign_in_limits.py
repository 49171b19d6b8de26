"""Failed sign-ins pause the (username, address) pair, a busy address, and only throttle a
username: a stranger cannot lock a person out of their usual address."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.audit.models import AuditEvent
from kintsugi.core.config import Settings
from kintsugi.web.app import create_app
from tests.support.servers import serve, start_kintsugi, stop
from tests.web.conftest import PASSWORD


def _limits(app: FastAPI, pair: int = 3, address: int = 50, username: int = 100) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={
            "sign_in_attempts_per_15min": pair,
            "sign_in_attempts_per_address_15min": address,
            "sign_in_attempts_per_username_15min": username,
        }
    )


def _from(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))


def _sign_in(client: TestClient | httpx.Client, username: str, password: str = PASSWORD) -> int:
    response = client.post(
        "/login",
        data={"username": username, "password": password, "next": "/postmortems"},
        follow_redirects=False,
    )
    return response.status_code


def _failure_addresses(sessions: sessionmaker[Session]) -> list[str | None]:
    with sessions() as session:
        query = select(AuditEvent.ip).where(AuditEvent.action == "sign_in_failed")
        return list(session.scalars(query.order_by(AuditEvent.id)))


def test_a_stranger_cannot_lock_a_person_out_of_their_usual_address(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    make_user("maja")
    _limits(app, pair=3)
    with _from(app, "203.0.113.9") as stranger:
        for _ in range(3):
            assert _sign_in(stranger, "maja", "guessed password") == 401
        assert _sign_in(stranger, "maja") == 429  # the pair is paused, right password or not
    with _from(app, "198.51.100.7") as maja:
        assert _sign_in(maja, "maja") == 303


def test_an_address_trying_many_usernames_is_paused(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    make_user("maja")
    _limits(app, pair=3, address=4)
    with _from(app, "203.0.113.9") as sprayer:
        for name in ("ana", "ben", "cleo", "dev"):
            assert _sign_in(sprayer, name, "guessed password") == 401
        assert _sign_in(sprayer, "maja") == 429
    with _from(app, "198.51.100.7") as maja:
        assert _sign_in(maja, "maja") == 303


def test_a_username_tried_from_many_addresses_is_throttled_not_locked(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    make_user("maja")
    _limits(app, pair=3, username=4)
    for n in range(4):
        with _from(app, f"203.0.113.{n}") as stranger:
            assert _sign_in(stranger, "maja", "guessed password") == 401
    with _from(app, "203.0.113.0") as stranger:  # failed before: paused
        assert _sign_in(stranger, "maja", "guessed password") == 429
    with _from(app, "198.51.100.7") as maja:  # never failed: the right password works
        assert _sign_in(maja, "maja") == 303


def test_forwarded_addresses_count_only_from_trusted_proxies(
    app: FastAPI, make_user: Callable[..., str], app_sessions: sessionmaker[Session]
) -> None:
    make_user("maja")
    with serve(app, proxy_headers=False) as base, httpx.Client(base_url=base) as client:
        forged = {"X-Forwarded-For": "192.0.2.1"}
        assert client.post("/login", data={"username": "x", "password": "y"}, headers=forged)
    assert _failure_addresses(app_sessions) == ["127.0.0.1"]  # not trusted by default

    proxied = create_app(app.state.settings.model_copy(update={"trusted_proxies": "127.0.0.1"}))
    try:
        with serve(proxied, proxy_headers=False) as base, httpx.Client(base_url=base) as client:
            headers = {"X-Forwarded-For": "192.0.2.1, 198.51.100.7"}
            client.post("/login", data={"username": "x", "password": "y"}, headers=headers)
    finally:
        proxied.state.engine.dispose()
    # the nearest address the trusted proxy names (the client could have written the first)
    assert _failure_addresses(app_sessions) == ["127.0.0.1", "198.51.100.7"]


def test_kintsugi_serve_does_not_believe_forwarded_headers_by_default(sqlite_url: str) -> None:
    from kintsugi.core.db import make_engine, make_sessionmaker

    process, base = start_kintsugi(sqlite_url)
    try:
        httpx.post(
            f"{base}/login",
            data={"username": "x", "password": "y"},
            headers={"X-Forwarded-For": "192.0.2.1"},
        )
    finally:
        stop(process)
    engine = make_engine(sqlite_url)
    try:
        assert _failure_addresses(make_sessionmaker(engine)) == ["127.0.0.1"]
    finally:
        engine.dispose()


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert Settings(trusted_proxies="10.0.0.5, 10.1.0.0/16, ::1").trusted_proxies
    with pytest.raises(ValidationError, match="trusted_proxies") as raised:
        Settings(trusted_proxies="10.0.0.5, proxy.example")
    assert "'proxy.example' is not an IP address or network" in str(raised.value)
