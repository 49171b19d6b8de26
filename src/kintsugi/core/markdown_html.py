"""Markdown to safe HTML: markdown-it renders, nh3 sanitises (no script gets through)."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "input", "kbd", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "input": {"type", "checked", "disabled"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return (
        MarkdownIt("commonmark", {"html": True, "linkify": False})
        .enable("table")
        .enable("strikethrough")
    )


@lru_cache(maxsize=1024)
def markdown_to_html(text: str) -> str:
    """Render Markdown to HTML with every script, handler and unsafe URL removed.

    A pure function of the text, so the pages' repeated renders of the same sections are
    remembered (the last 1,024 texts).
    """
    return sanitize_html(_renderer().render(text))


def sanitize_html(html: str) -> str:
    """Keep only harmless tags and attributes; links get rel=noopener noreferrer."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
