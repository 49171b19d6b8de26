"""Announcing published post-mortems, honouring who may read them.

Who hears about a published document:
- ``organisation``: the broadcast channels (Slack, SNS) and the organisation's email list;
- ``team``: by email only, the team's active members and anyone granted access by name;
- ``restricted``: by email only, the people granted access by name (they may read it; nobody
  else learns that it exists).
Key learnings are the document's *lessons learned* and *what went wrong / could improve*
sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, computed_field
from pydantic.dataclasses import dataclass as pydantic_dataclass
from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.core.wire import EVERY_KEY_WRITTEN, IsoDatetime
from kintsugi.notify.base import Message
from kintsugi.notify.channels import BROADCAST
from kintsugi.people.principal import Principal, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.columns import POSTMORTEM
from kintsugi.postmortems.document import Document, Status
from kintsugi.postmortems.readers import reader_emails

EVERYONE = Principal(user_id=0, username="everyone", role=Role.VIEWER)
"""Anyone signed in, with no team and no grant: sees organisation-visible documents only.
Broadcast content (Slack, SNS, the organisation's list) is always built as this viewer."""

LEARNING_SECTIONS = ("lessons_learned", "what_went_wrong")
MAX_LEARNINGS = 5
MAX_CHARS = 300
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?")


@pydantic_dataclass(frozen=True, config=EVERY_KEY_WRITTEN)
class Published:
    """A published document as announcements and digests describe it (its team and grants
    stay off the wire). A pydantic dataclass (built once per published document) so that
    ``url_path`` is a computed field of its wire shape, also nested in the digest's."""

    id: str
    title: str
    kind: str
    severity: str | None
    visibility: str
    team: Annotated[str | None, Field(exclude=True)]
    access: Annotated[tuple[str, ...], Field(exclude=True)]
    published_at: IsoDatetime
    summary: str
    learnings: tuple[str, ...] = field(default_factory=tuple)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def url_path(self) -> str:
        return f"/postmortems/{self.id}"

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return wire


_WIRE = TypeAdapter(Published)


def _plain(markdown: str) -> str:
    """Markdown reduced to one line of readable text."""
    text = re.sub(r"`{3}.*?`{3}", " ", markdown, flags=re.S)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[*_`#>|]+", " ", text)
    return " ".join(text.split())


def _shorten(text: str, limit: int = MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summary_of(doc: Document) -> str:
    """The first paragraph of the summary, as plain text."""
    section = doc.section("summary")
    if section is None or not section.markdown.strip():
        return ""
    first = section.markdown.strip().split("\n\n")[0]
    return _shorten(_plain(first))


def learnings_of(doc: Document) -> list[str]:
    """Key learnings: the items (or paragraphs) of the lessons and could-improve sections."""
    found: list[str] = []
    for key in LEARNING_SECTIONS:
        for section in doc.sections:
            if section.key != key:
                continue
            lines = section.markdown.splitlines()
            bullets = [_BULLET.sub("", line) for line in lines if _BULLET.match(line)]
            pieces = bullets or section.markdown.split("\n\n")
            found += [p for p in (_shorten(_plain(piece)) for piece in pieces) if p]
    return list(dict.fromkeys(found))[:MAX_LEARNINGS]


def describe(doc: Document, published_at: datetime) -> Published:
    """What announcements and digests say about ``doc``."""
    assert doc.id is not None
    return Published(
        id=doc.id,
        title=doc.title,
        kind=doc.kind.value,
        severity=doc.severity.value if doc.severity else None,
        visibility=doc.visibility.value,
        team=doc.team,
        access=tuple(doc.access),
        published_at=published_at,
        summary=summary_of(doc),
        learnings=tuple(learnings_of(doc)),
    )


def published_between(
    session: Session, viewer: Principal, since: datetime, until: datetime
) -> list[Published]:
    """Documents published in ``[since, until)`` that ``viewer`` may see, oldest first."""
    rows = session.execute(
        select(POSTMORTEM.id, POSTMORTEM.published_at)
        .where(
            visible_to(viewer),
            POSTMORTEM.status == Status.PUBLISHED.value,
            POSTMORTEM.published_at >= since,
            POSTMORTEM.published_at < until,
        )
        .order_by(POSTMORTEM.published_at, POSTMORTEM.id)
    ).all()
    return [
        describe(postmortems.get_document(session, doc_id, viewer), published_at)
        for doc_id, published_at in rows
        if published_at is not None
    ]


@dataclass(frozen=True)
class Audience:
    """Where an announcement may go: broadcast channels or not, and which addresses."""

    broadcast: bool
    email_to: tuple[str, ...]


def audience(session: Session, doc: Published, organisation_list: list[str]) -> Audience:
    """Who may hear about ``doc``: see the module docstring."""
    if doc.visibility == "organisation":
        return Audience(True, tuple(organisation_list))
    emails: list[str] = []
    if doc.visibility == "team" and doc.team:
        emails += reader_emails(session, [doc.id], doc.team, "team")
    for username in doc.access:
        emails += reader_emails(session, [doc.id], username)
    return Audience(False, tuple(dict.fromkeys(emails)))


def channels_for(names: list[str], reach: Audience) -> list[str]:
    """The channel names an announcement with ``reach`` may use."""
    return [n for n in names if reach.broadcast or n not in BROADCAST]


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def announcement(doc: Published, base_url: str, email_to: tuple[str, ...]) -> Message:
    """The message announcing ``doc``: title, summary, key learnings, link."""
    url = base_url.rstrip("/") + doc.url_path
    noun = "Pre-mortem" if doc.kind == "premortem" else "Post-mortem"
    severity = f" ({doc.severity})" if doc.severity else ""
    headline = f"{noun} published: {doc.title}{severity}"
    text_lines = [headline, ""]
    if doc.summary:
        text_lines += [doc.summary, ""]
    if doc.learnings:
        text_lines += ["Key learnings:", *(f"- {item}" for item in doc.learnings), ""]
    text_lines += [f"Read it: {url}"]
    html = f"<h2>{escape(headline)}</h2>"
    if doc.summary:
        html += f"<p>{escape(doc.summary)}</p>"
    if doc.learnings:
        items = "".join(f"<li>{escape(item)}</li>" for item in doc.learnings)
        html += f"<h3>Key learnings</h3><ul>{items}</ul>"
    html += f'<p><a href="{escape(url)}">Read the {noun.lower()}</a></p>'
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _shorten(headline, 150)}}
    ]
    if doc.summary:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(doc.summary)}})
    if doc.learnings:
        body = "\n".join(f"• {_mrkdwn(item)}" for item in doc.learnings)
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Key learnings*\n{body}"}}
        )
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"<{url}|Read the {noun.lower()}>"}],
        }
    )
    return Message(
        subject=f"[Kintsugi] {headline}"[:250],
        text="\n".join(text_lines),
        html=html,
        blocks=blocks,
        email_to=email_to,
    )
