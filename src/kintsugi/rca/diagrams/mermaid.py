"""Mermaid source for the fishbone and the causal tree, so they show on code hosts.

Labels are quoted and every character Mermaid could read as syntax or HTML is written as an
entity code; long labels get line breaks.
"""

from __future__ import annotations

from collections.abc import Sequence

from kintsugi.rca.diagrams.fishbone import BOTTOM_BONES, TOP_BONES, Cause
from kintsugi.rca.diagrams.metrics import clean
from kintsugi.rca.diagrams.tree import KIND_LABELS, Node

_ENTITIES = {
    "#": "#35;",
    '"': "#34;",
    "<": "#60;",
    ">": "#62;",
    "&": "#38;",
    "`": "#96;",
    "|": "#124;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
    "(": "#40;",
    ")": "#41;",
    ";": "#59;",
    "*": "#42;",
    "_": "#95;",
    "~": "#126;",
    "\\": "#92;",
}
WRAP = 38
LABEL_LIMIT = 300


def label(text: str) -> str:
    """``text`` as a quoted Mermaid label: entity-coded, wrapped with <br>."""
    words = clean(text).split()
    shown = " ".join(words)
    if len(shown) > LABEL_LIMIT:
        shown = shown[: LABEL_LIMIT - 1].rstrip() + "…"
    lines: list[str] = []
    current = ""
    for word in shown.split(" "):
        if current and len(current) + 1 + len(word) > WRAP:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    coded = ["".join(_ENTITIES.get(c, c) for c in line) for line in lines or [""]]
    return '"' + "<br>".join(coded) + '"'


def fishbone_mermaid(effect: str, causes: Sequence[Cause]) -> str:
    """A left-to-right flowchart: causes -> their bone -> the effect."""
    out = ["flowchart LR", f"  effect{label(effect or 'The incident')}"]
    n = 0
    for bone, name in TOP_BONES + BOTTOM_BONES:
        mine = [c for c in causes if c.bone == bone]
        if not mine:
            continue
        out.append(f"  {bone}{label(name)}")
        out.append(f"  {bone} --> effect")
        for cause in mine:
            n += 1
            out.append(f"  c{n}{label(cause.text)} --> {bone}")
            if cause.root:
                out.append(f"  class c{n} root")
    out += [
        "  classDef root fill:#fbf0d9,stroke:#b7882c,stroke-width:2px",
        "  classDef bone fill:#e9ecef,stroke:#5b5b5b",
        "  class effect incident",
        "  classDef incident fill:#2f3e46,color:#ffffff,stroke:#2f3e46",
    ]
    bones = [b for b, _ in TOP_BONES + BOTTOM_BONES if any(c.bone == b for c in causes)]
    if bones:
        out.append(f"  class {','.join(bones)} bone")
    return "\n".join(out) + "\n"


def tree_mermaid(incident: str, nodes: Sequence[Node]) -> str:
    """A left-to-right flowchart from the incident through causes to root causes."""
    out = ["flowchart LR", f"  incident{label(incident or 'The incident')}"]
    ids: dict[str, str] = {}
    for node in nodes:
        ids.setdefault(node.id, f"n{len(ids) + 1}")
    seen: set[str] = set()
    for node in nodes:
        if node.id in seen:
            continue
        seen.add(node.id)
        kind = KIND_LABELS.get(node.kind, node.kind).capitalize()
        text = f"{kind}: {node.text}"
        out.append(f"  {ids[node.id]}{label(text)}")
    seen.clear()
    for node in nodes:
        if node.id in seen:
            continue
        seen.add(node.id)
        parent = ids.get(node.parent or "", "incident")
        if node.parent == node.id:
            parent = "incident"
        out.append(f"  {parent} --> {ids[node.id]}")
    out.append("  classDef incident fill:#2f3e46,color:#ffffff,stroke:#2f3e46")
    out.append("  class incident incident")
    for kind, style in (
        ("direct_cause", "fill:#fde8e4,stroke:#c2553f"),
        ("indirect_cause", "fill:#fff1e0,stroke:#d08a3a"),
        ("contributing_factor", "fill:#e8eef5,stroke:#5f7fa3"),
        ("root_cause", "fill:#fbf0d9,stroke:#b7882c,stroke-width:2px"),
    ):
        members = sorted({ids[n.id] for n in nodes if n.kind == kind}, key=lambda v: int(v[1:]))
        if members:
            out.append(f"  classDef {kind} {style}")
            out.append(f"  class {','.join(members)} {kind}")
    return "\n".join(out) + "\n"
