"""Pages: the metrics dashboard with its charts (SVG/PNG), overdue post-mortems, the quality
checklist fragment of a post-mortem page, the admin policy page, and ``GET /metrics`` for
Prometheus.

``/metrics`` authentication: a bearer token (any scope; ``--scope read`` is enough) whose user
decides what the figures cover, or no token at all when ``KINTSUGI_METRICS_PUBLIC=true`` (the
figures of organisation-visible post-mortems only). Without either it answers 401, never a
redirect to the sign-in page.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError, NotFoundError, PermissionDeniedError
from kintsugi.core.types import utcnow
from kintsugi.metrics import checklist as checklists
from kintsugi.metrics.charts import FORMATS, render_chart
from kintsugi.metrics.config import MetricsSettings
from kintsugi.metrics.deadlines import count_overdue, overdue_postmortems
from kintsugi.metrics.policy import (
    Policy,
    effective_policy,
    save_overrides,
    stored_overrides,
)
from kintsugi.metrics.prometheus import CONTENT_TYPE, exposition
from kintsugi.metrics.publish_page import router as publish_router
from kintsugi.metrics.queries import Scope
from kintsugi.metrics.service import KEYS, MetricsReport, compute_metrics, make_scope, months_of
from kintsugi.people import service as people
from kintsugi.people.permissions import Action, can, require
from kintsugi.people.principal import Principal, Role
from kintsugi.postmortems import review
from kintsugi.postmortems import service as postmortems
from kintsugi.webkit.auth import identity
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)

# Charts are images: they may draw with the SVG's own styles, and nothing else.
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'"
CACHE_SECONDS = 30.0
# Who scrapes without a token when KINTSUGI_METRICS_PUBLIC=true: sees organisation documents.
PUBLIC_SCRAPER = Principal(user_id=0, username="prometheus", role=Role.VIEWER, read_only=True)


class _ReportCache:
    """The dashboard's metrics for a few seconds, so that its page and its seven charts
    compute them once (keyed by viewer, scope and policy)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Any, ...], tuple[float, MetricsReport]] = {}

    def get(
        self, session: Session, viewer: Principal, scope: Scope, policy: Policy
    ) -> MetricsReport:
        key = (
            str(session.get_bind().engine.url),
            viewer,
            scope,
            policy.model_dump_json(),
        )
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and now - found[0] < CACHE_SECONDS:
                return found[1]
        report = compute_metrics(session, viewer, scope, policy, now=utcnow())
        with self._lock:
            self._entries = {k: v for k, v in self._entries.items() if now - v[0] < CACHE_SECONDS}
            self._entries[key] = (now, report)
        return report


CACHE = _ReportCache()


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _scope(since: str, until: str, team: str, service: str) -> Scope:
    return make_scope(
        utcnow(),
        since=since.strip() or None,
        until=until.strip() or None,
        team=team.strip() or None,
        service=service.strip() or None,
    )


def _query(scope: Scope, since: str, until: str) -> str:
    params = {
        "since": since.strip(),
        "until": until.strip(),
        "team": scope.team or "",
        "service": scope.service or "",
    }
    return urlencode({k: v for k, v in params.items() if v})


@router.get("/metrics/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    since: str = "",
    until: str = "",
    team: str = "",
    service: str = "",
) -> Response:
    """The metrics against their targets, with trend charts; filter by team, service, period.

    The page answers at once; its computed figures load from ``dashboard_figures``."""
    with db() as session:
        policy = effective_policy(session)
        scope = _scope(since, until, team, service)
        where = {"team": scope.team, "service": scope.service}
        overdue = overdue_postmortems(
            session, viewer, policy.deadlines, utcnow(), **where, limit=20
        )
        overdue_total = count_overdue(session, viewer, policy.deadlines, utcnow(), **where)
        teams = [t.name for t in people.list_teams(session)]
        services = postmortems.facet_values(session, viewer).get("services", [])
    return _page(
        request,
        "metrics/dashboard.html",
        {
            "scope": scope,
            "since": since.strip(),
            "until": until.strip(),
            "query": _query(scope, since, until),
            "keys": KEYS,
            "teams": teams,
            "services": services,
            "overdue": overdue,
            "overdue_total": overdue_total,
            "now": utcnow(),
        },
    )


