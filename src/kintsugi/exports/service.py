"""A whole post-mortem exported: the document with what other slices add (its root cause
analysis). The export endpoint and command (``api``, ``cli``) export through here."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kintsugi.people.principal import Principal
from kintsugi.postmortems.document import Document
from kintsugi.postmortems.export import export_document
from kintsugi.rca.export import EXPORT_CSS, rca_html, rca_markdown
from kintsugi.rca.service import stored_analysis


def export_with_analysis(session: Session, doc: Document, fmt: str, viewer: Principal) -> str:
    """``doc`` in ``fmt`` (md, json or html), with its root cause analysis when it has one."""
    text = export_document(doc, fmt)
    analysis = stored_analysis(session, doc.id, viewer) if doc.id else None
    if analysis is None or fmt == "json":
        return text
    if fmt == "md":
        return text.rstrip("\n") + "\n\n" + rca_markdown(analysis)
    text = text.replace("</style>", EXPORT_CSS + "</style>", 1)
    return text.replace("</body>", rca_html(analysis) + "</body>", 1)
