"""``create_app(settings)``: the FastAPI application."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from kintsugi import __version__
from kintsugi.core.config import Settings, proxy_entries
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.db_state import refusal_message, write_refusal
from kintsugi.core.errors import ConflictError, KintsugiError, PermissionDeniedError
from kintsugi.language.linter import blocking_findings
from kintsugi.library.facets import load_columns
from kintsugi.postmortems.document import Document
from kintsugi.postmortems.export import document_json
from kintsugi.postmortems.service import roster
from kintsugi.web.api_errors import ERROR_RESPONSES
from kintsugi.web.caching import NoStore
from kintsugi.webkit.auth import (
    AuthenticationRequired,
    AuthMiddleware,
    csrf_protect,
    login_redirect_target,
)
from kintsugi.webkit.limits import RequestBodyLimits, send_retry_after
from kintsugi.webkit.messages import error_title, field_label, human_message
from kintsugi.webkit.templating import templates
from kintsugi.wiring import wire

STATIC_DIR = Path(__file__).resolve().parent / "static"
logger = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

ROUTERS = (
    "kintsugi.web.health",
    "kintsugi.web.login",
    "kintsugi.postmortems.api",
    "kintsugi.exports.api",
    "kintsugi.timeline.api",
    "kintsugi.timeline.pages",
    "kintsugi.timeline.row_pages",
    "kintsugi.actions.api",
    "kintsugi.actions.pages",
    "kintsugi.actions.row_pages",
    "kintsugi.meetings.api",
    "kintsugi.meetings.pages",
    "kintsugi.rca.api",
    "kintsugi.rca.pages",
    "kintsugi.library.api",
    "kintsugi.library.pages",
    "kintsugi.metrics.api",
    "kintsugi.metrics.pages",
    "kintsugi.postmortems.pages",
    "kintsugi.postmortems.admin_pages",
    "kintsugi.web.audit_pages",
    "kintsugi.web.people_pages",
    "kintsugi.handbook.api",
    "kintsugi.language.api",
    "kintsugi.incidents.api",
    "kintsugi.incidents.pages",
)


SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeaders:
    """Secure defaults on every response: CSP allowing our own scripts only, no sniffing.

    A response that sets its own header (the HTML export's stricter CSP) keeps it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings, *, server: bool = False) -> FastAPI:
    """Build the app on the database that ``settings`` names (migrated by the caller).

    ``server``: the app of a server process. It builds every route now, before it takes
    requests, and loads the library's in-memory columns in the background as it starts, so
    that the first search does not wait for them. Apps for tests and tools do neither: they
    build the routes their requests reach, on the way.
    """
    wire()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # request handlers run in a thread pool; its size bounds the requests worked on at once
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        if server:
            threading.Thread(
                target=_preload_library, args=(app.state.reading_sessions,), daemon=True
            ).start()
        yield

    app = FastAPI(
        lifespan=lifespan,
        dependencies=[Depends(csrf_protect)],
        title="Kintsugi",
        version=__version__,
        description="Learn from incidents, blamelessly: post-mortems, timelines, RCA, actions.",
        docs_url=None,  # Swagger UI would load scripts from a CDN; the schema is at /openapi.json
        redoc_url=None,
    )
    engine = make_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        ping_after=settings.database_idle_check_seconds,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.reading_sessions = make_sessionmaker(engine, reads_only=True)
    app.state.writing_sessions = make_sessionmaker(engine, writes=True)
    app.state.language_roster = _roster
    app.state.review_findings = blocking_findings  # shown on a post-mortem in review
    app.add_middleware(RequestBodyLimits, max_bytes=settings.max_request_bytes)
    app.add_middleware(AuthMiddleware, sessions=app.state.reading_sessions)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(NoStore)
    if proxies := proxy_entries(settings.trusted_proxies):
        # outermost: everything inside sees the client the trusted proxies name
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module_name in ROUTERS:
        module = importlib.import_module(module_name)
        _include(app, module.router)
        for extra in getattr(module, "EXTRA_ROUTERS", ()):
            _include(app, extra)
    _install_error_handlers(app)
    if server:
        _build_routes(app)
    return app


def _build_routes(app: FastAPI) -> None:
    """Build every route's dependencies and schemas now, before the server takes requests.

    FastAPI builds an included router's routes on the first request that reaches it, on the
    event loop: about a second in which the process answered nobody, not even ``/healthz``.
    Building them all takes about as long, once, before the process listens.
    """
    for _ in iter_route_contexts(app.routes):
        pass


def _preload_library(sessions: sessionmaker[Session]) -> None:
    try:
        load_columns(sessions)
    except Exception:  # the first search loads them then, and says what is wrong
        logger.warning("could not preload the library's columns", exc_info=True)


def _roster(request: Request) -> list[str]:
    """The organisation's people, so that the language linter recognises their names."""
    with request.app.state.reading_sessions() as session:
        return roster(session)


def _include(app: FastAPI, router: APIRouter) -> None:
    """Mount a router; API routes document the shared error responses."""
    if router.prefix.startswith("/api/"):
        app.include_router(router, responses=ERROR_RESPONSES)
    else:  # pages and htmx fragments are not part of the API
        app.include_router(router, include_in_schema=False)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KintsugiError)
    async def kintsugi_error(request: Request, exc: KintsugiError) -> Response:
        if isinstance(exc, AuthenticationRequired) and not _wants_json(request):
            return RedirectResponse(login_redirect_target(request), status_code=303)
        if _wants_json(request):
            body: dict[str, object] = {"detail": str(exc)}
            if isinstance(exc, ConflictError) and isinstance(exc.current, Document):
                body["current"] = document_json(exc.current)
            headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
            return JSONResponse(body, status_code=exc.status_code, headers=headers)
        return _error_page(request, exc)

    def _error_page(request: Request, exc: KintsugiError) -> Response:
        """The error as a page, or as a fragment for htmx (its error handler shows it beside
        the control that failed, static/kintsugi.js)."""
        fragment = bool(request.headers.get("HX-Request"))
        context = {
            "message": human_message(exc),
            "status_code": exc.status_code,
            "title": error_title(exc.status_code),
            "role_needed": exc.role if isinstance(exc, PermissionDeniedError) else None,
        }
        name = "_error_fragment.html" if fragment else "error.html"
        return templates.TemplateResponse(request, name, context, status_code=exc.status_code)

    @app.exception_handler(DBAPIError)
    async def database_refused_write(request: Request, exc: DBAPIError) -> Response:
        refusal = write_refusal(exc)
        if refusal is None:
            raise exc  # a bug or an outage: the server's 500, logged with its traceback
        logger.warning("a write was refused: %s", exc.orig)
        message = refusal_message(refusal)
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=503)
        return templates.TemplateResponse(
            request, "error.html", {"message": message, "status_code": 503}, 503
        )

    @app.exception_handler(OverflowError)
    async def number_out_of_range(request: Request, exc: OverflowError) -> Response:
        # a number too large for the database (SQLite integers are 64-bit)
        message = "a number in the request is out of range"
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=422)
        return templates.TemplateResponse(
            request, "error.html", {"message": message, "status_code": 422}, 422
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in err.get('loc', ()) if p != 'body')}: {err.get('msg')}"
            for err in exc.errors()
        ]
        # a text over its size limit is 413 (the message names the field and the limit)
        too_large = any(
            err.get("type") == "string_too_long" and err.get("loc", ("",))[0] == "body"
            for err in exc.errors()
        )
        code = 413 if too_large else 422
        if _wants_json(request):
            return JSONResponse({"detail": problems}, status_code=code)
        problems = [  # for people: fields as they read them
            f"{field_label('.'.join(str(p) for p in err.get('loc', ()) if p != 'body'))}: "
            f"{err.get('msg')}"
            for err in exc.errors()
        ]
        return templates.TemplateResponse(
            request, "error.html", {"message": "; ".join(problems), "status_code": code}, code
        )

    send_retry_after(app)
