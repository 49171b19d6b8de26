"""The size limits of a document's text fields, checked before anything is stored.

The ``Document`` model itself stays lenient, so that documents stored before a limit was
lowered can still be read, exported and cut down to size.
"""

from __future__ import annotations

from kintsugi.core.errors import TooLargeError
from kintsugi.core.limits import MAX_HEADING_CHARS, MAX_LINE_CHARS, MAX_SECTION_CHARS
from kintsugi.postmortems.document import Document


def _check(value: str, limit: int, field: str) -> None:
    if len(value) > limit:
        raise TooLargeError(
            f"too large: at most {limit:,} characters (this one has {len(value):,})",
            field=field,
        )


def check_sizes(doc: Document) -> None:
    """Raise TooLargeError (413) naming the first field of ``doc`` over its limit."""
    _check(doc.title, MAX_HEADING_CHARS, "title")
    for number, section in enumerate(doc.sections):
        name = f"sections.{number}"
        _check(section.heading, MAX_HEADING_CHARS, f"{name}.heading")
        _check(
            section.markdown,
            MAX_SECTION_CHARS,
            f"{name}.markdown ({section.heading or section.key})",
        )
    for number, event in enumerate(doc.timeline):
        _check(event.text, MAX_LINE_CHARS, f"timeline.{number}.text")
    for number, item in enumerate(doc.action_items):
        _check(item.title, MAX_LINE_CHARS, f"action_items.{number}.title")
