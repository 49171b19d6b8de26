"""Diagrams of an analysis: the fishbone and the causal factor tree, as SVG or Mermaid."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from kintsugi.core.errors import InputError
from kintsugi.rca.diagrams.canvas import Canvas
from kintsugi.rca.diagrams.fishbone import Cause, layout_fishbone
from kintsugi.rca.diagrams.mermaid import fishbone_mermaid, tree_mermaid
from kintsugi.rca.diagrams.tree import Node, layout_tree

if TYPE_CHECKING:
    from kintsugi.rca.model import Analysis
    from kintsugi.rca.service import AnalysisView

DiagramKind = Literal["fishbone", "tree"]
KINDS: tuple[str, ...] = ("fishbone", "tree")


def fishbone_causes(analysis: Analysis) -> list[Cause]:
    """The fishbone's causes as the layout takes them."""
    return [Cause(c.bone.value, c.text, c.root_cause) for c in analysis.fishbone]


def tree_nodes(analysis: Analysis, labels: dict[str, str] | None = None) -> list[Node]:
    """The causal tree's nodes as the layout takes them (categories by their labels)."""
    labels = labels or {}
    return [
        Node(
            n.id,
            n.parent,
            n.kind.value,
            n.text,
            labels.get(n.category, n.category) if n.category else "",
        )
        for n in analysis.causal_tree
    ]


def layout(view: AnalysisView, kind: str) -> Canvas:
    """The laid-out diagram ``kind`` of an analysis."""
    if kind == "fishbone":
        return layout_fishbone(view.problem, fishbone_causes(view.analysis))
    if kind == "tree":
        labels = {c.key: c.label for c in view.categories}
        return layout_tree(view.problem, tree_nodes(view.analysis, labels))
    raise InputError(f"unknown diagram {kind!r}; one of fishbone, tree", field="kind")


def diagram_svg(view: AnalysisView, kind: str, *, element_id: str | None = None) -> str:
    """Diagram ``kind`` ("fishbone" or "tree") as a standalone SVG element."""
    return layout(view, kind).to_svg(element_id=element_id)


def diagram_mermaid(view: AnalysisView, kind: str) -> str:
    """Diagram ``kind`` as Mermaid source."""
    if kind == "fishbone":
        return fishbone_mermaid(view.problem, fishbone_causes(view.analysis))
    if kind == "tree":
        labels = {c.key: c.label for c in view.categories}
        return tree_mermaid(view.problem, tree_nodes(view.analysis, labels))
    layout(view, kind)  # raises the error for an unknown kind
    return ""
