"""Request dependencies: the database and who is asking."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people.principal import Principal
from kintsugi.web.auth import require_principal


def get_sessions(request: Request) -> sessionmaker[Session]:
    """The app's session factory."""
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def client_ip(request: Request) -> str | None:
    """The caller's address (as the server sees it)."""
    return request.client.host if request.client else None


Db = Annotated[sessionmaker[Session], Depends(get_sessions)]
CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
