"""Handbook Markdown to safe HTML with stable heading anchors.

Rendering and sanitising are the post-mortems' (markdown-it, then nh3 with the same allowed
tags); headings additionally keep an ``id``: the explicit one written as ``## Title {#key}``,
or else the slug of the heading text (``-2``, ``-3`` for repeats).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from kintsugi.core.markdown_html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

_EXPLICIT = re.compile(r"\s*\{#([A-Za-z][A-Za-z0-9_-]{0,79})\}\s*$")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, **{h: {"id"} for h in _HEADINGS}}


@dataclass(frozen=True)
class Heading:
    """A heading of a page: level, text and anchor id."""

    level: int
    text: str
    anchor: str


def slug(text: str) -> str:
    """The anchor of a heading text: lower case words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _heading_ids(state: StateCore) -> None:
    seen: dict[str, int] = {}
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or index + 1 >= len(tokens):
            continue
        inline = tokens[index + 1]
        anchor = _strip_explicit(inline)
        if anchor is None:
            anchor = slug(inline.content)
        if anchor in seen:
            seen[anchor] += 1
            anchor = f"{anchor}-{seen[anchor]}"
        else:
            seen[anchor] = 1
        token.attrSet("id", anchor)


def _strip_explicit(inline: Token) -> str | None:
    match = _EXPLICIT.search(inline.content)
    if match is None:
        return None
    inline.content = inline.content[: match.start()]
    children = inline.children or []
    if children and children[-1].type == "text":
        last = children[-1]
        found = _EXPLICIT.search(last.content)
        if found is not None:
            last.content = last.content[: found.start()]
    return match.group(1)


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": True, "linkify": False})
        .enable("table")
        .enable("strikethrough")
    )
    md.core.ruler.push("heading_ids", _heading_ids)
    return md


def render(markdown: str) -> str:
    """Sanitised HTML of a handbook page, headings with their anchor ids."""
    html = _renderer().render(markdown)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def headings(markdown: str) -> list[Heading]:
    """The headings of a page in order, with the anchors ``render`` gives them."""
    md = _renderer()
    tokens = md.parse(markdown)
    found = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            inline = tokens[index + 1]
            found.append(
                Heading(int(token.tag[1]), inline.content.strip(), str(token.attrGet("id") or ""))
            )
    return found


def anchors(markdown: str) -> set[str]:
    """Every anchor id the page defines."""
    return {h.anchor for h in headings(markdown)}
