"""A server process builds every route before it takes requests, not on the first request.

FastAPI builds an included router's routes (their dependencies and pydantic schemas) when a
request first reaches the router, on the event loop. A server built that way answered
nobody, not even ``/healthz``, for about a second after its first requests: a probe of
``/healthz`` waited 993 ms while the first lint request was matched.
"""

from __future__ import annotations

from typing import Any

import fastapi.routing
import pytest
from fastapi.testclient import TestClient

from kintsugi.web.asgi import app_factory

FIRST_REQUESTS = [
    "/healthz",
    "/api/v1/postmortems",
    "/api/v1/lint/rules",
    "/api/v1/search?q=disk",
    "/postmortems",
    "/library",
    "/actions",
    "/metrics/dashboard",
    "/handbook",
    "/no-such-page",
]


def test_a_server_process_builds_every_route_before_its_first_request(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINTSUGI_DATABASE_URL", db_url)
    app = app_factory()  # as `kintsugi serve` builds each worker's app
    built: list[str] = []
    build = fastapi.routing._populate_api_route_state  # where FastAPI builds one route

    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append(repr(args[:1]))
        return build(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "_populate_api_route_state", counted)
    with TestClient(app) as client:
        statuses = [client.get(path).status_code for path in FIRST_REQUESTS]
    app.state.engine.dispose()
    assert built == [], f"{len(built)} routes built by requests"
    assert statuses[0] == 200 and statuses[-1] == 404
