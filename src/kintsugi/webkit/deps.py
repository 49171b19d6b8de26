"""Request dependencies: the database and who is asking."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people.principal import Principal
from kintsugi.webkit.auth import require_principal

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_sessions(request: Request) -> sessionmaker[Session]:
    """The app's session factory: one whose transactions write for requests that change
    things (on SQLite they take the write lock as they begin), the plain one for reads.

    The dependencies here are ``async`` because they never wait: FastAPI runs a plain
    function dependency in the thread pool, a hop between threads on every request.
    """
    if request.method in READING_METHODS:
        return get_reading_sessions(request)
    return _writing_sessions(request)


def get_reading_sessions(request: Request) -> sessionmaker[Session]:
    """The session factory for transactions that only read."""
    factory: sessionmaker[Session] = request.app.state.reading_sessions
    return factory


async def get_writing_sessions(request: Request) -> sessionmaker[Session]:
    """The session factory for transactions that write, whatever the request's method (a GET
    that stores a computed value too)."""
    return _writing_sessions(request)


def _writing_sessions(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.writing_sessions
    return factory


def client_ip(request: Request) -> str | None:
    """The caller's address: the connection's, or the client a trusted proxy names
    (``KINTSUGI_TRUSTED_PROXIES``; the app's proxy-headers middleware rewrites it)."""
    return request.client.host if request.client else None


async def current_principal(
    request: Request, principal: Annotated[Principal, Depends(require_principal)]
) -> Principal:
    """The principal the request acts as, kept on the request: the pages' templates offer
    controls by its permissions (``can(me, ...)``)."""
    request.state.principal = principal
    return principal


Db = Annotated[sessionmaker[Session], Depends(get_sessions)]
WritingDb = Annotated[sessionmaker[Session], Depends(get_writing_sessions)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
