"""Request dependencies: the database and who is asking."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people.principal import Principal, Role


def get_sessions(request: Request) -> sessionmaker[Session]:
    """The app's session factory."""
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


LOCAL_OPERATOR = Principal(user_id=None, username="local", role=Role.ADMIN, is_system=True)


def get_principal(request: Request) -> Principal:
    """The principal of this request (the local operator until sign-in is configured)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal or LOCAL_OPERATOR


Db = Annotated[sessionmaker[Session], Depends(get_sessions)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
