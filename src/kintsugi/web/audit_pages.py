"""The audit log's page (the audit slice sits below webkit, so its page lives here)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kintsugi.audit import service as audit
from kintsugi.people.permissions import Action, require
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, db: Db, viewer: CurrentPrincipal, action: str = "") -> Response:
    require(viewer, Action.READ_AUDIT_LOG)
    with db.begin() as session:
        rows = audit.events(session, action=action or None, limit=500)
    return templates.TemplateResponse(
        request, "admin/audit.html", {"rows": rows, "action": action, "actions": audit.ACTIONS}
    )
