"""JSON API for post-mortems under /api/v1/postmortems."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import frontmatter
from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kintsugi.audit import service as audit
from kintsugi.core.errors import InputError, input_error_from
from kintsugi.core.limits import MAX_DOCUMENT_CHARS
from kintsugi.postmortems import deletion, history, service
from kintsugi.postmortems.document import (
    ActionItem,
    Document,
    Kind,
    Section,
    Severity,
    Status,
    TimelineEvent,
    Visibility,
)
from kintsugi.postmortems.export import document_json
from kintsugi.postmortems.markdown import parse_markdown
from kintsugi.postmortems.templates import new_document
from kintsugi.webkit.deps import CurrentPrincipal, Db

router = APIRouter(prefix="/api/v1/postmortems", tags=["post-mortems"])


class SectionOut(BaseModel):
    key: str
    heading: str
    markdown: str


class EventOut(BaseModel):
    at: str | None
    text: str
    actor: str | None
    source: str


class ActionItemOut(BaseModel):
    id: int | None
    title: str
    owner: str | None
    priority: str | None
    due: str | None
    status: str
    kind: str | None = None


class DocumentOut(BaseModel):
    id: str | None
    title: str
    kind: str
    status: str
    severity: str | None
    started_at: str | None
    detected_at: str | None
    resolved_at: str | None
    published_at: str | None
    timezone: str
    visibility: str
    team: str | None
    access: list[str]
    version: int | None
    tags: list[str]
    services: list[str]
    authors: list[str]
    sections: list[SectionOut]
    timeline: list[EventOut]
    action_items: list[ActionItemOut]


class StatusOut(DocumentOut):
    warnings: list[str]


class PageOut(BaseModel):
    total: int
    total_exact: bool = True
    """False when ``count=bounded`` stopped counting at ``total`` (there are more)."""
    items: list[service.Summary]
    next_cursor: str | None = None
    """Give as ``cursor`` for the page after this one; null on the last page."""


class DocumentIn(BaseModel):
    """A document to create or the full new content of one to update.

    Give ``markdown`` (a whole Markdown post-mortem, parsed like an import) or the fields.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["title"], "properties": {"title": {"type": "string"}}},
                {"required": ["markdown"], "properties": {"markdown": {"type": "string"}}},
            ]
        }
    )

    title: str | None = Field(None, min_length=1, max_length=500, pattern=r"\S")
    template: Literal["postmortem", "lightweight", "premortem"] | None = Field(
        None, description="Start from a template (create only)"
    )
    markdown: str | None = Field(None, max_length=MAX_DOCUMENT_CHARS)
    kind: Kind = Kind.POSTMORTEM
    severity: Severity | None = None
    started_at: datetime | None = None
    detected_at: datetime | None = None
    resolved_at: datetime | None = None
    timezone: str = Field("UTC", max_length=64)
    tags: list[str] = Field(default_factory=list, max_length=100)
    services: list[str] = Field(default_factory=list, max_length=100)
    authors: list[str] = Field(default_factory=list, max_length=100)
    sections: list[Section] = Field(default_factory=list, max_length=200)
    timeline: list[TimelineEvent] = Field(default_factory=list, max_length=10_000)
    action_items: list[ActionItem] = Field(default_factory=list, max_length=1_000)
    visibility: Visibility = Visibility.ORGANISATION
    team: str | None = Field(None, max_length=120, description="Team that may see a team document")
    access: list[str] = Field(
        default_factory=list, max_length=500, description="Usernames allowed to see it"
    )


class UpdateIn(DocumentIn):
    base_version: int = Field(..., description="The version this edit started from")


class RestoreIn(BaseModel):
    base_version: int = Field(..., description="The current version you are replacing")


class DeletedOut(BaseModel):
    id: str
    title: str
    deleted_at: str
    purge_after: str


class StatusIn(BaseModel):
    status: Status
    base_version: int | None = None
    override_reason: str | None = Field(
        None,
        max_length=2000,
        description="Publish despite blameful-language findings (facilitators and admins)",
    )


