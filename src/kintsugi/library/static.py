"""A static copy of the library: INDEX.md for wikis, and an HTML site with client-side search.

By default only post-mortems visible to the whole organisation are exported, since a static
site is published widely (a pages host, an internal wiki); restricted and team documents are
left out unless ``include_all`` is given. ``published_only`` also leaves out drafts and
documents in review.

Layout of OUT_DIR::

    INDEX.md                   all post-mortems; by tag, year and severity; recently added
    index.html                 the same as a page, with a search box
    postmortems/<id>.md        each document as Markdown
    postmortems/<id>.html      each document as a page
    assets/library.css         the site's style
    assets/search.js           client-side search (plain JavaScript, no dependencies)
    assets/search-index.js     the documents' text, loaded by search.js (works from file://)
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.core.markdown_html import markdown_to_html
from kintsugi.library.models import LibraryDocumentRow
from kintsugi.library.text import plain_text
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.columns import POSTMORTEM
from kintsugi.postmortems.document import Document, Status, Visibility
from kintsugi.postmortems.export import export_document

RECENT = 10
SEARCH_TEXT_CHARS = 20_000
ASSETS = ("library.css", "search.js")


@dataclass(frozen=True)
class Entry:
    """One exported post-mortem."""

    id: str
    title: str
    severity: str | None
    status: str
    date: date | None
    tags: list[str]
    services: list[str]
    summary: str
    text: str
    created: str

    @property
    def year(self) -> str:
        return str(self.date.year) if self.date else "undated"


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    documents: int
    left_out: int

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return wire


_WIRE = TypeAdapter(BuildResult)


def build_library(
    session: Session,
    out_dir: Path,
    *,
    include_all: bool = False,
    published_only: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Write the static library into ``out_dir`` (created; existing files are overwritten)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("is not a folder", file=str(out_dir))
    query = select(POSTMORTEM.id, POSTMORTEM.visibility, POSTMORTEM.status).where(
        visible_to(SYSTEM)
    )
    rows = list(session.execute(query.order_by(POSTMORTEM.pk)))
    chosen = [
        r.id
        for r in rows
        if (include_all or r.visibility == Visibility.ORGANISATION.value)
        and (not published_only or r.status == Status.PUBLISHED.value)
    ]
    (out_dir / "postmortems").mkdir(parents=True, exist_ok=True)
    (out_dir / "assets").mkdir(exist_ok=True)
    entries: list[Entry] = []
    for done, id in enumerate(chosen, start=1):
        doc = service.get_document(session, id, SYSTEM)
        entry = _entry(session, doc)
        entries.append(entry)
        (out_dir / "postmortems" / f"{id}.md").write_text(
            export_document(doc, "md"), encoding="utf-8"
        )
        (out_dir / "postmortems" / f"{id}.html").write_text(_document_page(doc), encoding="utf-8")
        if progress:
            progress(done, len(chosen))
    entries.sort(key=lambda e: (e.date or date.min, e.id), reverse=True)
    (out_dir / "INDEX.md").write_text(index_markdown(entries), encoding="utf-8")
    (out_dir / "index.html").write_text(_index_page(entries), encoding="utf-8")
    for name in ASSETS:
        source = files("kintsugi.library").joinpath("static_assets", name)
        (out_dir / "assets" / name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (out_dir / "assets" / "search-index.js").write_text(_search_index(entries), encoding="utf-8")
    return BuildResult(out_dir, len(entries), len(rows) - len(chosen))


def _entry(session: Session, doc: Document) -> Entry:
    assert doc.id is not None
    row = service.find_row(session, doc.id, SYSTEM)
    indexed = session.get(LibraryDocumentRow, row.pk)
    summary_section = doc.section("summary")
    summary = plain_text(summary_section.markdown) if summary_section else ""
    if indexed is not None:
        text = f"{indexed.summary}\n{indexed.body}"
    else:
        text = "\n".join(plain_text(s.markdown) for s in doc.sections)
    return Entry(
        id=doc.id,
        title=doc.title,
        severity=doc.severity.value if doc.severity else None,
        status=doc.status.value,
        date=doc.started_at.date() if doc.started_at else None,
        tags=list(doc.tags),
        services=list(doc.services),
        summary=" ".join(summary.split()[:60]),
        text=text[:SEARCH_TEXT_CHARS],
        created=row.created_at.isoformat(),
    )


# ----------------------------------------------------------------------------- INDEX.md


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or link label."""
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("[", "\\[")
        .replace("]", "\\]")
        .replace("\n", " ")
    )


def _md_link(entry: Entry) -> str:
    return f"[{_md(entry.title)}](postmortems/{entry.id}.md)"


def _md_line(entry: Entry) -> str:
    when = entry.date.isoformat() if entry.date else "undated"
    severity = f" · {entry.severity}" if entry.severity else ""
    return f"- {when}{severity} · {_md_link(entry)}"


def _grouped(
    entries: Iterable[Entry], keys: Callable[[Entry], list[str]]
) -> dict[str, list[Entry]]:
    groups: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        for key in keys(entry):
            groups[key].append(entry)
    return groups


