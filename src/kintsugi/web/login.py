"""Sign-in and sign-out pages: password, and OpenID Connect when configured."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kintsugi.audit import service as audit
from kintsugi.core.config import Settings
from kintsugi.core.types import utcnow
from kintsugi.people import service as people
from kintsugi.web.oidc import OidcClient, OidcError, Pending
from kintsugi.web.sign_in_limits import SignInLimits, paused, record_failure
from kintsugi.webkit.auth import SESSION_COOKIE, identity
from kintsugi.webkit.deps import Db, WritingDb, client_ip, get_reading_sessions
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)
OIDC_COOKIE = "kintsugi_oidc"


def _safe_next(value: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/postmortems"


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _oidc(request: Request) -> OidcClient:
    client: OidcClient | None = getattr(request.app.state, "oidc", None)
    if client is None:
        client = OidcClient(_settings(request))
        request.app.state.oidc = client
    return client


def _login_page(request: Request, *, error: str | None, status_code: int) -> Response:
    with get_reading_sessions(request)() as session:
        has_users = people.users_exist(session)
    return templates.TemplateResponse(
        request,
        "login.html",
        {
            "error": error,
            "next": _safe_next(request.query_params.get("next")),
            "sso": bool(_settings(request).oidc_issuer),
            "has_users": has_users,
        },
        status_code=status_code,
    )


@router.get("/login")
def login_page(request: Request) -> Response:
    if identity(request) is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return _login_page(request, error=None, status_code=200)


def _signed_in(request: Request, db: Db, username: str, next_path: str, how: str) -> Response:
    with db.begin() as session:
        token, _csrf = people.start_session(session, people.get_user(session, username))
        audit.record(session, username, "sign_in", username, ip=client_ip(request), how=how)
    response = RedirectResponse(_safe_next(next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(people.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        secure=_settings(request).cookie_secure,
        samesite="lax",
        path="/",
    )
    return response


@router.post("/login")
def login(
    request: Request,
    db: Db,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/postmortems",
) -> Response:
    ip = client_ip(request) or "unknown"
    limits = SignInLimits.of(_settings(request))
    user = None
    with db.begin() as session:
        blocked = paused(session, limits, username, ip, utcnow())
        if not blocked:
            user = people.authenticate(session, username, password)
            if user is None:
                record_failure(session, username, ip)
    if blocked:
        return _login_page(
            request,
            error="Too many failed sign-ins. Wait 15 minutes and try again.",
            status_code=429,
        )
    if user is None:
        return _login_page(request, error="Unknown username or wrong password.", status_code=401)
    return _signed_in(request, db, user.username, next, "password")


@router.post("/logout")
def logout(request: Request, db: Db) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    found = identity(request)
    if token:
        with db.begin() as session:
            people.end_session(session, token)
            if found:
                audit.record(session, found.principal, "sign_out", found.principal.username)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("oidc_callback"))


@router.get("/auth/oidc/start")
def oidc_start(request: Request, next: str = "/postmortems") -> Response:
    url, pending = _oidc(request).start(_redirect_uri(request))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        OIDC_COOKIE,
        f"{pending.cookie_value()}|{_safe_next(next)}",
        max_age=600,
        httponly=True,
        secure=_settings(request).cookie_secure,
        samesite="lax",
        path="/auth/oidc",
    )
    return response


@router.get("/auth/oidc/callback", name="oidc_callback")
def oidc_callback(request: Request, db: WritingDb, code: str = "", state: str = "") -> Response:
    raw, _, next_path = (request.cookies.get(OIDC_COOKIE) or "").partition("|")
    pending = Pending.from_cookie(raw)
    if pending is None or not code:
        raise OidcError("sign-in expired or was not started here; start again")
    claims = _oidc(request).finish(
        code=code, state=state, pending=pending, redirect_uri=_redirect_uri(request)
    )
    settings = _settings(request)
    with db.begin() as session:
        user = people.user_for_identity(
            session,
            claims.issuer,
            claims.subject,
            username=claims.username,
            email=claims.email,
            display_name=claims.name,
            auto_create=settings.oidc_auto_create,
        )
        if user is None:
            audit.record(session, claims.username, "sign_in_failed", claims.username, how="oidc")
    if user is None:
        raise OidcError("your account is not enabled in Kintsugi; ask an admin")
    response = _signed_in(request, db, user.username, next_path, "oidc")
    response.delete_cookie(OIDC_COOKIE, path="/auth/oidc")
    return response
