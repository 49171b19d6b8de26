"""Plain text out of a post-mortem's Markdown, for indexing, snippets and embeddings."""

from __future__ import annotations

import re

MARK_START = "\x02"
MARK_END = "\x03"
"""Highlight delimiters that search engines put around matches; never present in indexed text."""

MAX_FIELD_CHARS = 200_000
"""Longest text indexed per field (PostgreSQL's tsvector has a 1 MB limit)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Every pattern below is linear on any input: a bracket's text stops at the next bracket, a
# target at the next unmatched parenthesis or line end, and line patterns never run across
# lines (40,000 unclosed "[" or blank lines once made one pass take seconds).
_TARGET = r"\((?:[^()\n]|\([^()\n]*+\))*+\)"  # one level of parentheses: (wiki/Foo_(bar))
_IMAGE = re.compile(r"!\[([^\[\]]*+)\]" + _TARGET)
_LINK = re.compile(r"\[([^\[\]]++)\]" + _TARGET)
_TABLE_RULE = re.compile(
    r"^[ \t]*+\|?[ \t]*+:?-{3,}+:?[ \t]*+(?:\|[ \t]*+:?-{3,}+:?[ \t]*+)*+\|?[ \t]*+$", re.MULTILINE
)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]++", re.MULTILINE)
_LIST_MARK = re.compile(r"^[ \t]*+(?:[-*+]|\d++[.)])[ \t]++(?:\[[ xX]\][ \t]++)?", re.MULTILINE)
_QUOTE = re.compile(r"^[ \t]*+>[ \t]?", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__|\*|`+|~~)")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean(text: str) -> str:
    """Text without control characters (so no highlight marks can be forged)."""
    return _CONTROL.sub(" ", text)


def plain_text(markdown: str) -> str:
    """Readable text of Markdown: no table pipes, heading marks, emphasis or link targets.

    Raw HTML is kept as text (it is escaped wherever it is shown).
    """
    text = clean(markdown)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _TABLE_RULE.sub("", text)
    text = _HEADING.sub("", text)
    text = _LIST_MARK.sub("", text)
    text = _QUOTE.sub("", text)
    text = _EMPHASIS.sub("", text)
    lines = [_table_row(line) for line in text.split("\n")]
    text = _SPACES.sub(" ", "\n".join(lines))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _table_row(line: str) -> str:
    """A line with its table pipes as " · " (split, not a regex: linear on long runs of spaces)."""
    cells = line.strip().strip("|").split("|")
    return " · ".join(cell.strip() for cell in cells).strip(" ·")


def truncate(text: str, limit: int = MAX_FIELD_CHARS) -> str:
    """At most ``limit`` characters, cut at a space when one is near."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit - 200, limit)
    return text[: cut if cut > 0 else limit]


def excerpt(text: str, words: int = 40) -> str:
    """The first ``words`` words of ``text``, with an ellipsis when cut."""
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]) + " …"
