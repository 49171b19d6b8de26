"""JSON API: ``/api/v1/handbook`` (pages, versions, diff, restore), ``/api/v1/training``
(the self-check, attempts, results, trained facilitators) and ``/api/v1/learning`` (the
digest, recognitions). The pages are in ``views``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from kintsugi.core.errors import ConflictError
from kintsugi.core.types import utcnow
from kintsugi.handbook import recognition, service, training
from kintsugi.handbook.digest import build_learning_digest
from kintsugi.handbook.render import render
from kintsugi.handbook.views import router as pages_router
from kintsugi.webkit.deps import CurrentPrincipal, Db

router = APIRouter(prefix="/api/v1/handbook", tags=["handbook"])
training_router = APIRouter(prefix="/api/v1/training", tags=["facilitator training"])
learning_router = APIRouter(prefix="/api/v1/learning", tags=["learning"])
EXTRA_ROUTERS = (training_router, learning_router, pages_router)


class PageOut(BaseModel):
    slug: str
    title: str
    markdown: str
    html: str = Field(description="Rendered and sanitised; headings carry their anchor ids")
    version: int
    updated_by: str
    updated_at: datetime | None
    is_default: bool = Field(description="True until an admin first edits the page")


class PageSummaryOut(BaseModel):
    slug: str
    title: str
    version: int
    updated_by: str
    updated_at: datetime | None
    is_default: bool


class PageIn(BaseModel):
    markdown: str = Field(max_length=service.MAX_MARKDOWN)
    base_version: int = Field(ge=0, description="The version this edit started from")
    change: str = Field("", max_length=200, description="What changed (kept in the history)")


class VersionOut(BaseModel):
    version: int
    actor: str
    change: str
    created_at: datetime | None


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


def _page_out(page: service.Page) -> dict[str, Any]:
    return {**page.to_json(), "html": render(page.markdown)}


CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Changed since base_version: `current` is the page now, `submitted` yours"}
}


@router.get("", response_model=list[PageSummaryOut])
def list_pages(db: Db, viewer: CurrentPrincipal) -> list[dict[str, Any]]:
    """The handbook's pages."""
    with db.begin() as session:
        return [p.to_json() for p in service.list_pages(session)]


@router.get("/{slug}", response_model=PageOut)
def get_page(slug: str, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """One page, as Markdown and as sanitised HTML."""
    with db.begin() as session:
        return _page_out(service.get_page(session, slug))


@router.put("/{slug}", response_model=PageOut, responses=CONFLICT)
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
                "current": _page_out(current) if current else None,
                "submitted": {"markdown": body.markdown, "base_version": body.base_version},
            },
            status_code=status.HTTP_409_CONFLICT,
        )
    return _page_out(page)


@router.get("/{slug}/versions", response_model=list[VersionOut])
def list_versions(slug: str, db: Db, viewer: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every version, newest first."""
    with db.begin() as session:
        return [v.to_json() for v in service.versions(session, slug)]


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


@router.post("/{slug}/restore", response_model=PageOut, responses=CONFLICT)
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
            {"detail": str(exc), "current": _page_out(current) if current else None},
            status_code=status.HTTP_409_CONFLICT,
        )
    return _page_out(page)


# ----------------------------------------------------------------------------- training


class QuestionOut(BaseModel):
    id: str
    kind: str
    topic: str
    prompt: str
    options: list[str]


class SelfCheckOut(BaseModel):
    pass_mark: float
    questions: list[QuestionOut]


class AttemptIn(BaseModel):
    answers: dict[str, int | None] = Field(
        description="Question id -> the index of the chosen option (null: unanswered)",
        max_length=500,
    )


class MarkedOut(BaseModel):
    id: str
    answer: int | None
    correct: bool
    correct_answer: int | None = Field(
        description="The best option: after a passed attempt, or for a right answer"
    )
    explanation: str | None
    guide: str | None


class ResultOut(BaseModel):
    username: str
    score: int
    total: int
    passed: bool
    completed_at: datetime
    answers: list[MarkedOut]


class StatusOut(BaseModel):
    questions: int
    pass_mark: float
    attempts: int
    people: int
    trained: int
    trained_facilitators: list[str]


@training_router.get("", response_model=SelfCheckOut)
def self_check(viewer: CurrentPrincipal) -> dict[str, Any]:
    """The questions of the self-check (without their answers)."""
    check = training.self_check()
    return {"pass_mark": check.pass_mark, "questions": [q.to_json() for q in check.questions]}


@training_router.post("/attempts", response_model=ResultOut, status_code=201)
def attempt(body: AttemptIn, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """Grade an attempt and record it for the caller (a write-scope token).

    A passed attempt explains every answer; one not passed yet explains the right answers
    and points the others to their guide, without giving the best option away."""
    with db.begin() as session:
        return training.submit(session, viewer, body.answers).to_json()


@training_router.get("/results", response_model=list[ResultOut])
def results(
    db: Db,
    viewer: CurrentPrincipal,
    username: Annotated[str | None, Query(max_length=80)] = None,
) -> list[dict[str, Any]]:
    """Attempts, newest first: your own, or anyone's for facilitators and admins."""
    with db.begin() as session:
        return [r.to_json() for r in training.results(session, viewer, username=username)]


@training_router.get("/facilitators", response_model=list[str])
def facilitators(db: Db, viewer: CurrentPrincipal) -> list[str]:
    """Usernames of the people who have passed the self-check."""
    with db.begin() as session:
        return training.trained_facilitators(session)


@training_router.get("/status", response_model=StatusOut)
def training_status(db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """Attempts, people, and the trained facilitators."""
    with db.begin() as session:
        return training.status(session)


# ----------------------------------------------------------------------------- learning


class PublishedOut(BaseModel):
    id: str
    title: str
    kind: str
    severity: str | None
    visibility: str
    published_at: datetime
    summary: str
    learnings: list[str]
    url_path: str


class ImprovementOut(BaseModel):
    id: int
    title: str
    owner: str | None
    priority: str | None
    completed_at: datetime
    postmortem_id: str
    postmortem_title: str


class SessionOut(BaseModel):
    id: int
    title: str
    starts_at: datetime
    timezone: str
    duration_minutes: int
    url_path: str


class RecognitionOut(BaseModel):
    id: int
    recipient_kind: str
    recipient: str
    reason: str
    message: str
    postmortem_id: str | None
    postmortem_title: str | None
    created_by: str
    created_at: datetime


class DigestOut(BaseModel):
    since: datetime
    until: datetime
    published: list[PublishedOut]
    improvements: list[ImprovementOut]
    sessions: list[SessionOut]
    recognitions: list[RecognitionOut]


class RecognitionIn(BaseModel):
    recipient: str = Field(max_length=200)
    recipient_kind: str = Field("person", description="person or team")
    reason: str = Field("transparency", description="transparency or improvement")
    message: str = Field(max_length=recognition.MAX_MESSAGE)
    postmortem_id: str | None = Field(None, max_length=120)


@learning_router.get("/digest", response_model=DigestOut)
def digest(db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """The past week's learning digest as the caller may see it."""
    with db.begin() as session:
        return build_learning_digest(session, viewer, utcnow()).to_json()


@learning_router.get("/recognitions", response_model=list[RecognitionOut])
def list_recognitions(
    db: Db,
    viewer: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Recognitions the caller may see, newest first."""
    with db.begin() as session:
        return [r.to_json() for r in recognition.list_recognitions(session, viewer, limit=limit)]


@learning_router.post("/recognitions", response_model=RecognitionOut, status_code=201)
def recognise(body: RecognitionIn, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
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
        ).to_json()
