"""Diagram layout: no text overlaps other text or crosses a line, on random and large analyses;
text is measured and wrapped; SVG and Mermaid carry user text inert."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kintsugi.rca.diagrams.canvas import Canvas, Text
from kintsugi.rca.diagrams.fishbone import Cause, layout_fishbone
from kintsugi.rca.diagrams.mermaid import fishbone_mermaid, label, tree_mermaid
from kintsugi.rca.diagrams.metrics import text_width, wrap
from kintsugi.rca.diagrams.tree import Node, layout_tree
from tests.support.xss import PAYLOADS

BONES = ["people", "process", "technology", "environment", "measurement", "materials"]
KINDS = ["direct_cause", "indirect_cause", "contributing_factor", "root_cause"]
EPSILON = 0.01

words = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")),
    min_size=1,
    max_size=30,
)
labels = st.lists(words, min_size=1, max_size=40).map(" ".join)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return (
        a[0] < b[2] - EPSILON
        and b[0] < a[2] - EPSILON
        and a[1] < b[3] - EPSILON
        and (b[1] < a[3] - EPSILON)
    )


def _segment_hits_box(
    p: tuple[float, float], q: tuple[float, float], box: tuple[float, ...]
) -> bool:
    """Whether segment p-q passes through the inside of ``box`` (sampled finely)."""
    steps = 200
    for i in range(steps + 1):
        x = p[0] + (q[0] - p[0]) * i / steps
        y = p[1] + (q[1] - p[1]) * i / steps
        if box[0] + EPSILON < x < box[2] - EPSILON and box[1] + EPSILON < y < box[3] - EPSILON:
            return True
    return False


def assert_readable(canvas: Canvas) -> None:
    """No two texts overlap; each text sits inside the canvas and inside a box; no line crosses
    a text."""
    texts = canvas.texts()
    for first, second in combinations(texts, 2):
        assert not _overlap(first.bbox, second.bbox), (first.lines, second.lines)
    rects = canvas.rects()
    for text in texts:
        left, top, right, bottom = text.bbox
        assert left >= 0 and right <= canvas.width and top >= 0 and bottom <= canvas.height
        assert any(
            r.x - EPSILON <= left and right <= r.x + r.w + EPSILON and r.y - EPSILON <= top
            and bottom <= r.y + r.h + EPSILON
            for r in rects
        ), text.lines  # fmt: skip
        for line in canvas.lines():
            for p, q in zip(line.points, line.points[1:], strict=False):
                assert not _segment_hits_box(p, q, text.bbox), (line.style, text.lines)
    boxes = [r for r in rects if r.style != "background"]
    for one, other in combinations(boxes, 2):
        assert not _overlap(one.bbox, other.bbox), (one, other)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    effect=labels,
    causes=st.lists(
        st.builds(Cause, bone=st.sampled_from(BONES), text=labels, root=st.booleans()),
        max_size=25,
    ),
)
def test_fishbone_text_never_overlaps(effect: str, causes: list[Cause]) -> None:
    assert_readable(layout_fishbone(effect, causes))


@st.composite
def trees(draw: st.DrawFn) -> list[Node]:
    count = draw(st.integers(min_value=0, max_value=30))
    nodes = []
    for n in range(count):
        parent = draw(st.none() | st.integers(min_value=0, max_value=count))  # may be unknown
        nodes.append(
            Node(
                f"n{n}",
                None if parent is None else f"n{parent}",
                draw(st.sampled_from(KINDS)),
                draw(labels),
                draw(st.sampled_from(["", "Capacity", "A rather long category label"])),
            )
        )
    return nodes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(incident=labels, nodes=trees())
def test_tree_text_never_overlaps(incident: str, nodes: list[Node]) -> None:
    canvas = layout_tree(incident, nodes)
    assert_readable(canvas)
    drawn = [t for t in canvas.texts() if t.size == 12.0]
    assert len(drawn) == len({n.id for n in nodes})  # every node is drawn once, cycles too


LONG = (
    "Connection pool exhaustion under the sale campaign's load made health checks time out, "
    "which restarted pods and shrank capacity further"
)


def large_causes() -> list[Cause]:
    return [
        Cause(BONES[i % 6], f"{i}: {LONG[: 20 + (i * 37) % len(LONG)]}", i % 7 == 0)
        for i in range(120)
    ]


def large_tree() -> list[Node]:
    nodes = []
    for i in range(150):
        parent = None if i < 4 else f"n{(i - 1) // 3}"
        nodes.append(Node(f"n{i}", parent, KINDS[i % 4], f"{i}: {LONG[: 30 + (i * 13) % 90]}"))
    return nodes


def test_a_large_analysis_stays_readable() -> None:
    fishbone = layout_fishbone(LONG, large_causes())
    assert_readable(fishbone)
    assert len(fishbone.texts()) == 120 + 6 + 1
    tree = layout_tree(LONG, large_tree())
    assert_readable(tree)
    for canvas in (fishbone, tree):
        ET.fromstring(canvas.to_svg())  # well-formed


def test_wrapping_measures_lines() -> None:
    text = "Requests waited for a database connection until they timed out"
    lines = wrap(text, 150, 12)
    assert len(lines) > 1 and " ".join(lines) == text
    assert all(text_width(line, 12) <= 150 for line in lines)
    long_word = "x" * 200
    assert all(text_width(line, 12) <= 150 for line in wrap(long_word, 150, 12, max_lines=50))
    cut = wrap("word " * 200, 100, 12, max_lines=3)
    assert len(cut) == 3 and cut[-1].endswith("…")
    assert text_width("W", 12, bold=True) > text_width("i", 12)
    assert text_width("é", 12) == text_width("e", 12)  # accented letters as their base
    assert text_width("漢", 12) == 12.0


def test_svg_carries_user_text_inert() -> None:
    causes = [Cause(BONES[i % 6], payload) for i, payload in enumerate(PAYLOADS)]
    nodes = [Node(f"n{i}", None, "root_cause", p) for i, p in enumerate(PAYLOADS)]
    for svg in (
        layout_fishbone(PAYLOADS[0], causes).to_svg(),
        layout_tree(PAYLOADS[2], nodes).to_svg(),
    ):
        root = ET.fromstring(svg)
        tags = {el.tag.split("}")[1] for el in root.iter()}
        assert tags <= {"svg", "title", "rect", "polyline", "polygon", "text", "tspan"}
        for el in root.iter():
            assert not any(name.startswith("on") or name == "style" for name in el.attrib)
    assert "\x00" not in layout_fishbone("nul\x00byte \ud800", []).to_svg()


def test_mermaid_labels_are_entity_coded() -> None:
    coded = label('a "quote" <b>bold</b> [x] (y) #1 & `code` | pipe')
    assert coded.startswith('"') and coded.endswith('"')
    assert not re.search(r'[<>\[\]()`|&"]', coded[1:-1].replace("<br>", ""))
    source = fishbone_mermaid("Outage", [Cause("process", "No review <script>", True)])
    assert "flowchart LR" in source and "<script>" not in source
    assert "class c1 root" in source
    tree = tree_mermaid(
        "Outage", [Node("a", None, "direct_cause", "A"), Node("b", "a", "root_cause", "B")]
    )
    assert "incident --> n1" in tree and "n1 --> n2" in tree and "class n2 root_cause" in tree


def test_text_anchors_place_boxes() -> None:
    middle = Text(100, 0, ("ab",), 10, 20, anchor="middle")
    end = Text(100, 0, ("ab",), 10, 20, anchor="end")
    assert middle.bbox[0] == 90 and end.bbox[0] == 80


def test_the_readability_check_catches_overlaps() -> None:
    canvas = Canvas(200, 100, "t")
    from kintsugi.rca.diagrams.canvas import Line, Rect

    canvas.add(Rect(0, 0, 200, 100, "cause"))
    canvas.add(Text(10, 10, ("hello",), 12, 40))
    canvas.add(Text(30, 12, ("world",), 12, 40))
    try:
        assert_readable(canvas)
    except AssertionError:
        pass
    else:
        raise AssertionError("overlapping texts passed the check")
    crossed = Canvas(200, 100, "t")
    crossed.add(Rect(0, 0, 200, 100, "cause"))
    crossed.add(Text(10, 10, ("hello",), 12, 40))
    crossed.add(Line(((0, 15), (100, 15)), "edge"))
    try:
        assert_readable(crossed)
    except AssertionError:
        return
    raise AssertionError("a line through text passed the check")
