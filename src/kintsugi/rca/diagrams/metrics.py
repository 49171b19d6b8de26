"""Text widths for diagram layout: a fixed per-character table of DejaVu Sans (the font the
diagrams ask for first; Verdana and Bitstream Vera have near-identical metrics), and wrapping.

Widths are in thousandths of the font size, measured once from the font in Chromium. A
character outside the table counts as its base letter (é as e), else as a full em, so that a
measured width is never narrower than the rendered text.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

FONT_FAMILY = "DejaVu Sans, Verdana, Bitstream Vera Sans, sans-serif"
ASCENT = 0.928  # of the font size, above the baseline
DESCENT = 0.236
LINE_HEIGHT = 1.3  # line box, of the font size

CHARACTERS = (
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFG"
    "HIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmno"
    "pqrstuvwxyz{|}~\u00a0\u00a1\u00a2\u00a3\u00a4\u00a5\u00a6\u00a7\u00a8\u00a9\u00aa\u00ab\u00ac\u00ad\u00ae\u00af\u00b0\u00b1\u00b2\u00b3\u00b4\u00b5\u00b6\u00b7\u00b8"
    "\u00b9\u00ba\u00bb\u00bc\u00bd\u00be\u00bf\u00c0\u00c1\u00c2\u00c3\u00c4\u00c5\u00c6\u00c7\u00c8\u00c9\u00ca\u00cb\u00cc\u00cd\u00ce\u00cf\u00d0\u00d1\u00d2\u00d3\u00d4\u00d5\u00d6\u00d7\u00d8\u00d9\u00da\u00db\u00dc\u00dd\u00de\u00df\u00e0"
    "\u00e1\u00e2\u00e3\u00e4\u00e5\u00e6\u00e7\u00e8\u00e9\u00ea\u00eb\u00ec\u00ed\u00ee\u00ef\u00f0\u00f1\u00f2\u00f3\u00f4\u00f5\u00f6\u00f7\u00f8\u00f9\u00fa\u00fb\u00fc\u00fd\u00fe\u00ff\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u2022\u2192"
    "\u2190\u2265\u2264\u00d7\u20ac\u00a3\u00b7"
)
REGULAR: dict[str, int] = dict(
    zip(
        CHARACTERS,
        (
            318,
            401,
            460,
            838,
            636,
            950,
            780,
            275,
            390,
            390,
            500,
            838,
            318,
            361,
            318,
            337,
            636,
            636,
            636,
            636,
            636,
            636,
            636,
            636,
            636,
            636,
            337,
            337,
            838,
            838,
            838,
            531,
            1000,
            684,
            686,
            698,
            770,
            632,
            575,
            775,
            752,
            295,
            295,
            656,
            557,
            863,
            748,
            787,
            603,
            787,
            695,
            635,
            611,
            732,
            684,
            989,
            685,
            611,
            685,
            390,
            337,
            390,
            838,
            500,
            500,
            613,
            635,
            550,
            635,
            615,
            352,
            635,
            634,
            278,
            278,
            579,
            278,
            974,
            634,
            612,
            635,
            635,
            411,
            521,
            392,
            634,
            592,
            818,
            592,
            592,
            525,
            636,
            337,
            636,
            838,
            318,
            401,
            636,
            636,
            636,
            636,
            337,
            500,
            500,
            1000,
            471,
            612,
            838,
            0,
            1000,
            500,
            500,
            838,
            401,
            401,
            500,
            636,
            636,
            318,
            500,
            401,
            471,
            612,
            969,
            969,
            969,
            531,
            684,
            684,
            684,
            684,
            684,
            684,
            974,
            698,
            632,
            632,
            632,
            632,
            295,
            295,
            295,
            295,
            775,
            748,
            787,
            787,
            787,
            787,
            787,
            838,
            787,
            732,
            732,
            732,
            732,
            611,
            605,
            630,
            613,
            613,
            613,
            613,
            613,
            613,
            982,
            550,
            615,
            615,
            615,
            615,
            278,
            278,
            278,
            278,
            612,
            634,
            612,
            612,
            612,
            612,
            612,
            838,
            612,
            634,
            634,
            634,
            634,
            592,
            635,
            592,
            500,
            1000,
            318,
            318,
            518,
            518,
            1000,
            590,
            838,
            838,
            838,
            838,
            838,
            636,
            636,
            318,
        ),
        strict=True,
    )
)
BOLD: dict[str, int] = dict(
    zip(
        CHARACTERS,
        (
            348,
            456,
            521,
            838,
            696,
            1002,
            872,
            306,
            457,
            457,
            523,
            838,
            380,
            415,
            380,
            365,
            696,
            696,
            696,
            696,
            696,
            696,
            696,
            696,
            696,
            696,
            400,
            400,
            838,
            838,
            838,
            580,
            1000,
            774,
            762,
            734,
            830,
            683,
            683,
            821,
            837,
            372,
            372,
            775,
            637,
            995,
            837,
            850,
            733,
            850,
            770,
            720,
            682,
            812,
            774,
            1103,
            771,
            724,
            725,
            457,
            365,
            457,
            838,
            500,
            500,
            675,
            716,
            593,
            716,
            678,
            435,
            716,
            712,
            343,
            343,
            665,
            343,
            1042,
            712,
            687,
            716,
            716,
            493,
            595,
            478,
            712,
            652,
            924,
            645,
            652,
            582,
            712,
            365,
            712,
            838,
            348,
            456,
            696,
            696,
            636,
            696,
            365,
            500,
            500,
            1000,
            564,
            646,
            838,
            0,
            1000,
            500,
            500,
            838,
            438,
            438,
            500,
            736,
            636,
            380,
            500,
            438,
            564,
            646,
            1035,
            1035,
            1035,
            580,
            774,
            774,
            774,
            774,
            774,
            774,
            1085,
            734,
            683,
            683,
            683,
            683,
            372,
            372,
            372,
            372,
            838,
            837,
            850,
            850,
            850,
            850,
            850,
            838,
            850,
            812,
            812,
            812,
            812,
            724,
            738,
            719,
            675,
            675,
            675,
            675,
            675,
            675,
            1048,
            593,
            678,
            678,
            678,
            678,
            343,
            343,
            343,
            343,
            687,
            712,
            687,
            687,
            687,
            687,
            687,
            838,
            687,
            712,
            712,
            712,
            712,
            652,
            716,
            652,
            500,
            1000,
            380,
            380,
            657,
            657,
            1000,
            639,
            838,
            838,
            838,
            838,
            838,
            696,
            696,
            380,
        ),
        strict=True,
    )
)


@lru_cache(maxsize=4096)
def _char_width(char: str, bold: bool) -> int:
    table = BOLD if bold else REGULAR
    width = table.get(char)
    if width is not None:
        return width
    if unicodedata.combining(char) or char in "\u200b\u200c\u200d\ufeff":
        return 0
    base = unicodedata.normalize("NFKD", char)[:1]
    if base and base != char and base in table:
        return table[base]
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
