"""JSON API: ``/api/v1/handbook`` (pages, versions, diff, restore), ``/api/v1/training``
(the self-check, attempts, results, trained facilitators) and ``/api/v1/learning`` (the
digest, recognitions). The pages are in ``views``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, TypeAdapter

from kintsugi.core.errors import ConflictError
from kintsugi.core.types import utcnow
from kintsugi.handbook import recognition, service, training
from kintsugi.handbook.digest import LearningDigest, build_learning_digest
from kintsugi.handbook.render import render
from kintsugi.handbook.views import router as pages_router
from kintsugi.webkit.deps import CurrentPrincipal, Db

router = APIRouter(prefix="/api/v1/handbook", tags=["handbook"])
training_router = APIRouter(prefix="/api/v1/training", tags=["facilitator training"])
learning_router = APIRouter(prefix="/api/v1/learning", tags=["learning"])
EXTRA_ROUTERS = (training_router, learning_router, pages_router)


@dataclass(frozen=True)
class RenderedPage(service.Page):
    """A page with its rendered HTML."""

    html: Annotated[
        str, Field(description="Rendered and sanitised; headings carry their anchor ids")
    ]


@dataclass(frozen=True)
class PageSummary(service.Page):
    """A page in the list: without its text."""

    markdown: Annotated[str, Field(exclude=True)]


_RENDERED = TypeAdapter(RenderedPage)


class PageIn(BaseModel):
    markdown: str = Field(max_length=service.MAX_MARKDOWN)
    base_version: int = Field(ge=0, description="The version this edit started from")
    change: str = Field("", max_length=200, description="What changed (kept in the history)")


class VersionTextOut(BaseModel):
    version: int
    markdown: str


class DiffOut(BaseModel):
    from_version: int
    to_version: int
    diff: str


class RestoreIn(BaseModel):
    version: int = Field(ge=1)
    base_version: int = Field(ge=0)


def _page_out(page: service.Page) -> RenderedPage:
    return RenderedPage(**vars(page), html=render(page.markdown))


def _page_json(page: service.Page) -> dict[str, Any]:
    wire: dict[str, Any] = _RENDERED.dump_python(_page_out(page), mode="json")
    return wire


CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Changed since base_version: `current` is the page now, `submitted` yours"}
}


@router.get("", response_model=list[PageSummary])
def list_pages(db: Db, viewer: CurrentPrincipal) -> list[PageSummary]:
    """The handbook's pages."""
    with db.begin() as session:
        return [PageSummary(**vars(p)) for p in service.list_pages(session)]


@router.get("/{slug}", response_model=RenderedPage)
def get_page(slug: str, db: Db, viewer: CurrentPrincipal) -> RenderedPage:
    """One page, as Markdown and as sanitised HTML."""
    with db.begin() as session:
        return _page_out(service.get_page(session, slug))


@router.put("/{slug}", response_model=RenderedPage, responses=CONFLICT)
def put_page(slug: str, body: PageIn, db: Db, viewer: CurrentPrincipal) -> Any:
    """Save a new version (admins); a stale ``base_version`` gets 409 with both versions."""
    try:
        with db.begin() as session:
            page = service.save_page(
                session,
                slug,
                body.markdown,
                viewer,
                base_version=body.base_version,
                change=body.change,
            )
    except ConflictError as exc:
        current = exc.current if isinstance(exc.current, service.Page) else None
        return JSONResponse(
            {
                "detail": str(exc),
                "current": _page_json(current) if current else None,
                "submitted": {"markdown": body.markdown, "base_version": body.base_version},
            },
            status_code=status.HTTP_409_CONFLICT,
        )
    return _page_out(page)


@router.get("/{slug}/versions", response_model=list[service.PageVersion])
def list_versions(slug: str, db: Db, viewer: CurrentPrincipal) -> list[service.PageVersion]:
    """Every version, newest first."""
    with db.begin() as session:
        return service.versions(session, slug)


