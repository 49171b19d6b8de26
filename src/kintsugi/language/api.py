"""Web endpoints of the linter: a JSON API and htmx fragments for the editor.

- ``POST /api/v1/lint`` ``{"text": ..., "participants": [...]}`` -> ``{"findings": [...]}``;
  413 over the size limit (``KINTSUGI_LINT_MAX_CHARS``), 422 past the time budget
  (``KINTSUGI_LINT_SECONDS``), 429 with ``Retry-After`` over a person's rate
  (``KINTSUGI_LINT_PER_MINUTE``) or when the process is busy linting (``KINTSUGI_LINT_AT_ONCE``).
- ``GET /api/v1/lint/rules`` -> the documented rules.
- ``POST /lint/preview`` (form field ``markdown``) -> an HTML fragment ``#lint-findings``
  listing the findings (escaped) beside the editor: each with its line and quoted words
  (selecting them in the editor), its suggestion and guideline, and for a fixable finding a
  "Use suggestion" button that ``static/kintsugi.js`` applies in the editor's text. Offsets
  count the text with its line breaks as "\n", as the browser's textarea does.
- ``POST /lint/apply`` (fields ``markdown``, ``start``, ``end``, ``original``,
  ``replacement``) -> the editor's ``<textarea>`` with the suggestion applied (for clients
  without the page's script).

The editor page wires them like this (see ``editor_textarea``)::

    <textarea name="markdown" id="markdown" hx-post="/lint/preview"
              hx-trigger="keyup changed delay:500ms, load" hx-target="#lint-findings"
              hx-swap="outerHTML">...</textarea>
    <div id="lint-findings"></div>

A deployment may set ``app.state.language_roster`` to a callable ``(request) -> names`` so
the organisation's roster counts as people.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from kintsugi.core.config import Settings
from kintsugi.core.errors import KintsugiError, TooLargeError
from kintsugi.core.limits import MAX_DOCUMENT_CHARS, Deadline
from kintsugi.language.findings import Finding
from kintsugi.language.linter import Linter
from kintsugi.language.rules import default_rules
from kintsugi.webkit.editor import editor_textarea
from kintsugi.webkit.limits import RateLimiter, WorkSlots, requester

MAX_TEXT = MAX_DOCUMENT_CHARS
FINDINGS_ID = "lint-findings"

router = APIRouter(prefix="/api/v1/lint", tags=["language"])
pages_router = APIRouter(tags=["language"])
"""The editor's fragments (htmx): not part of the API."""
EXTRA_ROUTERS = (pages_router,)


class LintRequest(BaseModel):
    """Text to lint and the people it mentions."""

    text: str = Field(max_length=MAX_TEXT)
    participants: list[str] = Field(default_factory=list, max_length=500)


class LintResponse(BaseModel):
    findings: list[Finding]


class ExampleOut(BaseModel):
    bad: str
    good: str | None


class RuleOut(BaseModel):
    id: str
    title: str
    severity: str
    guideline: str | None = None
    description: str
    examples: list[ExampleOut]
    ok: list[str]


def _roster(request: Request) -> list[str]:
    provider: Callable[[Request], Iterable[str]] | None = getattr(
        request.app.state, "language_roster", None
    )
    return list(provider(request)) if provider else []


@dataclass(frozen=True)
class _Guards:
    """The linter's limits in one server process (see ``kintsugi.webkit.limits``)."""

    max_chars: int
    seconds: float
    rate: RateLimiter
    slots: WorkSlots


def _guards(request: Request) -> _Guards:
    state = request.app.state
    guards: _Guards | None = getattr(state, "lint_guards", None)
    if guards is None:
        settings: Settings = getattr(state, "settings", None) or Settings()
        guards = _Guards(
            settings.lint_max_chars,
            settings.lint_seconds,
            RateLimiter(settings.lint_per_minute),
            WorkSlots(settings.lint_at_once),
        )
        state.lint_guards = guards
    return guards


def _lint(request: Request, text: str, participants: Sequence[str], *, field: str) -> list[Finding]:
    """Lint within the limits: size, the person's rate, a free slot, the time budget."""
    guards = _guards(request)
    if len(text) > guards.max_chars:
        raise TooLargeError(
            f"too large to lint: at most {guards.max_chars:,} characters"
            f" (this text has {len(text):,}); lint it in parts",
            field=field,
        )
    guards.rate.take(requester(request), "lint")
    with guards.slots.slot("lint"):
        linter = Linter(roster=_roster(request))
        deadline = Deadline(guards.seconds)
        return linter.lint(text, file="text", participants=participants, deadline=deadline)


@router.post("", response_model=LintResponse)
def lint_api(body: LintRequest, request: Request) -> LintResponse:
    """Findings of blameful language in ``text`` with suggested rewrites."""
    findings = _lint(request, body.text, body.participants, field="text")
    return LintResponse(findings=findings)


@router.get("/rules", response_model=list[RuleOut])
def rules_api() -> list[dict[str, Any]]:
    """The rules the linter applies, with examples."""
    return [
        {
            "id": rule.id,
            "title": rule.title,
            "severity": rule.severity,
            "guideline": rule.guideline_path,
            "description": rule.description,
            "examples": [{"bad": e.bad, "good": e.good} for e in rule.examples],
            "ok": list(rule.ok),
        }
        for rule in default_rules().rules.values()
    ]


