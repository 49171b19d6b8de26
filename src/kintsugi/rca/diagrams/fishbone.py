"""Fishbone (Ishikawa) layout: the effect at the head, six bones, causes stacked along them.

Each bone has its own column: its causes are stacked from the spine outwards, each text box
ending just left of the diagonal bone, with a tick from the box to the bone. Columns are
wide enough for the longest wrapped cause, so no two texts can meet: within a column the
boxes are stacked, columns do not overlap, and the rows sit either side of the spine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kintsugi.rca.diagrams.canvas import Canvas, Line, Polygon, Rect, Text
from kintsugi.rca.diagrams.metrics import line_height, text_width, wrap

TOP_BONES = (("people", "People"), ("process", "Process"), ("technology", "Technology"))
BOTTOM_BONES = (
    ("environment", "Environment"),
    ("measurement", "Measurement"),
    ("materials", "Materials"),
)

MARGIN = 24.0
CAUSE_SIZE = 12.0
LABEL_SIZE = 13.0
EFFECT_SIZE = 14.0
CAUSE_WIDTH = 190.0  # widest wrapped cause text
EFFECT_WIDTH = 200.0
PAD = 5.0  # inside a box
RUN = 110.0  # how far left a bone's outer end is from where it meets the spine
GAP = 10.0  # between a box and its bone
STACK_GAP = 8.0  # between stacked boxes
SPINE_GAP = 16.0  # between the spine and the nearest box
COLUMN_GAP = 28.0
EMPTY_BONE = 40.0
HEAD_GAP = 26.0


@dataclass(frozen=True)
class Cause:
    """One cause to draw: on which bone, its text, and whether it is a root cause."""

    bone: str
    text: str
    root: bool = False


@dataclass(frozen=True)
class _Box:
    lines: tuple[str, ...]
    width: float  # of the text
    height: float  # of the box
    root: bool


def _box(cause: Cause) -> _Box:
    lines = tuple(wrap(cause.text, CAUSE_WIDTH, CAUSE_SIZE, bold=cause.root))
    width = max(text_width(line, CAUSE_SIZE, bold=cause.root) for line in lines)
    return _Box(lines, width, len(lines) * line_height(CAUSE_SIZE) + 2 * PAD, cause.root)


def _stack_height(boxes: Sequence[_Box]) -> float:
    if not boxes:
        return EMPTY_BONE
    return SPINE_GAP + sum(b.height for b in boxes) + STACK_GAP * (len(boxes) - 1) + STACK_GAP


def layout_fishbone(effect: str, causes: Sequence[Cause]) -> Canvas:
    """Lay out a fishbone of ``causes`` leading to ``effect``."""
    boxes = {bone: [_box(c) for c in causes if c.bone == bone] for bone, _ in TOP_BONES}
    boxes.update({bone: [_box(c) for c in causes if c.bone == bone] for bone, _ in BOTTOM_BONES})
    label_h = line_height(LABEL_SIZE) + 2 * PAD
    top = max(_stack_height(boxes[b]) for b, _ in TOP_BONES)
    bottom = max(_stack_height(boxes[b]) for b, _ in BOTTOM_BONES)
    column = CAUSE_WIDTH + 2 * PAD + GAP + RUN + COLUMN_GAP
    first_x = MARGIN + CAUSE_WIDTH + 2 * PAD + GAP + RUN
    ends = [first_x + i * column for i in range(len(TOP_BONES))]
    effect_lines = tuple(wrap(effect or "The incident", EFFECT_WIDTH, EFFECT_SIZE, bold=True))
    effect_w = max(text_width(line, EFFECT_SIZE, bold=True) for line in effect_lines) + 4 * PAD
    effect_h = len(effect_lines) * line_height(EFFECT_SIZE) + 4 * PAD
    head_x = ends[-1] + HEAD_GAP
    spine_y = max(MARGIN + label_h + top, MARGIN + effect_h / 2)
    height = max(spine_y + bottom + label_h + MARGIN, spine_y + effect_h / 2 + MARGIN)
    canvas = Canvas(width=head_x + effect_w + MARGIN, height=height, title=f"Fishbone: {effect}")
    canvas.add(Line(((MARGIN, spine_y), (head_x - 8, spine_y)), "spine"))
    canvas.add(
        Polygon(
            ((head_x - 14, spine_y - 7), (head_x, spine_y), (head_x - 14, spine_y + 7)), "arrow"
        )
    )
    for row, direction in ((TOP_BONES, -1), (BOTTOM_BONES, 1)):
        for (bone, label), end_x in zip(row, ends, strict=True):
            _draw_bone(canvas, boxes[bone], label, end_x, spine_y, direction, label_h)
    canvas.add(Rect(head_x, spine_y - effect_h / 2, effect_w, effect_h, "incident", rx=8))
    canvas.add(
        Text(
            head_x + 2 * PAD,
            spine_y - effect_h / 2 + 2 * PAD,
            effect_lines,
            EFFECT_SIZE,
            effect_w - 4 * PAD,
            bold=True,
            colour="light",
        )
    )
    return canvas


def _draw_bone(
    canvas: Canvas,
    boxes: list[_Box],
    label: str,
    end_x: float,
    spine_y: float,
    direction: int,
    label_h: float,
) -> None:
    """One bone meeting the spine at ``end_x``; ``direction`` -1 draws it above, 1 below."""
    length = _stack_height(boxes)
    outer_y = spine_y + direction * length
    outer_x = end_x - RUN

    def bone_x(y: float) -> float:  # where the bone is at height y
        return end_x - RUN * abs(y - spine_y) / length

    canvas.add(Line(((outer_x, outer_y), (end_x, spine_y)), "bone"))
    label_w = text_width(label, LABEL_SIZE, bold=True) + 2 * PAD
    label_y = outer_y - label_h if direction < 0 else outer_y
    canvas.add(Rect(outer_x - label_w / 2, label_y, label_w, label_h, "bone-label"))
    canvas.add(
        Text(
            outer_x,
            label_y + PAD,
            (label,),
            LABEL_SIZE,
            label_w - 2 * PAD,
            bold=True,
            anchor="middle",
        )
    )
    near = spine_y + direction * SPINE_GAP  # the edge of the first box nearest the spine
    for box in boxes:
        if direction < 0:
            y_bottom, y_top = near, near - box.height
            near = y_top - STACK_GAP
            tick_y, narrow_y = y_bottom, y_top
        else:
            y_top, y_bottom = near, near + box.height
            near = y_bottom + STACK_GAP
            tick_y, narrow_y = y_bottom, y_bottom
        right = bone_x(narrow_y) - GAP
        box_w = box.width + 2 * PAD
        canvas.add(Rect(right - box_w, y_top, box_w, box.height, "root" if box.root else "cause"))
        canvas.add(
            Text(right - box_w + PAD, y_top + PAD, box.lines, CAUSE_SIZE, box.width, bold=box.root)
        )
        canvas.add(Line(((right, tick_y), (bone_x(tick_y), tick_y)), "tick"))
