"""Text widths for diagram layout, measured with matplotlib's font machinery from DejaVu Sans
(shipped with matplotlib, and the font the diagrams ask for first; Verdana and Bitstream Vera
have near-identical metrics), and wrapping.

Widths are glyph advances in thousandths of the font size. A character the font lacks counts
as its base letter (é as e), else as a full em (a symbol or emoji as 1.25 em), so that a
measured width is never narrower than the rendered text. The metrics charts draw with the same
font (``CHART_FONT``) through matplotlib.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache

from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font, LoadFlags

CHART_FONT = "DejaVu Sans"
FONT_FAMILY = f"{CHART_FONT}, Verdana, Bitstream Vera Sans, sans-serif"
LINE_HEIGHT = 1.3  # line box, of the font size
_INVISIBLE = "\u00ad\u200b\u200c\u200d\ufeff"  # soft hyphen and zero-width characters


@cache
def _font(bold: bool) -> FT2Font:
    weight = "bold" if bold else "normal"
    path = findfont(FontProperties(family=CHART_FONT, weight=weight), fallback_to_default=True)
    return FT2Font(path)


def _em(value: int) -> float:
    return value / _font(False).units_per_EM


ASCENT = round(_em(_font(False).ascender), 3)  # of the font size, above the baseline
DESCENT = round(-_em(_font(False).descender), 3)


def _advance(char: str, bold: bool) -> int | None:
    """The font's advance of ``char`` in thousandths of an em; None when it has no glyph."""
    font = _font(bold)
    if font.get_char_index(ord(char)) == 0:
        return None
    glyph = font.load_char(ord(char), flags=LoadFlags.NO_SCALE)
    return round(glyph.horiAdvance * 1000 / font.units_per_EM)


@lru_cache(maxsize=4096)
def _char_width(char: str, bold: bool) -> int:
    if unicodedata.combining(char) or char in _INVISIBLE:
        return 0
    width = _advance(char, bold)
    if width is not None:
        return width
    base = unicodedata.normalize("NFKD", char)[:1]
    if base and base != char:
        width = _advance(base, bold)
        if width is not None:
            return width
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1000
    if unicodedata.category(char) == "So":  # symbols and emoji
        return 1250
    return 1000


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of ``text`` set in ``size`` pixels."""
    return sum(_char_width(c, bold) for c in text) * size / 1000


def line_height(size: float) -> float:
    """The height of one line of text in ``size`` pixels."""
    return size * LINE_HEIGHT


def clean(text: str) -> str:
    """``text`` without control characters or lone surrogates (which XML cannot carry)."""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") else c for c in text)


def wrap(
    text: str, max_width: float, size: float, *, bold: bool = False, max_lines: int = 8
) -> list[str]:
    """``text`` broken into lines no wider than ``max_width``.

    Breaks between words; a word wider than a line is broken between characters. Past
    ``max_lines`` the last line ends with an ellipsis.
    """
    words = clean(text).split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold=bold) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        while text_width(word, size, bold=bold) > max_width:
            cut = _fit(word, max_width, size, bold)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        kept = lines[:max_lines]
        last = kept[-1]
        while last and text_width(last + "…", size, bold=bold) > max_width:
            last = last[:-1].rstrip()
        kept[-1] = last + "…"
        return kept
    return lines or [""]


def _fit(word: str, max_width: float, size: float, bold: bool) -> int:
    """How many leading characters of ``word`` fit (at least one)."""
    width = 0.0
    for index, char in enumerate(word):
        width += _char_width(char, bold) * size / 1000
        if width > max_width:
            return max(1, index)
    return len(word)
