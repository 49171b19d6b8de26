"""The analysis in the Markdown and HTML exports."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.markdown_html import markdown_to_html
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Document
from kintsugi.rca import service
from kintsugi.rca.export import format_duration, rca_html, rca_markdown
from tests.rca.conftest import PM_ID, full_analysis
from tests.support.xss import PAYLOADS, injection_problems


def _view(sessions: sessionmaker[Session], data: dict[str, object]) -> service.AnalysisView:
    with sessions.begin() as session:
        return service.import_analysis(session, PM_ID, data, SYSTEM)


def test_markdown_has_every_technique_tables_and_mermaid(
    postmortem: Document, sessions: sessionmaker[Session]
) -> None:
    markdown = rca_markdown(_view(sessions, full_analysis()))
    headings = re.findall(r"^#{2,3} (.+)$", markdown, re.MULTILINE)
    assert headings == [
        "Root Cause Analysis",
        "5 Whys",
        "Fishbone",
        "Change analysis",
        "Timeline analysis",
        "Contributing factors",
        "Causal factor tree",
        "Barrier analysis",
        "Causes and the action items that address them",
    ]
    assert markdown.count("```mermaid\nflowchart LR") == 2
    assert "**Consumer settings are not load tested before deploys** (root cause, Testing gap)" in (
        markdown
    )
    assert "| 2026-03-01 09:50 | configuration | Prefetch 50 -> 1 | related |" in markdown
    assert "| Time to detect | 7 min |" in markdown
    assert "- No load test for consumer settings (root cause, Testing gap)" in markdown
    assert "**Not addressed by any action item yet:**" in markdown
    assert "- Prefetch of 1 (root cause, Fishbone)" in markdown
    # the tables are tables once rendered
    html = markdown_to_html(markdown)
    assert html.count("<table>") == 8  # whys, fishbone, changes, 2 timeline, factors,
    # barriers, links


def test_html_fragment_inlines_svg_and_escapes_everything(
    postmortem: Document, sessions: sessionmaker[Session]
) -> None:
    data = full_analysis()
    data["problem"] = PAYLOADS[0]
    for n, payload in enumerate(PAYLOADS):
        data["fishbone"].append({"bone": "process", "text": payload})
        data["causal_tree"].append({"kind": "contributing_factor", "text": payload})
        data["factors"].append({"text": payload, "classification": "secondary"})
        data["barriers"].append(
            {"name": f"B{n} {payload}", "type": "process", "state": "failed", "why": payload}
        )
    html = rca_html(_view(sessions, data))
    assert html.count('<figure class="rca-figure"><svg') == 2
    assert injection_problems(html) == []
    assert "rcadiagram" not in html


def test_markdown_without_diagrams_for_terminals(
    postmortem: Document, sessions: sessionmaker[Session]
) -> None:
    markdown = rca_markdown(_view(sessions, full_analysis()), diagrams=False)
    assert "```mermaid" not in markdown and "fishbone diagram" in markdown


def test_durations_read_naturally() -> None:
    from datetime import timedelta

    assert format_duration(None) == "-"
    assert format_duration(timedelta(seconds=30)) == "0 min"
    assert format_duration(timedelta(minutes=83)) == "1 h 23 min"
    assert format_duration(timedelta(days=1, hours=2)) == "1 d 2 h"


def test_the_exported_section_can_be_found_and_left_out_again(
    postmortem: Document, sessions: sessionmaker[Session]
) -> None:
    from kintsugi.postmortems.markdown import parse_markdown, render_markdown
    from kintsugi.rca.export import BEGIN, END, strip_rca_markdown

    with sessions.begin() as session:
        assert service.stored_analysis(session, PM_ID, SYSTEM) is None
    _view(sessions, full_analysis())
    with sessions.begin() as session:
        view = service.stored_analysis(session, PM_ID, SYSTEM)
        doc = postmortems.get_document(session, PM_ID, SYSTEM)
    assert view is not None
    section = rca_markdown(view)
    assert section.startswith(BEGIN) and section.rstrip().endswith(END)
    document = render_markdown(doc)
    exported = document.rstrip("\n") + "\n\n" + section
    assert strip_rca_markdown(exported).rstrip("\n") == document.rstrip("\n")
    reparsed = parse_markdown(strip_rca_markdown(exported), source="export.md")
    assert [s.key for s in reparsed.sections] == [s.key for s in doc.sections]
    assert "kintsugi:rca" not in markdown_to_html(exported)  # the markers never show
