"""The analysis in the post-mortem's exports: Markdown (tables and Mermaid diagrams) and HTML
(the same tables, sanitised, with the diagrams as inline SVG)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kintsugi.core.markdown_html import markdown_to_html
from kintsugi.core.zones import zone_or_utc
from kintsugi.rca.diagrams import diagram_mermaid, diagram_svg
from kintsugi.rca.evidence import MILESTONES
from kintsugi.rca.model import Evidence, Item, TargetKind, item_text
from kintsugi.rca.service import AnalysisView
from kintsugi.timeline.render import cell

HEADING = "Root Cause Analysis"
# the exported analysis sits between these comments (invisible once rendered) so that an
# import of the exported Markdown can leave it out: the analysis lives in its own tables
BEGIN = "<!-- kintsugi:rca-begin: generated from the root cause analysis; edit it in Kintsugi -->"
END = "<!-- kintsugi:rca-end -->"
_GENERATED = re.compile(
    r"^<!-- kintsugi:rca-begin\b.*?^<!-- kintsugi:rca-end -->[ \t]*\n?", re.MULTILINE | re.DOTALL
)
# rules for the HTML export's own <style data-kintsugi> element (the fragment has no styles)
EXPORT_CSS = (
    ".rca-figure{margin:1rem 0;overflow-x:auto}.rca-figure svg{max-width:100%;height:auto}"
    ".rca table{font-size:.9rem}"
)
BONE_LABELS = {
    "people": "People",
    "process": "Process",
    "technology": "Technology",
    "environment": "Environment",
    "measurement": "Measurement",
    "materials": "Materials",
}
TARGET_LABELS = {
    TargetKind.WHY_STEP: "5 Whys",
    TargetKind.FISHBONE_CAUSE: "Fishbone",
    TargetKind.CHANGE: "Change",
    TargetKind.FACTOR: "Factor",
    TargetKind.CAUSAL_NODE: "Causal tree",
    TargetKind.BARRIER: "Barrier",
}


def _time(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "-"


def format_duration(value: timedelta | None) -> str:
    """``1 h 23 min``; ``-`` when unknown."""
    if value is None:
        return "-"
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if minutes or not parts:
        parts.append(f"{minutes} min")
    return " ".join(parts)


def _label(text: str) -> str:
    return text.replace("_", " ")


def _text(value: str) -> str:
    """User text on one line, shown as text: "<" cannot start HTML."""
    return cell(value).replace("<", "\\<")


def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(_text(c) or " " for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _markdown(view: AnalysisView, diagram: Callable[[str], str]) -> str:
    zone = zone_or_utc(view.timezone)
    analysis = view.analysis

    def evidence(cited: list[Evidence]) -> str:
        shown = []
        for item in cited:
            event = view.event(item.event_id)
            at, text = (event.at, event.text) if event else (item.at, item.text)
            shown.append(f"{_time(at, zone)} {text}".strip())
        return "; ".join(shown)

    def addressed_by(item_id: str) -> str:
        return "; ".join(a.title for a in view.items_for(item_id))

    def category(key: str | None) -> str:
        return view.category_label(key)

    out = [f"## {HEADING}", "", f"**Problem:** {_text(view.problem)}"]
    if analysis.five_whys:
        out += ["", "### 5 Whys"]
        for chain in analysis.five_whys:
            out += ["", f"**{_text(chain.problem)}**", ""]
            rows = []
            for n, step in enumerate(chain.steps, 1):
                because = step.because
                if step.root_cause:
                    tag = (
                        f"root cause, {category(step.category)}" if step.category else "root cause"
                    )
                    because = f"**{because}** ({tag})"
                rows.append([str(n), step.why or "Why?", because, evidence(step.evidence)])
            out.append(_table(["#", "Why?", "Because", "Evidence"], rows))
    if analysis.fishbone:
        out += ["", "### Fishbone", "", diagram("fishbone"), ""]
        rows = [
            [
                BONE_LABELS[c.bone.value],
                f"**{c.text}** (root cause)" if c.root_cause else c.text,
                category(c.category),
                evidence(c.evidence),
            ]
            for c in sorted(analysis.fishbone, key=lambda c: list(BONE_LABELS).index(c.bone))
        ]
        out.append(_table(["Bone", "Cause", "Category", "Evidence"], rows))
    if analysis.changes:
        out += ["", "### Change analysis", ""]
        rows = [
            [_time(c.at, zone), _label(c.kind.value), c.text, _label(c.related.value), c.notes]
            for c in analysis.changes
        ]
        out.append(_table(["When", "Kind", "Change", "Related", "Notes"], rows))
    out += ["", "### Timeline analysis", ""]
    rows = []
    for name in MILESTONES:
        milestone = view.timeline.milestones[name]
        event = milestone.event.text if milestone.event else ""
        rows.append([milestone.label, _time(milestone.at, zone), event])
    out.append(_table([f"Milestone ({view.timezone})", "Time", "Event"], rows))
    out += [""]
    out.append(
        _table(
            ["Duration", ""],
            [[name, format_duration(value)] for name, value in view.timeline.duration_items()],
        )
    )
    if analysis.timeline.notes:
        out += ["", analysis.timeline.notes]
    if analysis.factors:
        out += ["", "### Contributing factors", ""]
        rows = [
            [f.text, _label(f.classification.value), category(f.category), evidence(f.evidence)]
            for f in analysis.factors
        ]
        out.append(_table(["Factor", "Classification", "Category", "Evidence"], rows))
    if analysis.causal_tree:
        out += ["", "### Causal factor tree", "", diagram("tree"), "", *_outline(view)]
    if analysis.barriers:
        out += ["", "### Barrier analysis", ""]
        rows = [
            [b.name, b.type.value, b.state.value, b.why, b.strengthen, addressed_by(b.id)]
            for b in analysis.barriers
        ]
        out.append(
            _table(
                ["Barrier", "Type", "State", "Why it failed", "How to strengthen", "Action items"],
                rows,
            )
        )
    linked = [(kind, item) for kind, item in analysis.items() if view.items_for(item.id)]
    if linked:
        out += ["", "### Causes and the action items that address them", ""]
        rows = [
            [TARGET_LABELS[kind], item_text(item), addressed_by(item.id)] for kind, item in linked
        ]
        out.append(_table(["Technique", "Cause, factor or barrier", "Action items"], rows))
    missing = view.unaddressed()
    if missing:
        out += ["", "**Not addressed by any action item yet:**", ""]
        out += [f"- {_unaddressed_line(kind, item)}" for kind, item in missing]
    return "\n".join(out).rstrip() + "\n"


def _unaddressed_line(kind: TargetKind, item: Item) -> str:
    what = "failed barrier" if kind == TargetKind.BARRIER else "root cause"
    return f"{_text(item_text(item))} ({what}, {TARGET_LABELS[kind]})"


def _outline(view: AnalysisView) -> list[str]:
    """The causal tree as a nested list (readable where Mermaid is not drawn)."""
    nodes = view.analysis.causal_tree
    ids = {n.id for n in nodes}
    children: dict[str | None, list[int]] = {}
    for index, node in enumerate(nodes):
        parent = node.parent if node.parent in ids else None
        children.setdefault(parent, []).append(index)
    lines = [f"- {_text(view.problem)}"]
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for index in children.get(parent, []):
            node = nodes[index]
            if node.id in seen:
                continue
            seen.add(node.id)
            tag = _label(node.kind.value)
            if node.category:
                tag += f", {view.category_label(node.category)}"
            lines.append(f"{'  ' * depth}- {_text(node.text)} ({_text(tag)})")
            walk(node.id, depth + 1)

    walk(None, 1)
    return lines


def rca_markdown(view: AnalysisView, *, diagrams: bool = True) -> str:
    """The "Root Cause Analysis" section of the Markdown export: one ``##`` heading, ``###``
    per technique, tables, and ```mermaid blocks for the fishbone and the causal tree.

    With ``diagrams`` (the export) the section is wrapped in ``BEGIN``/``END`` comments that
    ``strip_rca_markdown`` removes again on import.
    """
    if not diagrams:
        return _markdown(
            view, lambda kind: f"_({kind} diagram: see the HTML export or `kintsugi rca diagram`)_"
        )
    body = _markdown(view, lambda kind: f"```mermaid\n{diagram_mermaid(view, kind)}```")
    return f"{BEGIN}\n{body}{END}\n"


def strip_rca_markdown(markdown: str) -> str:
    """``markdown`` without the analysis ``rca_markdown`` added (for importing an export)."""
    return _GENERATED.sub("", markdown)


def rca_html(view: AnalysisView) -> str:
    """The analysis as a sanitised HTML fragment, diagrams as inline SVG (user text escaped)."""
    token = f"rcadiagram{secrets.token_hex(8)}"
    html = markdown_to_html(_markdown(view, lambda kind: f"{token}{kind}"))
    for kind in ("fishbone", "tree"):
        figure = (
            f'<figure class="rca-figure">{diagram_svg(view, kind)}</figure>'
            if f"{token}{kind}" in html
            else ""
        )
        html = html.replace(f"<p>{token}{kind}</p>", figure)
    return f'<section class="rca">\n{html}</section>\n'
