"""The body of a document as one Markdown text: its sections under their headings."""

from __future__ import annotations

from kintsugi.postmortems.document import Document


def body_markdown(doc: Document) -> str:
    """Sections joined under their headings, without front matter or title (the editor's text)."""
    parts = []
    for section in doc.sections:
        text = section.markdown.strip("\n")
        if section.heading:
            heading = f"{'#' * section.level} {section.heading}"
            parts.append(f"{heading}\n\n{text}" if text else heading)
        elif text:
            parts.append(text)
    return "\n\n".join(parts) + "\n" if parts else ""
