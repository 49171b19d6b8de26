"""Pages: the handbook (read, edit with live preview, history), the facilitator self-check,
the learning digest and recognitions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from kintsugi.core.errors import ConflictError, InputError, NotFoundError
from kintsugi.core.types import utcnow
from kintsugi.handbook import recognition, service, training
from kintsugi.handbook.digest import build_learning_digest
from kintsugi.handbook.render import headings, render
from kintsugi.people.permissions import Action, can, require
from kintsugi.people.principal import Principal
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _require_admin(viewer: Principal) -> None:
    require(viewer, Action.EDIT_HANDBOOK)


@router.get("/handbook", response_class=HTMLResponse)
def index(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    with db.begin() as session:
        pages = service.list_pages(session)
    return _page(request, "handbook/index.html", {"pages": pages})


@router.post("/handbook/preview", response_class=HTMLResponse)
def preview(
    _viewer: CurrentPrincipal,
    markdown: Annotated[str, Form(max_length=service.MAX_MARKDOWN)] = "",
) -> HTMLResponse:
    """The editor's live preview: rendered and sanitised, headings with their anchors."""
    return HTMLResponse(render(markdown))


@router.get("/handbook/{slug}", response_class=HTMLResponse)
def show(request: Request, slug: str, db: Db, viewer: CurrentPrincipal) -> Response:
    with db.begin() as session:
        page = service.get_page(session, slug)
    toc = [h for h in headings(page.markdown) if h.level == 2]
    return _page(
        request,
        "handbook/page.html",
        {"page": page, "html": Markup(render(page.markdown)), "toc": toc},
    )


def _editor(page: service.Page, markdown: str, **extra: Any) -> dict[str, Any]:
    return {"page": page, "markdown": markdown, "preview": Markup(render(markdown)), **extra}


@router.get("/handbook/{slug}/edit", response_class=HTMLResponse)
def edit_page(request: Request, slug: str, db: Db, viewer: CurrentPrincipal) -> Response:
    _require_admin(viewer)
    with db.begin() as session:
        page = service.get_page(session, slug)
    return _page(request, "handbook/edit.html", _editor(page, page.markdown))


@router.post("/handbook/{slug}/edit")
def save(
    request: Request,
    slug: str,
    db: Db,
    viewer: CurrentPrincipal,
    markdown: Annotated[str, Form(max_length=service.MAX_MARKDOWN)],
    base_version: Annotated[int, Form()],
    change: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _require_admin(viewer)
    try:
        with db.begin() as session:
            service.save_page(
                session, slug, markdown, viewer, base_version=base_version, change=change
            )
    except ConflictError as exc:
        with db.begin() as session:
            current = service.get_page(session, slug)
        context = _editor(current, current.markdown, conflict=True, mine=markdown, error=str(exc))
        return _page(request, "handbook/edit.html", context, status_code=409)
    except InputError as exc:
        with db.begin() as session:
            current = service.get_page(session, slug)
        context = _editor(current, markdown, error=str(exc), base_version=base_version)
        return _page(request, "handbook/edit.html", context, status_code=422)
    return RedirectResponse(f"/handbook/{slug}", status_code=303)


@router.get("/handbook/{slug}/history", response_class=HTMLResponse)
def history(request: Request, slug: str, db: Db, viewer: CurrentPrincipal) -> Response:
    with db.begin() as session:
        page = service.get_page(session, slug)
        found = service.versions(session, slug)
        latest = found[0].version
        old = _version(request.query_params.get("from"), max(latest - 1, 1), "from")
        new = _version(request.query_params.get("to"), latest, "to")
        text = service.diff(session, slug, old, new)
    lines = [
        ("add" if ln.startswith("+") else "del" if ln.startswith("-") else "ctx", ln)
        for ln in text.splitlines()
    ]
    return _page(
        request,
        "handbook/history.html",
        {"page": page, "versions": found, "lines": lines, "old": old, "new": new},
    )


def _version(value: str | None, default: int, field: str) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"{value!r} is not a version number", field=field) from None
    if not 1 <= number <= 1_000_000:
        raise InputError(f"{value!r} is not a version number", field=field)
    return number


@router.post("/handbook/{slug}/restore")
def restore(
    request: Request,
    slug: str,
    db: Db,
    viewer: CurrentPrincipal,
    version: Annotated[int, Form(ge=1, le=1_000_000)],
    base_version: Annotated[int, Form(ge=0, le=1_000_000)],
) -> Response:
    _require_admin(viewer)
    with db.begin() as session:
        service.restore(session, slug, version, viewer, base_version=base_version)
    return RedirectResponse(f"/handbook/{slug}/history", status_code=303)


# ----------------------------------------------------------------------------- training


def _training_context(db: Any, viewer: Principal, **extra: Any) -> dict[str, Any]:
    with db.begin() as session:
        mine = training.results(session, viewer) if viewer.user_id is not None else []
        trained = training.trained_facilitators(session)
    return {
        "check": training.self_check(),
        "mine": mine[:10],
        "trained": trained,
        **extra,
    }


@router.get("/training", response_class=HTMLResponse)
def training_page(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    return _page(request, "handbook/training.html", _training_context(db, viewer))


@router.post("/training", response_class=HTMLResponse)
async def take_training(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    form = await request.form()
    check = training.self_check()
    answers: dict[str, int | None] = {}
    for question in check.questions:
        raw = form.get(f"q-{question.id}")
        if raw is None or raw == "":
            answers[question.id] = None
            continue
        try:
            answers[question.id] = int(str(raw))
        except ValueError:
            raise InputError(f"{raw!r} is not an option", field=question.id) from None
    context = await run_in_threadpool(_grade_and_record, db, viewer, answers)
    return _page(request, "handbook/training.html", context)


def _grade_and_record(db: Any, viewer: Principal, answers: dict[str, int | None]) -> dict[str, Any]:
    with db.begin() as session:
        result = training.submit(session, viewer, answers)
    return _training_context(db, viewer, result=result)


# ----------------------------------------------------------------------------- learning


@router.get("/learning", response_class=HTMLResponse)
def learning(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    with db.begin() as session:
        digest = build_learning_digest(session, viewer, utcnow())
    return _page(request, "handbook/learning.html", {"digest": digest})


def _recognition_context(db: Any, viewer: Principal, **extra: Any) -> dict[str, Any]:
    with db.begin() as session:
        found = recognition.list_recognitions(session, viewer)
    return {
        "recognitions": found,
        "can_recognise": can(viewer, Action.RECOGNISE_PEOPLE),
        "reasons": list(recognition.REASON_LABELS.items()),
        **extra,
    }


@router.get("/learning/recognition", response_class=HTMLResponse)
def recognitions_page(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    return _page(request, "handbook/recognition.html", _recognition_context(db, viewer))


@router.post("/learning/recognition")
def recognise(
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    recipient: Annotated[str, Form(max_length=200)],
    message: Annotated[str, Form(max_length=recognition.MAX_MESSAGE)],
    recipient_kind: Annotated[str, Form(max_length=10)] = "person",
    reason: Annotated[str, Form(max_length=20)] = "transparency",
    postmortem_id: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    try:
        with db.begin() as session:
            recognition.recognise(
                session,
                viewer,
                recipient=recipient,
                recipient_kind=recipient_kind,
                reason=reason,
                message=message,
                postmortem_id=postmortem_id or None,
            )
    except (InputError, NotFoundError) as exc:
        context = _recognition_context(db, viewer, error=str(exc))
        return _page(request, "handbook/recognition.html", context, status_code=422)
    return RedirectResponse("/learning/recognition", status_code=303)