@router.get("/{slug}/versions/{version}", response_model=VersionTextOut)
def get_version(slug: str, version: int, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """The text of one version."""
    with db.begin() as session:
        return {"version": version, "markdown": service.version_text(session, slug, version)}


@router.get("/{slug}/diff", response_model=DiffOut)
def diff(
    slug: str,
    db: Db,
    viewer: CurrentPrincipal,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> dict[str, Any]:
    """A unified diff between two versions."""
    with db.begin() as session:
        text = service.diff(session, slug, from_version, to_version)
    return {"from_version": from_version, "to_version": to_version, "diff": text}


@router.post("/{slug}/restore", response_model=RenderedPage, responses=CONFLICT)
def restore(slug: str, body: RestoreIn, db: Db, viewer: CurrentPrincipal) -> Any:
    """Make an earlier version current again, as a new version (admins)."""
    try:
        with db.begin() as session:
            page = service.restore(
                session, slug, body.version, viewer, base_version=body.base_version
            )
    except ConflictError as exc:
        current = exc.current if isinstance(exc.current, service.Page) else None
        return JSONResponse(
            {"detail": str(exc), "current": _page_json(current) if current else None},
            status_code=status.HTTP_409_CONFLICT,
        )
    return _page_out(page)


# ----------------------------------------------------------------------------- training


class AttemptIn(BaseModel):
    answers: dict[str, int | None] = Field(
        description="Question id -> the index of the chosen option (null: unanswered)",
        max_length=500,
    )


@training_router.get("", response_model=training.SelfCheck)
def self_check(viewer: CurrentPrincipal) -> training.SelfCheck:
    """The questions of the self-check (without their answers)."""
    return training.self_check()


@training_router.post("/attempts", response_model=training.Result, status_code=201)
def attempt(body: AttemptIn, db: Db, viewer: CurrentPrincipal) -> training.Result:
    """Grade an attempt and record it for the caller (a write-scope token).

    A passed attempt explains every answer; one not passed yet explains the right answers
    and points the others to their guide, without giving the best option away."""
    with db.begin() as session:
        return training.submit(session, viewer, body.answers)


@training_router.get("/results", response_model=list[training.Result])
def results(
    db: Db,
    viewer: CurrentPrincipal,
    username: Annotated[str | None, Query(max_length=80)] = None,
) -> list[training.Result]:
    """Attempts, newest first: your own, or anyone's for facilitators and admins."""
    with db.begin() as session:
        return training.results(session, viewer, username=username)


@training_router.get("/facilitators", response_model=list[str])
def facilitators(db: Db, viewer: CurrentPrincipal) -> list[str]:
    """Usernames of the people who have passed the self-check."""
    with db.begin() as session:
        return training.trained_facilitators(session)


@training_router.get("/status", response_model=training.TrainingStatus)
def training_status(db: Db, viewer: CurrentPrincipal) -> training.TrainingStatus:
    """Attempts, people, and the trained facilitators."""
    with db.begin() as session:
        return training.status(session)


# ----------------------------------------------------------------------------- learning


class RecognitionIn(BaseModel):
    recipient: str = Field(max_length=200)
    recipient_kind: str = Field("person", description="person or team")
    reason: str = Field("transparency", description="transparency or improvement")
    message: str = Field(max_length=recognition.MAX_MESSAGE)
    postmortem_id: str | None = Field(None, max_length=120)


@learning_router.get("/digest", response_model=LearningDigest)
def digest(db: Db, viewer: CurrentPrincipal) -> LearningDigest:
    """The past week's learning digest as the caller may see it."""
    with db.begin() as session:
        return build_learning_digest(session, viewer, utcnow())


@learning_router.get("/recognitions", response_model=list[recognition.Recognition])
def list_recognitions(
    db: Db,
    viewer: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[recognition.Recognition]:
    """Recognitions the caller may see, newest first."""
    with db.begin() as session:
        return recognition.list_recognitions(session, viewer, limit=limit)


@learning_router.post("/recognitions", response_model=recognition.Recognition, status_code=201)
def recognise(body: RecognitionIn, db: Db, viewer: CurrentPrincipal) -> recognition.Recognition:
    """Recognise a person or team (editors and above)."""
    with db.begin() as session:
        return recognition.recognise(
            session,
            viewer,
            recipient=body.recipient,
            recipient_kind=body.recipient_kind,
            reason=body.reason,
            message=body.message,
            postmortem_id=body.postmortem_id,
        )
