"""The web app with the action item routers, for the API and page tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kintsugi.actions import api, pages
from kintsugi.core.config import Settings
from kintsugi.people.principal import Principal, Role
from kintsugi.web.app import create_app
from kintsugi.webkit.auth import require_principal


def actions_app(db_url: str) -> FastAPI:
    """``create_app`` plus this slice's routers (until the lead lists them in ROUTERS)."""
    app = create_app(Settings(database_url=db_url))
    paths = {getattr(route, "path", "") for route in app.routes}
    if "/api/v1/actions" not in paths:
        app.include_router(api.router)
    if "/actions" not in paths:
        app.include_router(pages.router)
    return app


ADMIN = Principal(user_id=None, username="admin", role=Role.ADMIN)


@contextmanager
def client_for(db_url: str, principal: Principal = ADMIN) -> Iterator[TestClient]:
    """A TestClient whose requests run as ``principal`` (sign-in is tested by the web slice)."""
    app = actions_app(db_url)
    app.dependency_overrides[require_principal] = lambda: principal
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()