def _participants(raw: str) -> list[str]:
    return [p.strip() for p in raw.replace("\n", ",").split(",") if p.strip()]


def _excerpt(text: str, limit: int = 80) -> str:
    """The flagged words on one line, shortened in the middle when long."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    half = (limit - 1) // 2
    return f"{words[:half]}…{words[-half:]}"


def findings_fragment(text: str, findings: Sequence[Finding]) -> str:
    """The ``#lint-findings`` HTML fragment: one entry per finding with the line, the quoted
    words (a button that selects them in the editor), the message, the suggestion and its
    guideline; a fixable finding has a "Use suggestion" button that ``kintsugi.js`` applies
    in the editor. Offsets count characters of ``text``; everything user-supplied is escaped.
    """
    if not findings:
        return (
            f'<div id="{FINDINGS_ID}" class="lint-findings" data-count="0">'
            '<p class="lint-clean">No blameful language found.</p></div>'
        )
    noun = "finding" if len(findings) == 1 else "findings"
    items = []
    for number, f in enumerate(sorted(findings, key=lambda f: (f.start, f.end)), 1):
        flagged = text[f.start : f.end]
        button = ""
        if f.fix is not None:
            button = (
                '<button type="button" class="lint-apply" '
                f'data-start="{f.fix.start}" data-end="{f.fix.end}" '
                f'data-original="{escape(text[f.fix.start : f.fix.end])}" '
                f'data-replacement="{escape(f.fix.replacement)}">Use suggestion</button>'
            )
        suggestion = (
            f'<p class="lint-suggestion">Suggestion: {escape(f.suggestion)}</p>'
            if f.suggestion
            else ""
        )
        guideline = (
            f'<p class="lint-guideline"><a href="{escape(f.guideline)}" target="_blank" '
            'rel="noopener">Guideline: why and how to rewrite</a></p>'
            if f.guideline
            else ""
        )
        items.append(
            f'<li class="lint-finding lint-{escape(f.severity)}" id="lint-finding-{number}" '
            f'data-rule="{escape(f.rule)}" data-line="{f.line}" data-column="{f.column}">'
            f'<button type="button" class="lint-locate link" data-start="{f.start}" '
            f'data-end="{f.end}" data-line="{f.line}" '
            f'aria-label="Select line {f.line}, column {f.column} in the text">'
            f'<span class="lint-where">Line {f.line}</span> '
            f'<q class="lint-text">{escape(_excerpt(flagged))}</q></button> '
            f'<strong class="lint-rule">{escape(f.rule)}</strong>'
            f'<p class="lint-message">{escape(f.message)}</p>{suggestion}{guideline}{button}</li>'
        )
    return (
        f'<div id="{FINDINGS_ID}" class="lint-findings" data-count="{len(findings)}">'
        f'<p class="lint-summary">{len(findings)} {noun} of blameful language.</p>'
        f'<ol class="lint-list">{"".join(items)}</ol></div>'
    )


@pages_router.post("/lint/preview", response_class=HTMLResponse)
def lint_preview(
    request: Request,
    markdown: Annotated[str, Form(max_length=MAX_TEXT)] = "",
    participants: Annotated[str, Form(max_length=20_000)] = "",
) -> HTMLResponse:
    """The findings fragment for the editor (htmx swaps it into ``#lint-findings``); a text
    the linter will not check now (too large, too slow, too many requests) gets a fragment
    that says why."""
    markdown = markdown.replace("\r\n", "\n")  # offsets as the editor's textarea counts them
    try:
        findings = _lint(request, markdown, _participants(participants), field="markdown")
    except KintsugiError as exc:
        return HTMLResponse(
            f'<div id="{FINDINGS_ID}" class="lint-findings" data-count="0">'
            f'<p class="lint-unchecked">Not checked: {escape(str(exc))}</p></div>'
        )
    return HTMLResponse(findings_fragment(markdown, findings))


@pages_router.post("/lint/apply", response_class=HTMLResponse)
def lint_apply(
    markdown: Annotated[str, Form(max_length=MAX_TEXT)],
    start: Annotated[int, Form(ge=0, le=MAX_TEXT)],
    end: Annotated[int, Form(ge=0, le=MAX_TEXT)],
    original: Annotated[str, Form()],
    replacement: Annotated[str, Form(max_length=20_000)],
    textarea_id: Annotated[str, Form(max_length=100)] = "markdown",
    textarea_class: Annotated[str, Form(max_length=200)] = "editor",
) -> HTMLResponse:
    """The textarea with one suggestion applied; 409 if the text changed meanwhile."""
    if end < start or end > len(markdown) or markdown[start:end] != original:
        raise HTTPException(
            status_code=409, detail="the text changed since it was linted; lint it again"
        )
    updated = markdown[:start] + replacement + markdown[end:]
    return HTMLResponse(
        editor_textarea(updated, element_id=textarea_id, css_class=textarea_class),
        headers={"HX-Trigger-After-Settle": "lint-refresh"},
    )
