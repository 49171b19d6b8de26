"""A laid-out diagram: boxes, text blocks and lines with their geometry, written out as SVG.

Layouts place shapes here; tests read the geometry back (text bounding boxes must not
overlap), and ``to_svg`` writes self-contained SVG with presentation attributes only (no
style attributes or elements, so a strict Content-Security-Policy allows it inline). All text
is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from kintsugi.rca.diagrams.metrics import ASCENT, DESCENT, FONT_FAMILY, LINE_HEIGHT, clean

# name -> presentation attributes
STYLES: dict[str, dict[str, str]] = {
    "spine": {"stroke": "#3b3b3b", "stroke-width": "3", "fill": "none"},
    "bone": {"stroke": "#5b5b5b", "stroke-width": "2", "fill": "none"},
    "tick": {"stroke": "#8a8a8a", "stroke-width": "1.2", "fill": "none"},
    "edge": {"stroke": "#7a7a7a", "stroke-width": "1.5", "fill": "none"},
    "head": {"fill": "#2f3e46", "stroke": "#2f3e46", "stroke-width": "1"},
    "arrow": {"fill": "#3b3b3b", "stroke": "none"},
    "bone-label": {"fill": "#e9ecef", "stroke": "#5b5b5b", "stroke-width": "1"},
    "cause": {"fill": "#ffffff", "stroke": "#c8c8c8", "stroke-width": "1"},
    "root": {"fill": "#fbf0d9", "stroke": "#b7882c", "stroke-width": "2"},
    "incident": {"fill": "#2f3e46", "stroke": "#2f3e46", "stroke-width": "1"},
    "direct_cause": {"fill": "#fde8e4", "stroke": "#c2553f", "stroke-width": "1.5"},
    "indirect_cause": {"fill": "#fff1e0", "stroke": "#d08a3a", "stroke-width": "1.5"},
    "contributing_factor": {"fill": "#e8eef5", "stroke": "#5f7fa3", "stroke-width": "1.5"},
    "root_cause": {"fill": "#fbf0d9", "stroke": "#b7882c", "stroke-width": "2.5"},
    "background": {"fill": "#ffffff", "stroke": "none"},
}
TEXT_COLOURS = {"light": "#ffffff", "dark": "#1f2328", "muted": "#57606a"}


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    style: str
    rx: float = 4

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.x + self.w, self.y + self.h)


@dataclass(frozen=True)
class Text:
    """Lines of text whose block starts at (x, y) (the top); ``anchor`` says how x aligns."""

    x: float
    y: float
    lines: tuple[str, ...]
    size: float
    width: float  # the widest line, measured
    bold: bool = False
    anchor: str = "start"  # start | middle | end
    colour: str = "dark"

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LINE_HEIGHT

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        if self.anchor == "middle":
            left = self.x - self.width / 2
        elif self.anchor == "end":
            left = self.x - self.width
        else:
            left = self.x
        return (left, self.y, left + self.width, self.y + self.height)


@dataclass(frozen=True)
class Line:
    """A polyline (two or more points)."""

    points: tuple[tuple[float, float], ...]
    style: str


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    style: str


@dataclass
class Canvas:
    """Everything a diagram draws, in drawing order."""

    width: float
    height: float
    title: str
    shapes: list[Rect | Text | Line | Polygon] = field(default_factory=list)

    def add(self, shape: Rect | Text | Line | Polygon) -> None:
        self.shapes.append(shape)

    def texts(self) -> list[Text]:
        return [s for s in self.shapes if isinstance(s, Text)]

    def rects(self) -> list[Rect]:
        return [s for s in self.shapes if isinstance(s, Rect)]

    def lines(self) -> list[Line]:
        return [s for s in self.shapes if isinstance(s, Line)]

    def to_svg(self, *, element_id: str | None = None) -> str:
        """The diagram as one standalone ``<svg>`` element."""
        w, h = _n(self.width), _n(self.height)
        id_attr = f" id={quoteattr(element_id)}" if element_id else ""
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg"{id_attr} class="rca-diagram" '
            f'width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
            f'font-family="{FONT_FAMILY}">',
            f"<title>{escape(clean(self.title))}</title>",
            f'<rect x="0" y="0" width="{w}" height="{h}"{_attrs("background")}/>',
        ]
        for shape in self.shapes:
            parts.append(_shape_svg(shape))
        parts.append("</svg>")
        return "\n".join(parts) + "\n"


def _n(value: float) -> str:
    """A number as short as it can be written."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(style: str) -> str:
    return "".join(f' {name}="{value}"' for name, value in STYLES[style].items())


def _points(points: tuple[tuple[float, float], ...]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _shape_svg(shape: Rect | Text | Line | Polygon) -> str:
    if isinstance(shape, Rect):
        return (
            f'<rect x="{_n(shape.x)}" y="{_n(shape.y)}" width="{_n(shape.w)}" '
            f'height="{_n(shape.h)}" rx="{_n(shape.rx)}"{_attrs(shape.style)}/>'
        )
    if isinstance(shape, Line):
        return f'<polyline points="{_points(shape.points)}"{_attrs(shape.style)}/>'
    if isinstance(shape, Polygon):
        return f'<polygon points="{_points(shape.points)}"{_attrs(shape.style)}/>'
    return _text_svg(shape)


def _text_svg(text: Text) -> str:
    step = text.size * LINE_HEIGHT
    # centre the glyphs (ascent + descent) in each line box
    first = text.y + (step - (ASCENT + DESCENT) * text.size) / 2 + ASCENT * text.size
    weight = ' font-weight="bold"' if text.bold else ""
    spans = "".join(
        f'<tspan x="{_n(text.x)}" y="{_n(first + i * step)}">{escape(line)}</tspan>'
        for i, line in enumerate(text.lines)
    )
    return (
        f'<text font-size="{_n(text.size)}"{weight} text-anchor="{text.anchor}" '
        f'fill="{TEXT_COLOURS[text.colour]}">{spans}</text>'
    )
