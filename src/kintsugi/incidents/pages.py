"""The incidents page: the incidents the person may see with their post-mortems, and the
"Draft from incident" form, which runs ``kintsugi draft``'s flow (``draft_incident``)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kintsugi.core.errors import ConfigurationError, InputError, KintsugiError
from kintsugi.core.types import utcnow
from kintsugi.incidents.config import IncidentSettings
from kintsugi.incidents.draft import TEMPLATES, DraftResult, draft_incident, parse_reference
from kintsugi.incidents.overview import incident_lines
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal
from kintsugi.postmortems.document import Status
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)

FORM_FIELDS = ("incident", "sources", "template")


def _page(
    request: Request,
    db: Db,
    viewer: Principal,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    fragment = errors is not None and bool(request.headers.get("HX-Request"))  # form's answer
    context: dict[str, Any] = {
        "form": form or {"incident": "", "sources": "", "template": "postmortem"},
        "errors": errors or {},
        "templates": TEMPLATES,
    }
    if not fragment:
        with db() as session:
            context["lines"] = incident_lines(session, viewer, utcnow())
    name = "incidents/_draft_form.html" if fragment else "incidents/list.html"
    return templates.TemplateResponse(request, name, context, status_code=status_code)


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    """The incidents the viewer may see, and the draft form for those who may draft."""
    return _page(request, db, viewer)


@router.post("/incidents/draft", response_class=HTMLResponse)
def draft_from_incident(
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    incident: Annotated[str, Form(max_length=300)] = "",
    sources: Annotated[str, Form(max_length=4000)] = "",
    template: Annotated[str, Form(max_length=40)] = "postmortem",
) -> Response:
    """Draft (or refresh) the incident's post-mortem, then go to it with a notice; a problem
    is shown on the form, beside its field, with what was typed."""
    require(viewer, Action.DRAFT_FROM_INCIDENTS)
    form = {"incident": incident, "sources": sources, "template": template}
    extra = [line.strip() for line in sources.splitlines() if line.strip()]
    try:
        if not incident.strip():
            raise InputError("give the incident, e.g. incidentio:01HQ...", field="incident")
        parse_reference(incident)
        result = draft_incident(
            db, viewer, incident, extra_sources=extra, template=template, settings=_settings()
        )
    except KintsugiError as exc:
        field, message = _located(exc)
        return _page(request, db, viewer, form, {field: message}, status_code=422)
    target = f"/postmortems/{result.document.id}?{urlencode(_notice(result))}"
    if request.headers.get("HX-Request"):  # htmx follows redirects itself: have the page go
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _settings() -> IncidentSettings:
    try:
        return IncidentSettings()
    except ValueError as exc:
        raise ConfigurationError(f"settings: {exc}") from exc


def _located(exc: KintsugiError) -> tuple[str, str]:
    """The form field a problem belongs to, and the problem in words: a malformed entry names
    its field; a refused key, an incident its system does not know, a post-mortem the person
    may not see are about the incident."""
    if isinstance(exc, InputError):
        field = {"source": "sources"}.get(exc.field or "", exc.field or "")
        return (field if field in FORM_FIELDS else "incident"), exc.message
    return "incident", str(exc)


def _notice(result: DraftResult) -> dict[str, str]:
    """What the draft did, for the document page's notice."""
    if result.created:
        return {"drafted": "created"}
    if result.document.status == Status.PUBLISHED:
        return {"drafted": "published"}
    return {"drafted": "refreshed", "new_events": str(result.saved.created)}