def _to_document(body: DocumentIn) -> Document:
    if body.markdown is not None:
        doc = parse_markdown(body.markdown, source="markdown")
        # fields given beside the Markdown win over what its front matter says
        given = body.model_dump(
            include=body.model_fields_set - {"markdown", "template", "base_version"}
        )
        updates = {k: getattr(body, k) for k in given if getattr(body, k) is not None}
        try:
            return Document.model_validate({**doc.model_dump(), **updates}) if updates else doc
        except ValidationError as exc:
            raise input_error_from(exc) from None
    if body.template:
        if not body.title:
            raise InputError("a title is required", field="title")
        doc = new_document(body.template, body.title, severity=body.severity)
        doc.kind = body.kind if body.template != "premortem" else doc.kind
        return doc
    if not body.title:
        raise InputError("a title is required", field="title")
    data = body.model_dump(exclude={"template", "markdown", "base_version"})
    try:
        return Document.model_validate(data)
    except ValidationError as exc:
        raise input_error_from(exc) from None


@router.get("", response_model=PageOut)
def list_postmortems(
    db: Db,
    viewer: CurrentPrincipal,
    severity: Severity | None = None,
    tag: str | None = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    kind: Kind | None = None,
    service_: Annotated[str | None, Query(alias="service")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the page before")
    ] = None,
    count: Annotated[
        Literal["exact", "bounded"],
        Query(description=f"bounded: stop counting at {service.COUNT_CAP:,}"),
    ] = "exact",
) -> PageOut:
    """Post-mortems the caller may see, newest incident first.

    Page with ``cursor`` (each page's ``next_cursor``): it costs the same on every page and
    neither repeats nor skips a post-mortem when others are added meanwhile. ``offset`` still
    works, at a cost that grows with it.
    """
    filters = service.Filters(
        severity=severity.value if severity else None,
        tag=tag,
        status=status_.value if status_ else None,
        kind=kind.value if kind else None,
        service=service_,
    )
    after = service.Cursor.decode(cursor) if cursor else None
    cap = service.COUNT_CAP if count == "bounded" else None
    with db.begin() as session:
        page = service.list_page(session, viewer, filters, limit=limit, after=after, offset=offset)
        total = service.count_documents(
            session, viewer, filters, cap=None if cap is None else cap + 1
        )
    return PageOut(
        total=min(total, cap) if cap is not None else total,
        total_exact=cap is None or total <= cap,
        items=page.rows,
        next_cursor=page.next.encode() if page.next else None,
    )