@router.get("/metrics/dashboard/figures", response_class=HTMLResponse)
def dashboard_figures(
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    since: str = "",
    until: str = "",
    team: str = "",
    service: str = "",
) -> Response:
    """The dashboard's computed part (metrics table, charts, recurring pairs): an htmx
    fragment the page loads after it shows."""
    with db() as session:
        scope = _scope(since, until, team, service)
        report = CACHE.get(session, viewer, scope, effective_policy(session))
    return _page(
        request,
        "metrics/_figures.html",
        {
            "report": report,
            "query": _query(scope, since, until),
            "pairs": report.recurring_pairs[:20],
            "pairs_total": len(report.recurring_pairs),
        },
    )


@router.get("/metrics/charts/{name}")
def chart(
    name: str,
    db: Db,
    viewer: CurrentPrincipal,
    since: str = "",
    until: str = "",
    team: str = "",
    service: str = "",
    download: str = "",
) -> Response:
    """One metric's trend chart: ``<key>.svg`` or ``<key>.png``."""
    key, _, fmt = name.rpartition(".")
    if key not in KEYS or fmt not in FORMATS:
        raise NotFoundError(f"no chart {name!r}")
    with db() as session:
        policy = effective_policy(session)
        scope = _scope(since, until, team, service)
        report = CACHE.get(session, viewer, scope, policy)
    body = report.charts.get(name)
    if body is None:  # drawn once per cached report
        body = report.charts[name] = render_chart(report.metric(key), months_of(scope), fmt)
    headers = {"Content-Security-Policy": CHART_CSP, "Cache-Control": "private, max-age=60"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="kintsugi-{key}.{fmt}"'
    return Response(body, media_type=FORMATS[fmt], headers=headers)


@router.get("/metrics/overdue", response_class=HTMLResponse)
def overdue_page(request: Request, db: Db, viewer: CurrentPrincipal, team: str = "") -> Response:
    """Post-mortems past their deadline."""
    now = utcnow()
    with db() as session:
        policy = effective_policy(session)
        found = overdue_postmortems(session, viewer, policy.deadlines, now, team=team or None)
    return _page(
        request,
        "metrics/overdue.html",
        {"overdue": found, "now": now, "team": team, "policy": policy},
    )


def _checklist_fragment(
    request: Request, session: Session, id: str, viewer: Principal, error: str | None = None
) -> Response:
    result = checklists.check_document(session, id, viewer, effective_policy(session))
    pk = postmortems.find_row(session, id, viewer).pk
    may_answer = review.may_review(session, viewer, pk, Action.ANSWER_CHECKLIST)
    return _page(
        request,
        "metrics/_checklist.html",
        {
            "checklist": result,
            "groups": [("content", "Content"), ("process", "Process"), ("follow_up", "Follow-up")],
            "can_answer": may_answer,
            "author_only": can(viewer, Action.ANSWER_CHECKLIST) and not may_answer,
            "error": error,
        },
    )


@router.get("/postmortems/{id}/checklist", response_class=HTMLResponse)
def checklist_fragment(request: Request, id: str, db: Db, viewer: CurrentPrincipal) -> Response:
    """The quality checklist as an htmx fragment for the post-mortem page."""
    with db() as session:
        return _checklist_fragment(request, session, id, viewer)


@router.post("/postmortems/{id}/checklist", response_class=HTMLResponse)
def answer(
    request: Request,
    id: str,
    db: Db,
    viewer: CurrentPrincipal,
    item: Annotated[str, Form(max_length=60)],
    answer: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record a reviewer's answer (editors); returns the updated fragment."""
    value = None if answer == "clear" else answer
    error = None
    try:
        with db.begin() as session:
            checklists.set_answer(session, id, item, value, viewer, note=note or None)
    except (InputError, PermissionDeniedError) as exc:
        error = str(exc)
    with db() as session:
        return _checklist_fragment(request, session, id, viewer, error)


FIELDS: list[tuple[str, str, str]] = [
    ("deadlines", "sev1_hours", "SEV1 deadline (hours after resolution)"),
    ("deadlines", "sev2_hours", "SEV2 deadline (hours)"),
    ("deadlines", "sev3_hours", "SEV3 deadline (hours)"),
    ("targets", "post_mortem_completion_rate", "Target: post-mortem completion (%)"),
    ("targets", "action_item_on_time_rate", "Target: action items on time (%)"),
    ("targets", "time_to_post_mortem_hours", "Target: time to post-mortem, SEV1 median (hours)"),
    ("targets", "recurring_incident_rate", "Target: recurring incidents (%)"),
    ("targets", "mttr_minutes", "Target: mean time to resolve (minutes)"),
    ("targets", "learning_sessions_per_month", "Target: learning sessions per month"),
    ("targets", "documentation_updates", "Target: documentation updates"),
    ("checklist", "publish_warning_score", "Warn when publishing below this checklist score (%)"),
    ("recurrence", "window_days", "Recurrence window (days)"),
    ("recurrence", "similarity_threshold", "Recurrence similarity threshold (0-1)"),
    ("reminders", "every_days", "Remind authors of overdue post-mortems every N days (0: never)"),
]


def _require_admin(viewer: Principal) -> None:
    require(viewer, Action.MANAGE_LEARNING_POLICY)


@router.get("/admin/metrics-policy", response_class=HTMLResponse)
def policy_page(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    """The admin page: the effective policy and the fields this page overrides."""
    _require_admin(viewer)
    with db() as session:
        return _policy_page(request, session, error=None)


def _policy_page(
    request: Request, session: Session, *, error: str | None, status_code: int = 200
) -> Response:
    policy = effective_policy(session).model_dump(mode="json")
    overrides = stored_overrides(session)
    rows = [
        (
            f"{section}.{name}",
            label,
            policy[section][name],
            overrides.get(section, {}).get(name, ""),
        )
        for section, name, label in FIELDS
    ]
    return _page(
        request,
        "metrics/policy.html",
        {"rows": rows, "error": error, "file": MetricsSettings().policy_file},
        status_code=status_code,
    )


@router.post("/admin/metrics-policy")
async def save_policy(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    """Store the fields filled in (empty: use the file's value or the default)."""
    _require_admin(viewer)
    form = await request.form()
    overrides: dict[str, dict[str, Any]] = {}
    for section, name, _label in FIELDS:
        raw = form.get(f"{section}.{name}")
        text = raw.strip() if isinstance(raw, str) else ""
        if not text:
            continue
        try:
            value: float | int = int(text) if text.lstrip("-").isdigit() else float(text)
        except ValueError:
            with db() as session:
                return _policy_page(
                    request, session, error=f"{section}.{name}: not a number", status_code=422
                )
        overrides.setdefault(section, {})[name] = value
    try:
        with db.begin() as session:
            save_overrides(session, viewer, overrides)
    except InputError as exc:
        with db() as session:
            return _policy_page(request, session, error=str(exc), status_code=422)
    return RedirectResponse("/admin/metrics-policy", status_code=303)


@router.get("/metrics")
def prometheus(request: Request, db: Db) -> Response:
    """The learning metrics for Prometheus (text exposition format)."""
    found = identity(request)
    if found is not None:
        viewer = found.principal
    elif MetricsSettings().metrics_public:
        viewer = PUBLIC_SCRAPER
    else:
        return Response(
            "a bearer token is required (or set KINTSUGI_METRICS_PUBLIC=true)\n",
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": "Bearer"},
        )
    with db() as session:
        body = exposition(session, viewer, effective_policy(session), now=utcnow())
    return Response(body, media_type=CONTENT_TYPE)


EXTRA_ROUTERS = (publish_router,)
