"""Who is asking: session cookies (browsers), bearer tokens (CLI, integrations), CSRF checks."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import quote

import anyio.to_thread
from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from kintsugi.core.errors import KintsugiError
from kintsugi.people import service as people
from kintsugi.people.principal import Principal

SESSION_COOKIE = "kintsugi_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# served to anyone as they are: no need to look the caller up in the database
ANONYMOUS_PREFIXES = ("/static/", "/healthz", "/readyz")


class AuthenticationRequired(KintsugiError):
    """No valid session or token: 401 for the API, a redirect to sign-in for pages."""

    status_code = 401


class CsrfError(KintsugiError):
    """A state-changing browser request without the session's CSRF token."""

    status_code = 403


@dataclass(frozen=True)
class Identity:
    """What the request proved: the principal, how, and the session's CSRF token."""

    principal: Principal
    method: str  # "session" or "token"
    csrf_token: str | None = None


class AuthMiddleware:
    """Resolves the session cookie or bearer token into ``request.state.identity``."""

    def __init__(self, app: ASGIApp, sessions: sessionmaker[Session]) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(ANONYMOUS_PREFIXES):
            found = await anyio.to_thread.run_sync(self._identify, scope)
            scope.setdefault("state", {})["identity"] = found
        await self.app(scope, receive, send)

    def _identify(self, scope: Scope) -> Identity | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            secret = authorization[7:].strip()
            with self.sessions.begin() as session:
                principal = people.principal_for_token(session, secret)
            return Identity(principal, "token") if principal else None
        cookie = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
        if cookie:
            with self.sessions() as session:
                resolved = people.resolve_session(session, cookie)
            if resolved:
                return Identity(resolved[0], "session", resolved[1])
        return None


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def identity(request: Request) -> Identity | None:
    """The request's identity, if it proved one."""
    found: Identity | None = getattr(request.state, "identity", None)
    return found


async def require_principal(request: Request) -> Principal:
    """The signed-in principal; AuthenticationRequired otherwise (``async``: it never waits,
    and FastAPI would run a plain function dependency in the thread pool)."""
    found = identity(request)
    if found is None:
        raise AuthenticationRequired("sign in first (a session cookie or a bearer token)")
    return found.principal


def login_redirect_target(request: Request) -> str:
    """Where to send a browser that must sign in, keeping where it was going."""
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return f"/login?next={quote(path, safe='')}"


async def csrf_protect(request: Request) -> None:
    """Refuse state-changing browser requests that lack the session's CSRF token.

    Bearer-token requests are exempt: browsers never attach those on their own.
    """
    found = identity(request)
    if request.method in SAFE_METHODS or found is None or found.method != "session":
        return
    expected = found.csrf_token or ""
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    if not supplied or not hmac.compare_digest(supplied, expected):
        raise CsrfError("the form is missing its CSRF token or it has expired; reload the page")
