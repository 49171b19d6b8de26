"""The Markdown editor's textarea, shared by the pages that edit Markdown."""

from __future__ import annotations

from html import escape


def editor_textarea(
    markdown: str,
    *,
    name: str = "markdown",
    element_id: str = "markdown",
    css_class: str = "editor",
    rows: int = 24,
) -> str:
    """The editor's textarea: typing refreshes the preview (``#preview``); the findings
    (``#lint-findings``) refresh from a wrapper listening for keyups and ``lint-refresh``::

        <div hx-post="/lint/preview" hx-include="#markdown" hx-target="#lint-findings"
             hx-swap="outerHTML" hx-trigger="load, keyup delay:600ms from:body, lint-refresh from:body">
          <div id="lint-findings"></div>
        </div>
    """
    return (
        f'<textarea name="{escape(name)}" id="{escape(element_id)}" class="{escape(css_class)}" '
        f'rows="{int(rows)}" spellcheck="true" hx-post="/preview" '
        'hx-trigger="keyup changed delay:400ms, load, text-synced" '
        f'hx-target="#preview">{escape(markdown)}</textarea>'
    )
