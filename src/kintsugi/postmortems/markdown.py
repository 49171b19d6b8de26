"""Markdown import and export of post-mortem documents (stub: being written)."""

from __future__ import annotations

from kintsugi.postmortems.document import Document


def parse_markdown(
    text: str, *, source: str | None = None, default_timezone: str = "UTC"
) -> Document:
    """Parse a Markdown post-mortem (with or without YAML front matter) into a Document.

    Raises InputError naming the line and field of the first problem.
    """
    raise NotImplementedError


def render_markdown(doc: Document) -> str:
    """Render a Document as Markdown with YAML front matter; parse_markdown inverts it."""
    raise NotImplementedError
