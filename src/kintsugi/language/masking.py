"""Hide the parts of a Markdown document that are not the author's prose.

``mask_markdown`` returns a string of the same length as its input in which code blocks,
inline code, block quotes, quoted strings, HTML, link targets and front matter are blanked
out (newlines kept), so that every offset found in the masked text is also an offset in
the original. ``allowances`` reads the ``<!-- kintsugi: allow RULE -->`` comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NOT_NEWLINE = re.compile(r"[^\n]")

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FENCED_CODE = re.compile(
    r"^[ \t]*+(?P<fence>`{3,}+|~{3,}+)[^\n]*+\n.*?(?:^[ \t]*+(?P=fence)[`~]*+[ \t]*+$|\Z)",
    re.MULTILINE | re.DOTALL,
)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_BLOCKQUOTE = re.compile(r"^[ \t]{0,3}>[^\n]*", re.MULTILINE)
# Each pattern starts with a literal so that the regex engine can skip ahead quickly.
_INLINE_CODE = re.compile(r"`[^`\n]*`|``[^\n]*?``")
# a target may hold one level of parentheses; it never runs past the next unmatched "("
_LINK_TARGET = re.compile(r"\]\((?:[^()\n]|\([^()\n]*+\))*+\)")
_REFERENCE = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[^\n]*", re.MULTILINE)
_URL = re.compile(r"(?:https?|ftp)://[^\s)>\]]+")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>\n]*)?/?>")
_QUOTED = (
    re.compile(r'"[^"\n]{1,400}"'),
    re.compile(r"“[^”\n]{1,400}”"),
    re.compile(r"„[^“”\n]{1,400}[“”]"),
    re.compile(r"«[^»\n]{1,400}»"),
    re.compile(r"['‘](?<![\w'’]['‘])[^'‘’\n]{1,200}['’](?![\w'’])"),
)
_QUOTE_CHARS = ('"', "“", "„", "«", "'")
_DIRECTIVE = re.compile(
    r"<!--\s*+kintsugi:\s*+(?P<verb>allow-file|allow)\b(?P<rules>[^<>]*?)-->", re.IGNORECASE
)
_CONTENT = re.compile(r"\S")


def _blank(match: re.Match[str]) -> str:
    text = match.group(0)
    if "\n" not in text:
        return " " * len(text)
    return _NOT_NEWLINE.sub(" ", text)


def mask_plain(text: str) -> str:
    """Blank out quoted strings in plain text."""
    for char, pattern in zip(_QUOTE_CHARS, _QUOTED, strict=True):
        if char in text or (char == "'" and "‘" in text):
            text = pattern.sub(_blank, text)
    return text


def mask_markdown(text: str) -> str:
    """Blank out everything in Markdown ``text`` that is not prose by the author."""
    text = _FRONT_MATTER.sub(_blank, text, count=1)
    if "```" in text or "~~~" in text:
        text = _FENCED_CODE.sub(_blank, text)
    if "<!--" in text:
        text = _HTML_COMMENT.sub(_blank, text)
    if ">" in text:
        text = _BLOCKQUOTE.sub(_blank, text)
    if "`" in text:
        text = _INLINE_CODE.sub(_blank, text)
    if "](" in text:
        text = _LINK_TARGET.sub(_blank, text)
    if "]:" in text:
        text = _REFERENCE.sub(_blank, text)
    if "://" in text:
        text = _URL.sub(_blank, text)
    if "<" in text:
        text = _TAG.sub(_blank, text)
    return mask_plain(text)


def front_matter(text: str) -> str | None:
    """The YAML front matter block of ``text`` (without its fences), if any."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return None
    body = match.group(0).lstrip("\ufeff")
    return body.split("\n", 1)[1].rsplit("\n", 2)[0] if "\n" in body else ""


@dataclass
class Allowances:
    """Rules accepted deliberately: for the whole file, or by line (1-based)."""

    file_rules: set[str] = field(default_factory=set)
    line_rules: dict[int, set[str]] = field(default_factory=dict)

    def allows(self, rule: str, line: int) -> bool:
        """True when ``rule`` is accepted on ``line``."""
        if rule in self.file_rules or "all" in self.file_rules:
            return True
        rules = self.line_rules.get(line, set())
        return rule in rules or "all" in rules


def _rule_names(raw: str) -> set[str]:
    names = {name.strip().lower() for name in re.split(r"[\s,]+", raw) if name.strip()}
    return {"all" if name == "*" else name for name in names} or {"all"}


def allowances(text: str) -> Allowances:
    """Read ``<!-- kintsugi: allow RULE -->`` directives.

    A directive covers its own line and the next one. ``allow-file``, or any directive
    that comes before the first line of content (after front matter), covers the file.
    """
    result = Allowances()
    if "kintsugi" not in text:
        return result
    body_start = 0
    fm = _FRONT_MATTER.match(text)
    if fm:
        body_start = fm.end()
    without_comments = _HTML_COMMENT.sub(_blank, text)
    first_content = _CONTENT.search(without_comments, body_start)
    content_at = first_content.start() if first_content else len(text)
    for match in _DIRECTIVE.finditer(text):
        rules = _rule_names(match.group("rules"))
        if match.group("verb").lower() == "allow-file" or match.start() < content_at:
            result.file_rules |= rules
            continue
        line = text.count("\n", 0, match.start()) + 1
        for covered in (line, line + 1):
            result.line_rules.setdefault(covered, set()).update(rules)
    return result
