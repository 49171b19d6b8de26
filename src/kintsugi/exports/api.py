"""The export endpoint: GET /api/v1/postmortems/{id}/export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from kintsugi.audit import service as audit
from kintsugi.exports.service import export_with_analysis
from kintsugi.postmortems import service
from kintsugi.postmortems.export import FORMATS
from kintsugi.webkit.deps import CurrentPrincipal, WritingDb

router = APIRouter(prefix="/api/v1/postmortems", tags=["post-mortems"])

EXPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:"
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "html": "text/html",
}


@router.get("/{id}/export", response_class=Response)
def export_postmortem(
    id: str,
    db: WritingDb,
    viewer: CurrentPrincipal,
    format: Annotated[str, Query(pattern="^(md|json|html)$")] = "md",
) -> Response:
    """The post-mortem as Markdown, JSON or a standalone HTML page."""
    with db.begin() as session:
        doc = service.get_document(session, id, viewer)
        audit.record(session, viewer, "exported", doc.id, format=format, via="api")
        text = export_with_analysis(session, doc, format, viewer)
    assert format in FORMATS
    headers = {"Content-Security-Policy": EXPORT_CSP} if format == "html" else None
    return Response(text, media_type=MEDIA_TYPES[format], headers=headers)
