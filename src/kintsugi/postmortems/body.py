"""The body of a document as Markdown, kept in step with its structured data.

Sections are written verbatim, so a section whose data changed elsewhere (an action item
completed on the board, events fetched by the timeline builder) is regenerated from the data
before the document is shown as text: in the editor and in every export.
"""

from __future__ import annotations

from collections.abc import Sequence

from kintsugi.postmortems.document import ActionItem, Document, Section
from kintsugi.postmortems.headings import canonical_heading
from kintsugi.postmortems.markdown import (
    parse_action_items_markdown,
    render_action_items_markdown,
    render_timeline_markdown,
)

DOCUMENT_SOURCE = "document"


def _item_keys(items: Sequence[ActionItem]) -> list[tuple[object, ...]]:
    return sorted(
        (
            i.title,
            i.owner or "",
            str(i.priority or ""),
            str(i.due or ""),
            i.status.value,
            str(i.kind or ""),
            str(i.completed_on or ""),
        )
        for i in items
    )


def _replace(sections: list[Section], key: str, markdown: str) -> None:
    for n, section in enumerate(sections):
        if section.key == key:
            sections[n] = section.model_copy(update={"markdown": markdown})
            return
    sections.append(Section(key=key, heading=canonical_heading(key), markdown=markdown))


def section_written(doc: Document, key: str) -> Document:
    """``doc`` with its ``timeline`` or ``action_items`` section written from its data (after a
    row of it was edited), added under its usual heading when the document has none."""
    if key == "timeline":
        markdown = render_timeline_markdown(doc.timeline, doc.timezone)
    else:
        markdown = render_action_items_markdown(doc.action_items)
    sections = list(doc.sections)
    _replace(sections, key, markdown)
    return doc.model_copy(update={"sections": sections})


def synced(doc: Document) -> Document:
    """``doc`` with its timeline and action items sections rewritten where the data moved on."""
    sections = list(doc.sections)

    def replace(key: str, markdown: str) -> None:
        _replace(sections, key, markdown)

    fetched = any(e.source != DOCUMENT_SOURCE for e in doc.timeline)
    if fetched:
        replace("timeline", render_timeline_markdown(doc.timeline, doc.timezone))
    current = next((s for s in sections if s.key == "action_items"), None)
    written = parse_action_items_markdown(current.markdown) if current else []
    if doc.action_items and _item_keys(written) != _item_keys(doc.action_items):
        replace("action_items", render_action_items_markdown(doc.action_items))
    if sections == doc.sections:
        return doc
    return doc.model_copy(update={"sections": sections})


def body_markdown(doc: Document) -> str:
    """Sections joined under their headings, without front matter or title (the editor's text)."""
    parts = []
    for section in synced(doc).sections:
        text = section.markdown.strip("\n")
        if section.heading:
            heading = f"{'#' * section.level} {section.heading}"
            parts.append(f"{heading}\n\n{text}" if text else heading)
        elif text:
            parts.append(text)
    return "\n\n".join(parts) + "\n" if parts else ""
