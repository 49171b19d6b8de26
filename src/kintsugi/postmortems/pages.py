"""Server-rendered pages: list, document, new, editor with live preview."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from kintsugi.core.errors import ConflictError, InputError
from kintsugi.core.markdown_html import markdown_to_html
from kintsugi.core.types import utcnow
from kintsugi.core.zones import parse_zone
from kintsugi.people import service as people
from kintsugi.people.permissions import Action, require
from kintsugi.postmortems import review, service
from kintsugi.postmortems.body import body_markdown
from kintsugi.postmortems.document import (
    STATUS_TRANSITIONS,
    Document,
    Severity,
    Status,
    Visibility,
)
from kintsugi.postmortems.item_titles import keep_item_ids
from kintsugi.postmortems.markdown import parse_markdown
from kintsugi.postmortems.templates import TEMPLATES, new_document
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.editor import editor_textarea
from kintsugi.webkit.messages import human_message
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/postmortems", status_code=303)


PAGE_SIZE = 50


@router.get("/postmortems", response_class=HTMLResponse)
def list_page(
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    severity: str = "",
    tag: str = "",
    status: str = "",
    kind: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    after: Annotated[str, Query(max_length=200)] = "",
    count: Annotated[str, Query(pattern="^(exact)?$")] = "",
) -> Response:
    filters = service.Filters(
        severity=severity or None, tag=tag or None, status=status or None, kind=kind or None
    )
    cursor = service.Cursor.decode(after) if after else None
    # counted up to COUNT_CAP ("more than 1,000") unless asked for exactly: the cost of a
    # count grows with what it counts, a page's does not (docs/performance-search.md)
    cap = None if count else service.COUNT_CAP + 1
    with db.begin() as session:
        found = service.list_page(
            session,
            viewer,
            filters,
            limit=PAGE_SIZE,
            after=cursor,
            offset=0 if cursor else (page - 1) * PAGE_SIZE,
        )
        total = service.count_documents(session, viewer, filters, cap=cap)
        facets = service.facet_values(session, viewer)
    shown = {"severity": severity, "tag": tag, "status": status, "kind": kind, "count": count}
    query = {k: v for k, v in shown.items() if v}
    context = {
        "rows": found.rows,
        "next_cursor": found.next.encode() if found.next else None,
        "after": after,
        "total": total if cap is None else min(total, service.COUNT_CAP),
        "total_exact": cap is None or total < cap,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "query": query,
        "filters": filters,
        "facets": facets,
        "severities": [s.value for s in Severity],
        "statuses": [s.value for s in Status],
    }
    if request.headers.get("HX-Request"):
        return _page(request, "postmortems/_rows.html", context)
    return _page(request, "postmortems/list.html", context)


@router.get("/postmortems/new", response_class=HTMLResponse)
def new_page(request: Request, viewer: CurrentPrincipal) -> Response:
    require(viewer, Action.EDIT_POSTMORTEMS)  # refused here, not after the form is filled in
    return _page(
        request,
        "postmortems/new.html",
        {"templates": list(TEMPLATES), "severities": [s.value for s in Severity], "error": None},
    )


@router.post("/postmortems/new")
def create(
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    title: Annotated[str, Form(max_length=500)],
    template: Annotated[str, Form()] = "postmortem",
    severity: Annotated[str, Form()] = "",
) -> Response:
    try:
        doc = new_document(template, title, severity=Severity(severity) if severity else None)
        with db.begin() as session:
            stored = service.create_document(session, doc, viewer)
    except (InputError, ValueError) as exc:
        return _page(
            request,
            "postmortems/new.html",
            {
                "templates": list(TEMPLATES),
                "severities": [s.value for s in Severity],
                "error": human_message(exc) if isinstance(exc, InputError) else str(exc),
            },
            status_code=422,
        )
    return RedirectResponse(f"/postmortems/{stored.id}/edit", status_code=303)


@router.get("/postmortems/{id}", response_class=HTMLResponse)
def document_page(
    request: Request,
    id: str,
    db: Db,
    viewer: CurrentPrincipal,
    published_below_checklist: bool = False,
    drafted: str = "",
    new_events: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    with db.begin() as session:
        doc = service.get_document(session, id, viewer)
        return _document_page(
            request,
            session,
            doc,
            below_checklist=published_below_checklist,
            notice=_draft_notice(drafted, new_events),
        )


def _draft_notice(drafted: str, new_events: int) -> str | None:
    """What a draft from an incident did (the incidents page's form redirects here)."""
    if drafted == "created":
        return "Drafted from the incident."
    if drafted == "refreshed":
        return f"Refreshed: {new_events} new event{'' if new_events == 1 else 's'}."
    if drafted == "published":
        return (
            "The post-mortem is published: only the incident's record was refreshed "
            "(move it back to review to refresh the document)."
        )
    return None


def _document_page(
    request: Request,
    session: Session,
    doc: Document,
    *,
    error: str | None = None,
    below_checklist: bool = False,
    notice: str | None = None,
) -> Response:
    findings = []
    if doc.status == Status.IN_REVIEW:
        # what blocks publishing is the language slice's to say: web/app.py sets it
        findings = request.app.state.review_findings(doc, service.roster(session))
    pk = service.find_row(session, doc.id or "", request.state.principal).pk
    context = {
        "doc": doc,
        "may_publish": review.may_review(
            session, request.state.principal, pk, Action.EDIT_POSTMORTEMS
        ),
        "next": _next_statuses(doc),
        "findings": findings,
        "error": error,
        "below_checklist": below_checklist and doc.status == Status.PUBLISHED,
        "notice": notice,
    }
    return _page(request, "postmortems/show.html", context, 422 if error else 200)


def _next_statuses(doc: Document) -> list[str]:
    order = list(Status)
    return sorted(
        (s.value for s in STATUS_TRANSITIONS[doc.status]), key=lambda v: order.index(Status(v))
    )


@router.get("/postmortems/{id}/edit", response_class=HTMLResponse)
def edit_page(request: Request, id: str, db: Db, viewer: CurrentPrincipal) -> Response:
    require(viewer, Action.EDIT_POSTMORTEMS)
    with db.begin() as session:
        doc = service.get_document(session, id, viewer)
        teams = _team_names(session)
    return _page(request, "postmortems/edit.html", _editor_context(doc, body_markdown(doc), teams))


def _team_names(session: Session) -> list[str]:
    return [team.name for team in people.list_teams(session)]


def _editor_context(
    doc: Document, body: str, teams: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "doc": doc,
        "body": body,
        "severities": [s.value for s in Severity],
        "visibilities": [v.value for v in Visibility],
        "teams": teams or [],
        "preview": Markup(markdown_to_html(body)),
        "textarea": Markup(editor_textarea(body)),
        "loaded_at": utcnow().isoformat(),
        "local": lambda value: _local_input(value, doc.timezone),
        **extra,
    }


def _local_input(value: datetime | None, zone: str) -> str:
    if value is None:
        return ""
    return value.astimezone(parse_zone(zone)).strftime("%Y-%m-%dT%H:%M")


def _parse_local(value: str, zone: ZoneInfo, field: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{value!r} is not a date and time", field=field) from None
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@router.post("/postmortems/{id}/edit")
def save(
    request: Request,
    id: str,
    db: Db,
    viewer: CurrentPrincipal,
    title: Annotated[str, Form(max_length=500)],
    markdown: Annotated[str, Form(max_length=2_000_000)],
    base_version: Annotated[int, Form()],
    severity: Annotated[str, Form()] = "",
    tags: Annotated[str, Form(max_length=2000)] = "",
    services: Annotated[str, Form(max_length=2000)] = "",
    timezone: Annotated[str, Form(max_length=64)] = "UTC",
    started_at: Annotated[str, Form()] = "",
    detected_at: Annotated[str, Form()] = "",
    resolved_at: Annotated[str, Form()] = "",
    visibility: Annotated[str, Form()] = "organisation",
    team: Annotated[str, Form(max_length=120)] = "",
    access: Annotated[str, Form(max_length=5000)] = "",
    loaded_at: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    with db.begin() as session:
        current = service.get_document(session, id, viewer)
        teams = _team_names(session)
    try:
        zone = parse_zone(timezone)
        parsed = parse_markdown(
            f"# {title}\n\n{markdown}", source="editor", default_timezone=timezone
        )
        doc = current.model_copy(
            update={
                "title": title.strip(),
                "severity": Severity(severity) if severity else None,
                "tags": _split(tags),
                "services": _split(services),
                "timezone": timezone,
                "started_at": _parse_local(started_at, zone, "started_at"),
                "detected_at": _parse_local(detected_at, zone, "detected_at"),
                "resolved_at": _parse_local(resolved_at, zone, "resolved_at"),
                "visibility": Visibility(visibility),
                "team": team or None,
                "access": _split(access),
                "sections": parsed.sections,
                "timeline": parsed.timeline,
                "action_items": keep_item_ids(parsed.action_items, current.action_items),
            }
        )
        with db.begin() as session:
            stored = service.update_document(
                session,
                id,
                doc,
                viewer,
                base_version=base_version,
                items_since=_loaded_at(loaded_at),
            )
    except ConflictError as exc:
        latest = exc.current if isinstance(exc.current, Document) else current
        context = _editor_context(
            latest, body_markdown(latest), teams, conflict=True, mine=markdown, error=str(exc)
        )
        return _page(request, "postmortems/edit.html", context, status_code=409)
    except (InputError, ValueError) as exc:
        message = human_message(exc) if isinstance(exc, InputError) else str(exc)
        context = _editor_context(current, markdown, teams, error=message)
        return _page(request, "postmortems/edit.html", context, status_code=422)
    return RedirectResponse(f"/postmortems/{stored.id}", status_code=303)


def _loaded_at(value: str) -> datetime | None:
    """When the editor was opened (a hidden field); None when missing or garbled."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


@router.post("/postmortems/{id}/status")
def status_change(
    request: Request,
    id: str,
    db: Db,
    viewer: CurrentPrincipal,
    status: Annotated[str, Form()],
    base_version: Annotated[int | None, Form()] = None,
    override_reason: Annotated[str, Form(max_length=2000)] = "",
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    try:
        target = Status(status)
    except ValueError:
        raise InputError(f"unknown status {status!r}", field="status") from None
    if target == Status.PUBLISHED and not confirmed:  # the score and findings come first
        return RedirectResponse(f"/postmortems/{id}/publish", status_code=303)
    warnings: list[str] = []
    try:
        with db.begin() as session:
            doc = service.change_status(
                session,
                id,
                target,
                viewer,
                base_version=base_version,
                override_reason=override_reason or None,
                warnings=warnings,
            )
    except service.PublishBlockedError as exc:
        with db.begin() as session:
            current = service.get_document(session, id, viewer)
            return _document_page(request, session, current, error=exc.message)
    flag = "?published_below_checklist=1" if warnings else ""
    return RedirectResponse(f"/postmortems/{doc.id}{flag}", status_code=303)


@router.post("/preview", response_class=HTMLResponse)
def preview(
    _viewer: CurrentPrincipal, markdown: Annotated[str, Form(max_length=2_000_000)] = ""
) -> HTMLResponse:
    """The editor's live preview: the Markdown rendered and sanitised."""
    return HTMLResponse(markdown_to_html(markdown))