def index_markdown(entries: list[Entry]) -> str:
    """INDEX.md: every post-mortem, then by tag, year and severity, and the recently added."""
    lines = [
        "# Post-mortem library",
        "",
        f"{len(entries)} post-mortem{'' if len(entries) == 1 else 's'}. "
        "Generated by `kintsugi library build`; do not edit by hand.",
        "",
        "## Recently added",
        "",
    ]
    recent = sorted(entries, key=lambda e: (e.created, e.id), reverse=True)[:RECENT]
    lines += [_md_line(e) for e in recent] or ["(none yet)"]
    lines += [
        "",
        "## All post-mortems",
        "",
        "| Date | Severity | Title | Tags |",
        "| --- | --- | --- | --- |",
    ]
    for entry in entries:
        when = entry.date.isoformat() if entry.date else ""
        tags = ", ".join(_md(t) for t in entry.tags)
        lines.append(f"| {when} | {entry.severity or ''} | {_md_link(entry)} | {tags} |")
    for title, groups in (
        ("By tag", _grouped(entries, lambda e: e.tags or ["untagged"])),
        ("By year", _grouped(entries, lambda e: [e.year])),
        ("By severity", _grouped(entries, lambda e: [e.severity or "unrated"])),
    ):
        lines += ["", f"## {title}"]
        reverse = title == "By year"
        for key in sorted(groups, reverse=reverse):
            lines += ["", f"### {_md(key)} ({len(groups[key])})", ""]
            lines += [_md_line(e) for e in groups[key]]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- HTML


def _page(title: str, body: str, *, depth: int = 0, scripts: tuple[str, ...] = ()) -> str:
    up = "../" * depth
    script_tags = "".join(f'<script src="{up}assets/{s}" defer></script>' for s in scripts)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · Post-mortem library</title>"
        f'<link rel="stylesheet" href="{up}assets/library.css">{script_tags}</head>'
        f'<body><header><a href="{up}index.html">Post-mortem library</a></header>'
        f"<main>\n{body}\n</main></body></html>\n"
    )


def _entry_item(entry: Entry) -> str:
    when = entry.date.isoformat() if entry.date else "undated"
    severity = f' <span class="sev">{escape(entry.severity)}</span>' if entry.severity else ""
    tags = "".join(f' <span class="tag">{escape(t)}</span>' for t in entry.tags)
    return (
        f'<li><a href="postmortems/{escape(entry.id)}.html">{escape(entry.title)}</a>'
        f'{severity} <span class="date">{when}</span>{tags}</li>'
    )


def _index_page(entries: list[Entry]) -> str:
    groups = [
        ("By tag", _grouped(entries, lambda e: e.tags or ["untagged"]), False),
        ("By year", _grouped(entries, lambda e: [e.year]), True),
        ("By severity", _grouped(entries, lambda e: [e.severity or "unrated"]), False),
    ]
    recent = sorted(entries, key=lambda e: (e.created, e.id), reverse=True)[:RECENT]
    parts = [
        "<h1>Post-mortem library</h1>",
        '<form role="search" id="search-form"><input id="search" type="search" '
        'placeholder="Search: words, &quot;a phrase&quot;, prefix*" autocomplete="off" '
        'aria-label="Search the post-mortems"></form>',
        '<p id="search-count" class="count" aria-live="polite"></p>',
        '<ol id="search-results" class="results"></ol>',
        '<div id="browse">',
        "<h2>Recently added</h2><ul>" + "".join(_entry_item(e) for e in recent) + "</ul>",
        f"<h2>All post-mortems ({len(entries)})</h2><ul>"
        + "".join(_entry_item(e) for e in entries)
        + "</ul>",
    ]
    for title, grouped, reverse in groups:
        parts.append(f"<h2>{title}</h2>")
        for key in sorted(grouped, reverse=reverse):
            items = "".join(_entry_item(e) for e in grouped[key])
            parts.append(
                f"<details><summary>{escape(key)} ({len(grouped[key])})</summary><ul>{items}</ul>"
                "</details>"
            )
    parts.append("</div>")
    return _page("All post-mortems", "\n".join(parts), scripts=("search-index.js", "search.js"))


def _document_page(doc: Document) -> str:
    facts = [
        ("Severity", doc.severity.value if doc.severity else "-"),
        ("Status", doc.status.value.replace("_", " ")),
        ("Started", doc.started_at.isoformat() if doc.started_at else "-"),
        ("Tags", ", ".join(doc.tags) or "-"),
        ("Services", ", ".join(doc.services) or "-"),
    ]
    parts = [f"<h1>{escape(doc.title)}</h1>", "<dl>"]
    parts += [f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts]
    parts.append("</dl>")
    for section in doc.sections:
        if section.heading:
            level = min(max(section.level, 2), 6)
            parts.append(f"<h{level}>{escape(section.heading)}</h{level}>")
        parts.append(markdown_to_html(section.markdown))
    parts.append(f'<p class="source"><a href="{escape(doc.id or "")}.md">Markdown</a></p>')
    return _page(doc.title, "\n".join(parts), depth=1)


def _search_index(entries: list[Entry]) -> str:
    documents = [
        {
            "id": e.id,
            "title": e.title,
            "severity": e.severity,
            "date": e.date.isoformat() if e.date else None,
            "tags": e.tags,
            "services": e.services,
            "summary": e.summary,
            "text": e.text,
            "url": f"postmortems/{e.id}.html",
        }
        for e in entries
    ]
    data = json.dumps({"documents": documents}, ensure_ascii=False, separators=(",", ":"))
    # "</" could end a <script> element if this file were ever inlined
    return "window.KINTSUGI_LIBRARY = " + data.replace("</", "<\\/") + ";\n"
