"""The weekly learning digest, for everyone: what was published and learned, improvements to
celebrate, upcoming learning sessions, and recognitions.

Built for a viewer: in the web app the person asking; for the organisation's channels
``sharing.EVERYONE`` (organisation-visible documents only), so that nothing restricted reaches a
broadcast channel or a mailing list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from kintsugi.actions.items import ItemFilters, list_items
from kintsugi.core.wire import EVERY_KEY_WRITTEN, IsoDatetime
from kintsugi.handbook.recognition import Recognition, list_recognitions
from kintsugi.handbook.sharing import Published, published_between
from kintsugi.meetings.service import upcoming
from kintsugi.notify.base import Message
from kintsugi.people.principal import Principal

WEEK = timedelta(days=7)
MAX_IMPROVEMENTS = 20
MAX_ITEMS_SCANNED = 5000


@dataclass(frozen=True)
class Improvement:
    """A completed action item worth celebrating."""

    id: int
    title: str
    owner: str | None
    priority: str | None
    completed_at: IsoDatetime
    postmortem_id: str
    postmortem_title: str

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _IMPROVEMENT.dump_python(self, mode="json")
        return wire


_IMPROVEMENT = TypeAdapter(Improvement)


@dataclass(frozen=True)
class UpcomingSession:
    """An upcoming learning session (from the meetings slice)."""

    id: int
    title: str
    starts_at: IsoDatetime
    timezone: str
    duration_minutes: int
    url_path: str

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _SESSION.dump_python(self, mode="json")
        return wire


_SESSION = TypeAdapter(UpcomingSession)


@dataclass
class LearningDigest:
    """What the digest says, as data."""

    __pydantic_config__ = EVERY_KEY_WRITTEN

    since: IsoDatetime
    until: IsoDatetime
    published: list[Published] = field(default_factory=list)
    improvements: list[Improvement] = field(default_factory=list)
    sessions: list[UpcomingSession] = field(default_factory=list)
    recognitions: list[Recognition] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.published or self.improvements or self.sessions or self.recognitions)

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _DIGEST.dump_python(self, mode="json")
        return wire


_DIGEST = TypeAdapter(LearningDigest)


def _improvements(
    session: Session, viewer: Principal, since: datetime, until: datetime
) -> list[Improvement]:
    found = []
    for item in list_items(
        session, viewer, ItemFilters(status="completed"), limit=MAX_ITEMS_SCANNED
    ):
        done = item.completed_at
        if done is not None and since <= done < until:
            found.append(
                Improvement(
                    item.id,
                    item.title,
                    item.owner,
                    item.priority,
                    done,
                    item.postmortem_id,
                    item.postmortem_title,
                )
            )
    order = {"P0": 0, "P1": 1, "P2": 2}
    found.sort(key=lambda i: (order.get(i.priority or "", 3), i.completed_at))
    return found[:MAX_IMPROVEMENTS]


def _sessions(
    session: Session, viewer: Principal, since: datetime, until: datetime
) -> list[UpcomingSession]:
    return [
        UpcomingSession(m.id, m.title, m.starts_at, m.timezone, m.duration_minutes, m.url_path)
        for m in upcoming(session, viewer, since=since, until=until)
        if m.kind == "learning"
    ]


def build_learning_digest(session: Session, viewer: Principal, now: datetime) -> LearningDigest:
    """The digest of the seven days before ``now`` (and sessions in the seven days after)."""
    since = now - WEEK
    return LearningDigest(
        since=since,
        until=now,
        published=published_between(session, viewer, since, now),
        improvements=_improvements(session, viewer, since, now),
        sessions=_sessions(session, viewer, now, now + WEEK),
        recognitions=list_recognitions(session, viewer, since=since, until=now),
    )


def _recognition_line(r: Recognition) -> str:
    about = f" ({r.postmortem_title})" if r.postmortem_title else ""
    return f"{r.recipient}, for {r.reason_label}{about}: {r.message}"


def digest_lines(digest: LearningDigest) -> list[tuple[str, list[str]]]:
    """The digest's sections as (heading, lines) of plain text."""
    published = []
    for doc in digest.published:
        published.append(f"{doc.title}" + (f" ({doc.severity})" if doc.severity else ""))
        published += [f"    {line}" for line in ([doc.summary] if doc.summary else [])]
        published += [f"    learned: {item}" for item in doc.learnings]
    return [
        ("Published this week", published),
        (
            "Improvements to celebrate",
            [
                f"{i.title} ({i.owner or 'unassigned'}) - {i.postmortem_title}"
                for i in digest.improvements
            ],
        ),
        (
            "Upcoming learning sessions",
            [
                f"{s.title}: {s.starts_at:%Y-%m-%d %H:%M} UTC, {s.duration_minutes} min"
                for s in digest.sessions
            ],
        ),
        ("Recognitions", [_recognition_line(r) for r in digest.recognitions]),
    ]


def digest_message(digest: LearningDigest, email_to: list[str], base_url: str) -> Message:
    """The digest as a message for email, Slack and SNS."""
    base = base_url.rstrip("/")
    week = digest.until.strftime("%G-W%V")
    subject = f"[Kintsugi] Learning digest {week}"
    sections = digest_lines(digest)
    text = [f"Learning digest, week {week}", ""]
    for heading, lines in sections:
        text += [heading, *(f"- {line}" if not line.startswith("    ") else line for line in lines)]
        text += ["  (nothing this week)"] if not lines else []
        text.append("")
    text.append(f"More: {base}/learning")
    html = [f"<h2>Learning digest, week {escape(week)}</h2>"]
    html.append("<h3>Published this week</h3>")
    if digest.published:
        html.append("<ul>")
        for doc in digest.published:
            learned = "".join(f"<li>{escape(x)}</li>" for x in doc.learnings)
            html.append(
                f'<li><a href="{escape(base + doc.url_path)}">{escape(doc.title)}</a>'
                + (f"<p>{escape(doc.summary)}</p>" if doc.summary else "")
                + (f"<ul>{learned}</ul>" if learned else "")
                + "</li>"
            )
        html.append("</ul>")
    else:
        html.append("<p>Nothing this week.</p>")
    for heading, lines in sections[1:]:
        html.append(f"<h3>{escape(heading)}</h3>")
        items = "".join(f"<li>{escape(line)}</li>" for line in lines)
        html.append(f"<ul>{items}</ul>" if lines else "<p>Nothing this week.</p>")
    html.append(f'<p><a href="{escape(base)}/learning">Open the learning page</a></p>')
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Learning digest {week}"}}
    ]
    for heading, lines in sections:
        body = "\n".join(
            _mrkdwn(line) if line.startswith("    ") else f"• {_mrkdwn(line)}" for line in lines
        )
        body = body or "_nothing this week_"
        text_block = f"*{heading}*\n{body}"
        if len(text_block) > 2900:
            text_block = text_block[:2899] + "…"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text_block}})
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"<{base}/learning|Open the learning page>"}],
        }
    )
    return Message(
        subject=subject,
        text="\n".join(text),
        html="".join(html),
        blocks=blocks,
        email_to=tuple(email_to),
    )


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def week_key(now: datetime) -> str:
    """The delivery key of the learning digest of ``now``'s ISO week."""
    return f"learning-digest:{now.strftime('%G-W%V')}"


def digest_due(now: datetime, weekday: int, hour: int) -> bool:
    """Whether this ISO week's digest time (``weekday`` 0=Monday at ``hour`` UTC) has come."""
    return (now.weekday(), now.hour) >= (weekday, hour)
