"""The root cause analysis page of a post-mortem: every technique, edited in place with htmx.

``GET /postmortems/{id}/rca`` shows the page. Each form posts one edit to
``/postmortems/{id}/rca/{technique}/{action}``; htmx swaps the technique's section in (with
the new version and summary out of band), and without JavaScript the page reloads.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from kintsugi.core.errors import ConflictError, InputError
from kintsugi.core.zones import zone_or_utc
from kintsugi.people.permissions import Action, can
from kintsugi.rca import edits, service
from kintsugi.rca.diagrams import diagram_svg
from kintsugi.rca.evidence import MILESTONES
from kintsugi.rca.export import BONE_LABELS, format_duration
from kintsugi.rca.model import (
    Analysis,
    BarrierState,
    BarrierType,
    ChangeKind,
    FactorClass,
    NodeKind,
    Relation,
)
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)

SECTIONS = {
    "problem": "rca/_problem.html",
    "whys": "rca/_whys.html",
    "fishbone": "rca/_fishbone.html",
    "changes": "rca/_changes.html",
    "timeline": "rca/_timeline.html",
    "factors": "rca/_factors.html",
    "tree": "rca/_tree.html",
    "barriers": "rca/_barriers.html",
}
# the section a technique's edits re-render
SECTION_OF = {technique: technique for technique in SECTIONS} | {"links": ""}


def tree_outline(analysis: Analysis) -> list[dict[str, Any]]:
    """The causal tree as nested ``{"node", "children"}`` (unknown parents: under the incident)."""
    ids = {n.id for n in analysis.causal_tree}
    children: dict[str, list[dict[str, Any]]] = {n.id: [] for n in analysis.causal_tree}
    branches = {n.id: {"node": n, "children": children[n.id]} for n in analysis.causal_tree}
    roots: list[dict[str, Any]] = []
    for node in analysis.causal_tree:
        parent = node.parent if node.parent in ids and node.parent != node.id else None
        (children[parent] if parent else roots).append(branches[node.id])
    return roots


def _context(view: service.AnalysisView, can_edit: bool, **extra: Any) -> dict[str, Any]:
    zone = zone_or_utc(view.timezone)
    return {
        "tree_outline": tree_outline(view.analysis),
        "view": view,
        "a": view.analysis,
        "can_edit": can_edit,
        "zone": view.timezone,
        "local": lambda value: value.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if value else "",
        "bones": list(BONE_LABELS.items()),
        "change_kinds": [k.value for k in ChangeKind],
        "relations": [r.value for r in Relation],
        "factor_classes": [c.value for c in FactorClass],
        "node_kinds": [k.value for k in NodeKind],
        "barrier_types": [t.value for t in BarrierType],
        "barrier_states": [s.value for s in BarrierState],
        "milestones": MILESTONES,
        "duration": format_duration,
        "svg": lambda kind: Markup(diagram_svg(view, kind, element_id=f"rca-{kind}-diagram")),
        "error": None,
        "error_section": None,
        **extra,
    }


@router.get("/postmortems/{id}/rca", response_class=HTMLResponse)
def rca_page(request: Request, id: str, db: Db, viewer: CurrentPrincipal) -> Response:
    with db.begin() as session:
        view = service.get_analysis(session, id, viewer)
    context = _context(view, can(viewer, Action.EDIT_RCA))
    return templates.TemplateResponse(request, "rca/page.html", context)


@router.get("/postmortems/{id}/rca/summary", response_class=HTMLResponse)
def rca_summary(request: Request, id: str, db: Db, viewer: CurrentPrincipal) -> Response:
    """A fragment for the post-mortem page: the analysis at a glance and what is unaddressed."""
    with db.begin() as session:
        view = service.get_analysis(session, id, viewer, lint=False)
    context = _context(view, can(viewer, Action.EDIT_RCA))
    return templates.TemplateResponse(request, "rca/_summary.html", context)


@router.post("/postmortems/{id}/rca/{technique}/{action}")
async def rca_edit(
    request: Request, id: str, technique: str, action: str, db: Db, viewer: CurrentPrincipal
) -> Response:
    form = await request.form()
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, []).append(value)
    htmx = bool(request.headers.get("HX-Request"))
    section = fields.get("section", [SECTION_OF.get(technique, "")])[0]
    if section not in SECTIONS:
        section = ""
    base = fields.get("base_version", [""])[0]
    base_version = int(base) if base.isdigit() else None
    error: str | None = None
    status_code = 200
    try:
        with db.begin() as session:
            view = service.get_analysis(session, id, viewer, lint=False)
            if technique not in edits.TECHNIQUES:
                raise InputError(f"unknown technique {technique!r}", field="technique")
            analysis = view.analysis.model_copy(deep=True)
            change = edits.apply_edit(
                analysis, technique, action, fields, zone_or_utc(view.timezone)
            )
            view = service.save_analysis(
                session, view.postmortem_id, analysis, viewer,
                base_version=base_version, change=change,
            )  # fmt: skip
    except ConflictError:
        error = "Someone else changed this analysis meanwhile: your change was not saved. "
        error += "This is the latest version; please make your change again."
        status_code = 409
    except InputError as exc:
        error = str(exc)
        status_code = 422
    if error is not None:
        with db.begin() as session:
            view = service.get_analysis(session, id, viewer)
    if not htmx:
        if error is None:
            anchor = f"#rca-{section}" if section else ""
            return RedirectResponse(f"/postmortems/{view.postmortem_id}/rca{anchor}", 303)
        context = _context(view, True, error=error, error_section=section or "page")
        return templates.TemplateResponse(request, "rca/page.html", context, status_code)
    context = _context(view, True, error=error, error_section=section, oob=True)
    # htmx swaps only 2xx answers: errors come back as 200 with the message in the section
    return templates.TemplateResponse(request, "rca/_edited.html", context | {"section": section})
