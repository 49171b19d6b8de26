"""Notification texts about action items: plain text, HTML and Slack Block Kit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from kintsugi.notify.base import Message

MAX_SECTION = 2900  # Slack section text is limited to 3000 characters


@dataclass(frozen=True)
class ItemLine:
    """What a notification says about one item."""

    id: int
    title: str
    owner: str | None
    priority: str | None
    due: date | None
    status: str
    postmortem_id: str
    postmortem_title: str

    def text(self) -> str:
        due = f", due {self.due}" if self.due else ""
        return (
            f"#{self.id} {self.title} ({self.owner or 'unassigned'}, "
            f"{self.priority or 'no priority'}{due}) - {self.postmortem_id}"
        )


def mrkdwn(text: str) -> str:
    """Text safe inside Slack mrkdwn (``&``, ``<`` and ``>`` escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def _section(text: str) -> dict[str, Any]:
    if len(text) > MAX_SECTION:
        text = text[: MAX_SECTION - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:2000]}]}


def item_message(
    item: ItemLine,
    *,
    headline: str,
    email_to: list[str],
    base_url: str,
) -> Message:
    """A message about one item to its owner (assignment or reminder)."""
    url = link(base_url, f"/actions?postmortem={item.postmortem_id}")
    subject = f"[Kintsugi] {headline}: {item.title}"
    facts = [
        ("Owner", item.owner or "unassigned"),
        ("Priority", item.priority or "none"),
        ("Due", str(item.due) if item.due else "no due date"),
        ("Status", item.status.replace("_", " ")),
        ("Post-mortem", f"{item.postmortem_title} ({item.postmortem_id})"),
    ]
    text = "\n".join(
        [f"{headline}: #{item.id} {item.title}", "", *(f"{k}: {v}" for k, v in facts), "", url]
    )
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    html = (
        f"<p>{escape(headline)}: <strong>#{item.id} {escape(item.title)}</strong></p>"
        f"<table>{rows}</table>"
        f'<p><a href="{escape(url)}">Open the action items board</a></p>'
    )
    blocks = [
        _section(f"*{mrkdwn(headline)}*: #{item.id} {mrkdwn(item.title)}"),
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{k}*\n{mrkdwn(v)}"[:2000]} for k, v in facts[:4]
            ],
        },
        _context(f"<{url}|{mrkdwn(item.postmortem_title)}>"),
    ]
    return Message(
        subject=subject[:250],
        text=text,
        html=html,
        blocks=blocks,
        email_to=tuple(email_to),
    )


def digest_blocks(
    title: str, summary: list[tuple[str, str]], sections: list[tuple[str, list[str]]], url: str
) -> list[dict[str, Any]]:
    """Block Kit for the digest: header, figures, one section per list, a link."""
    blocks: list[dict[str, Any]] = [
        _header(title),
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{mrkdwn(v)}"} for k, v in summary[:10]],
        },
    ]
    for heading, lines in sections:
        body = "\n".join(f"• {mrkdwn(line)}" for line in lines) or "_none_"
        blocks.append(_section(f"*{mrkdwn(heading)}*\n{body}"))
    blocks.append(_context(f"<{url}|Open the action items board>"))
    return blocks[:50]