@router.get("/{id}", response_model=DocumentOut)
def get_postmortem(id: str, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """One post-mortem with its sections, timeline and action items."""
    with db.begin() as session:
        return document_json(service.get_document(session, id, viewer))


@router.post("", response_model=DocumentOut, status_code=status.HTTP_201_CREATED)
def create_postmortem(body: DocumentIn, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """Create a post-mortem from fields, from a template, or from Markdown.

    A new post-mortem starts as a draft or in review; Markdown that says it is published
    (with its ``published_at``) is kept so only when an admin imports it, and audited.
    """
    doc = _to_document(body)
    with db.begin() as session:
        created = service.create_document(session, doc, viewer, imported=body.markdown is not None)
        return document_json(created)


@router.put(
    "/{id}",
    response_model=DocumentOut,
    responses={409: {"description": "Changed since base_version; body has the current version"}},
)
def update_postmortem(id: str, body: UpdateIn, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """Change a post-mortem; refused with 409 when base_version is stale.

    Fields left out keep their stored values. With ``markdown``, the Markdown is the content,
    and who may see the document (visibility, team, access) changes only when the request or
    the Markdown's front matter says so.
    """

    def edit(current: Document) -> Document:
        doc = _updated_document(body, current)
        doc.status = current.status
        return doc

    with db.begin() as session:
        updated = service.edit_document(session, id, edit, viewer, base_version=body.base_version)
        return document_json(updated)


ACCESS_FIELDS = ("visibility", "team", "access")


def _updated_document(body: UpdateIn, current: Document) -> Document:
    """The document an update asks for: ``current`` with what the request changes."""
    given = body.model_fields_set - {"base_version", "markdown", "template"}
    if body.markdown is not None or body.template:
        doc = _to_document(body)
        stated = set(frontmatter.loads(body.markdown).metadata) if body.markdown else set()
        kept = {f: getattr(current, f) for f in ACCESS_FIELDS if f not in given | stated}
        return doc.model_copy(update=kept)
    changes = body.model_dump(include=given)
    try:
        return Document.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        raise input_error_from(exc) from None


@router.post("/{id}/status", response_model=StatusOut)
def change_status(id: str, body: StatusIn, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """Move a post-mortem through draft -> in review -> published.

    ``warnings`` says when it was published below the quality checklist's minimum score.
    """
    warnings: list[str] = []
    with db.begin() as session:
        doc = service.change_status(
            session,
            id,
            body.status,
            viewer,
            base_version=body.base_version,
            override_reason=body.override_reason,
            warnings=warnings,
        )
        return {**document_json(doc), "warnings": warnings}


@router.get(
    "/{id}/versions",
)
def list_versions(id: str, db: Db, viewer: CurrentPrincipal) -> list[history.VersionInfo]:
    """Every version of the post-mortem: who changed it, when, and how (newest first)."""
    with db.begin() as session:
        return history.versions(session, id, viewer)


@router.get("/{id}/versions/{version}", response_model=DocumentOut)
def get_version(id: str, version: int, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """The post-mortem as it was at one version."""
    with db.begin() as session:
        return document_json(history.snapshot(session, id, version, viewer))


@router.get("/{id}/diff", response_class=Response)
def diff_versions(
    id: str,
    db: Db,
    viewer: CurrentPrincipal,
    from_: Annotated[int, Query(alias="from", ge=1)],
    to: Annotated[int, Query(ge=1)],
) -> Response:
    """A unified diff between two versions."""
    with db.begin() as session:
        text = history.diff(session, id, from_, to, viewer)
    return Response(text + "\n", media_type="text/x-diff; charset=utf-8")


@router.post("/{id}/versions/{version}/restore", response_model=DocumentOut)
def restore_version(
    id: str, version: int, body: RestoreIn, db: Db, viewer: CurrentPrincipal
) -> dict[str, Any]:
    """Make an earlier version current again (as a new version)."""
    with db.begin() as session:
        doc = history.restore(session, id, version, viewer, base_version=body.base_version)
        audit.record(session, viewer, "version_restored", doc.id, version=version)
        return document_json(doc)


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_postmortem(id: str, db: Db, viewer: CurrentPrincipal) -> Response:
    """Move a post-mortem to the bin; an admin can bring it back for 30 days."""
    with db.begin() as session:
        deletion.delete_document(session, id, viewer)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


bin_router = APIRouter(prefix="/api/v1/bin", tags=["post-mortems"])


@bin_router.get("", response_model=list[DeletedOut])
def list_bin(db: Db, viewer: CurrentPrincipal) -> list[dict[str, str]]:
    """Deleted post-mortems that can still be brought back (admins)."""
    with db.begin() as session:
        return [
            {
                "id": d.id,
                "title": d.title,
                "deleted_at": d.deleted_at.isoformat(),
                "purge_after": d.purge_after.isoformat(),
            }
            for d in deletion.deleted_documents(session, viewer)
        ]


@bin_router.post("/{id}/restore", response_model=DocumentOut)
def undelete(id: str, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """Bring a deleted post-mortem back (admins, within 30 days)."""
    with db.begin() as session:
        deletion.undelete(session, id, viewer)
        return document_json(service.get_document(session, id, viewer))


EXTRA_ROUTERS = (bin_router,)
