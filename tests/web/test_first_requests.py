"""The first requests to a server on PostgreSQL after its start-up load of the library.

The load puts a connection in the pool as the server starts; the first request to take it
after it sat idle past the idle test failed with "can't change 'autocommit' now: connection
in transaction status INTRANS" (the idle test's SELECT had opened a transaction)."""

from __future__ import annotations

import httpx
import pytest

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Document
from tests.support.servers import start_kintsugi, stop


@pytest.mark.postgres
def test_the_first_requests_after_the_start_up_load_succeed(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(postgres_url)
    with make_sessionmaker(engine).begin() as session:
        people.create_user(session, SYSTEM, "admin", role=Role.ADMIN, password="x" * 12)
        token = people.create_token(session, SYSTEM, "admin", "tests", "write").secret
        for n in range(3):
            service.create_document(session, Document(title=f"Disk full {n}"), SYSTEM)
    engine.dispose()
    # every pooled connection counts as idle, as after 10 s without requests
    monkeypatch.setenv("KINTSUGI_DATABASE_IDLE_CHECK_SECONDS", "0")
    process, base = start_kintsugi(postgres_url)
    try:
        auth = {"Authorization": f"Bearer {token}"}
        statuses = [
            httpx.get(f"{base}/api/v1/postmortems", headers=auth, timeout=30).status_code
            for _ in range(5)
        ]
        searched = httpx.get(f"{base}/api/v1/search?q=disk", headers=auth, timeout=30)
    finally:
        stop(process)
    assert statuses == [200] * 5
    assert searched.status_code == 200
