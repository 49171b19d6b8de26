"""Causal factor tree layout: the incident on the left, causes to its right, any depth.

Depth sets the column; each subtree owns a horizontal band of its own, as tall as the larger
of its node and its children's bands together, and a node is centred in its band. Bands of
siblings are stacked, so no two nodes can meet; connectors run in the gaps between columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kintsugi.rca.diagrams.canvas import Canvas, Line, Rect, Text
from kintsugi.rca.diagrams.metrics import line_height, text_width, wrap

MARGIN = 24.0
NODE_WIDTH = 230.0
ROOT_WIDTH = 200.0
PAD = 7.0
TEXT_SIZE = 12.0
KIND_SIZE = 9.5
ROOT_SIZE = 14.0
COLUMN_GAP = 56.0
SIBLING_GAP = 12.0

KIND_LABELS = {
    "direct_cause": "DIRECT CAUSE",
    "indirect_cause": "INDIRECT CAUSE",
    "contributing_factor": "CONTRIBUTING FACTOR",
    "root_cause": "ROOT CAUSE",
}


@dataclass(frozen=True)
class Node:
    """A node to draw: its id, parent id (None: under the incident), kind, text, category."""

    id: str
    parent: str | None
    kind: str
    text: str
    category: str = ""


@dataclass
class _Placed:
    kind: str
    heading: tuple[str, ...]
    lines: tuple[str, ...]
    width: float
    height: float
    children: list[_Placed] = field(default_factory=list)
    band: float = 0.0
    x: float = 0.0
    y: float = 0.0


def _heading(node: Node) -> tuple[str, ...]:
    label = KIND_LABELS.get(node.kind, node.kind.upper())
    if node.category:
        label = f"{label} · {node.category}"
    return tuple(wrap(label, NODE_WIDTH - 2 * PAD, KIND_SIZE, bold=True, max_lines=2))


def _placed_node(node: Node) -> _Placed:
    heading = _heading(node)
    lines = tuple(wrap(node.text, NODE_WIDTH - 2 * PAD, TEXT_SIZE, bold=node.kind == "root_cause"))
    height = (
        len(heading) * line_height(KIND_SIZE) + 2 + len(lines) * line_height(TEXT_SIZE) + 2 * PAD
    )
    return _Placed(node.kind, heading, lines, NODE_WIDTH, height)


def _band(node: _Placed) -> float:
    children = sum(_band(c) for c in node.children) + SIBLING_GAP * max(0, len(node.children) - 1)
    node.band = max(node.height, children)
    return node.band


def _place(node: _Placed, x: float, top: float) -> None:
    node.x = x
    node.y = top + (node.band - node.height) / 2
    children = sum(c.band for c in node.children) + SIBLING_GAP * max(0, len(node.children) - 1)
    cursor = top + (node.band - children) / 2
    next_x = x + node.width + COLUMN_GAP
    for child in node.children:
        _place(child, next_x, cursor)
        cursor += child.band + SIBLING_GAP


def layout_tree(incident: str, nodes: Sequence[Node]) -> Canvas:
    """Lay out the causal factor tree of ``nodes`` under ``incident``.

    Nodes whose parent is unknown hang under the incident; the order of siblings is kept.
    """
    root_lines = tuple(wrap(incident or "The incident", ROOT_WIDTH - 2 * PAD, ROOT_SIZE, bold=True))
    root = _Placed(
        "incident",
        (),
        root_lines,
        ROOT_WIDTH,
        len(root_lines) * line_height(ROOT_SIZE) + 2 * PAD,
    )
    unique: dict[str, Node] = {}
    for given in nodes:
        unique.setdefault(given.id, given)  # the first of a repeated id wins
    placed = {node.id: _placed_node(node) for node in unique.values()}
    known = set(placed)
    for item in unique.values():
        parent = placed[item.parent] if item.parent in known and item.parent != item.id else root
        parent.children.append(placed[item.id])
    _detach_cycles(root, placed)
    _band(root)
    _place(root, MARGIN, MARGIN)
    drawn = list(_walk(root))
    width = max(n.x + n.width for n in drawn) + MARGIN
    height = root.band + 2 * MARGIN
    canvas = Canvas(width=width, height=height, title=f"Causal factor tree: {incident}")
    for node in drawn:
        for child in node.children:
            start = (node.x + node.width, node.y + node.height / 2)
            end = (child.x, child.y + child.height / 2)
            middle = node.x + node.width + COLUMN_GAP / 2
            canvas.add(Line((start, (middle, start[1]), (middle, end[1]), end), "edge"))
    for node in drawn:
        _draw_node(canvas, node)
    return canvas


def _detach_cycles(root: _Placed, placed: dict[str, _Placed]) -> None:
    """Nodes in a cycle are not reachable from the incident: hang them under it."""
    reachable = {id(n) for n in _walk(root)}
    for node in placed.values():
        if id(node) not in reachable:
            for other in placed.values():
                if node in other.children:
                    other.children.remove(node)
            root.children.append(node)
            reachable |= {id(n) for n in _walk(node)}


def _walk(node: _Placed) -> list[_Placed]:
    found = [node]
    stack = list(reversed(node.children))
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(reversed(current.children))
    return found


def _draw_node(canvas: Canvas, node: _Placed) -> None:
    if node.kind == "incident":
        canvas.add(Rect(node.x, node.y, node.width, node.height, "incident", rx=8))
        canvas.add(
            Text(
                node.x + PAD,
                node.y + PAD,
                node.lines,
                ROOT_SIZE,
                _widest(node.lines, ROOT_SIZE, True),
                bold=True,
                colour="light",
            )
        )
        return
    style = node.kind if node.kind in KIND_LABELS else "contributing_factor"
    canvas.add(Rect(node.x, node.y, node.width, node.height, style))
    y = node.y + PAD
    canvas.add(
        Text(
            node.x + PAD,
            y,
            node.heading,
            KIND_SIZE,
            _widest(node.heading, KIND_SIZE, True),
            bold=True,
            colour="muted",
        )
    )
    y += len(node.heading) * line_height(KIND_SIZE) + 2
    bold = node.kind == "root_cause"
    canvas.add(
        Text(
            node.x + PAD, y, node.lines, TEXT_SIZE, _widest(node.lines, TEXT_SIZE, bold), bold=bold
        )
    )


def _widest(lines: Sequence[str], size: float, bold: bool) -> float:
    return max((text_width(line, size, bold=bold) for line in lines), default=0.0)
