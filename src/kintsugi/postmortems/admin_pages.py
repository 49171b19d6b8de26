"""Pages for a post-mortem's history (versions, diff, restore), deletion and the bin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kintsugi.audit import service as audit
from kintsugi.core.errors import InputError
from kintsugi.people.permissions import Action, require
from kintsugi.postmortems import deletion, history, service
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/postmortems/{id}/history", response_class=HTMLResponse)
def history_page(
    request: Request,
    id: str,
    db: Db,
    viewer: CurrentPrincipal,
) -> Response:
    with db.begin() as session:
        doc = service.get_document(session, id, viewer)
        found = history.versions(session, id, viewer)
        latest = found[0].version if found else 1
        earlier = found[1].version if len(found) > 1 else latest  # the viewer's to read
        old = _version(request.query_params.get("from"), earlier, "from")
        new = _version(request.query_params.get("to"), latest, "to")
        text = history.diff(session, id, old, new, viewer) if found else ""
    lines = [
        ("add" if ln.startswith("+") else "del" if ln.startswith("-") else "ctx", ln)
        for ln in text.splitlines()
    ]
    return templates.TemplateResponse(
        request,
        "postmortems/history.html",
        {"doc": doc, "versions": found, "lines": lines, "old": old, "new": new},
    )


def _version(value: str | None, default: int, field: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise InputError(f"{value!r} is not a version number", field=field) from None


@router.post("/postmortems/{id}/restore-version")
def restore_version(
    id: str,
    db: Db,
    viewer: CurrentPrincipal,
    version: Annotated[int, Form()],
    base_version: Annotated[int, Form()],
) -> Response:
    with db.begin() as session:
        doc = history.restore(session, id, version, viewer, base_version=base_version)
        audit.record(session, viewer, "version_restored", doc.id, version=version)
    return RedirectResponse(f"/postmortems/{doc.id}/history", status_code=303)


@router.get("/postmortems/{id}/delete", response_class=HTMLResponse)
def confirm_delete(request: Request, id: str, db: Db, viewer: CurrentPrincipal) -> Response:
    require(viewer, Action.DELETE_POSTMORTEMS)
    with db.begin() as session:
        doc = service.get_document(session, id, viewer)
    return templates.TemplateResponse(request, "postmortems/delete.html", {"doc": doc})


@router.post("/postmortems/{id}/delete")
def delete(id: str, db: Db, viewer: CurrentPrincipal) -> Response:
    with db.begin() as session:
        deletion.delete_document(session, id, viewer)
    return RedirectResponse("/postmortems", status_code=303)


@router.get("/bin", response_class=HTMLResponse)
def bin_page(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    with db.begin() as session:
        rows = deletion.deleted_documents(session, viewer)
    return templates.TemplateResponse(request, "admin/bin.html", {"rows": rows})


@router.post("/bin/{id}/restore")
def undelete(id: str, db: Db, viewer: CurrentPrincipal) -> Response:
    with db.begin() as session:
        deletion.undelete(session, id, viewer)
    return RedirectResponse(f"/postmortems/{id}", status_code=303)
