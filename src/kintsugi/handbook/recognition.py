"""Recognitions: a person or team thanked in public for a transparent post-mortem or a
completed improvement, optionally linked to a post-mortem.

A recognition linked to a post-mortem is shown only to those who may see that post-mortem
(``visible_to``); unlinked ones are shown to everyone signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.core.types import utcnow
from kintsugi.core.wire import IsoDatetime
from kintsugi.handbook.models import RecognitionRow
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.columns import POSTMORTEM

MAX_MESSAGE = 2000


class Reason(StrEnum):
    TRANSPARENCY = "transparency"
    IMPROVEMENT = "improvement"


class RecipientKind(StrEnum):
    PERSON = "person"
    TEAM = "team"


REASON_LABELS = {
    Reason.TRANSPARENCY: "a transparent post-mortem",
    Reason.IMPROVEMENT: "a completed improvement",
}


@dataclass(frozen=True)
class Recognition:
    """One recognition as a viewer sees it."""

    id: int
    recipient_kind: str
    recipient: str
    reason: str
    message: str
    postmortem_id: str | None
    postmortem_title: str | None
    created_by: str
    created_at: IsoDatetime

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(Reason(self.reason), self.reason)

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return wire


_WIRE = TypeAdapter(Recognition)


def _parse(enum: type[StrEnum], value: str, field: str) -> str:
    try:
        return enum(value.strip().lower()).value
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        raise InputError(f"unknown value {value!r}; one of {choices}", field=field) from None


def recognise(
    session: Session,
    actor: Principal,
    *,
    recipient: str,
    recipient_kind: str = "person",
    reason: str = "transparency",
    message: str,
    postmortem_id: str | None = None,
    now: datetime | None = None,
) -> Recognition:
    """Record a recognition (editors, facilitators and admins)."""
    require(actor, Action.RECOGNISE_PEOPLE)
    kind = _parse(RecipientKind, recipient_kind, "recipient_kind")
    why = _parse(Reason, reason, "reason")
    name = recipient.strip()
    if not name or len(name) > 200:
        raise InputError("give who is recognised (at most 200 characters)", field="recipient")
    text = message.strip()
    if not text or len(text) > MAX_MESSAGE:
        raise InputError(f"say what for (1-{MAX_MESSAGE} characters)", field="message")
    pk = None
    if postmortem_id:
        pk = postmortems.find_row(session, postmortem_id.strip(), actor).pk
    row = RecognitionRow(
        recipient_kind=kind,
        recipient=name,
        reason=why,
        message=text,
        postmortem_pk=pk,
        created_by=actor.username,
        created_at=now or utcnow(),
    )
    session.add(row)
    session.flush()
    found = list_recognitions(session, actor, ids=[row.id])
    return found[0]


def _visible(viewer: Principal) -> ColumnElement[bool]:
    return or_(RecognitionRow.postmortem_pk.is_(None), and_(visible_to(viewer)))


def list_recognitions(
    session: Session,
    viewer: Principal,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 200,
    ids: list[int] | None = None,
) -> list[Recognition]:
    """Recognitions the viewer may see, newest first."""
    query = (
        select(RecognitionRow, POSTMORTEM.id, POSTMORTEM.title)
        .outerjoin(POSTMORTEM.table, POSTMORTEM.pk == RecognitionRow.postmortem_pk)
        .where(_visible(viewer))
        .order_by(RecognitionRow.created_at.desc(), RecognitionRow.id.desc())
    )
    if since is not None:
        query = query.where(RecognitionRow.created_at >= since)
    if until is not None:
        query = query.where(RecognitionRow.created_at < until)
    if ids is not None:
        query = query.where(RecognitionRow.id.in_(ids))
    if limit is not None:
        query = query.limit(limit)
    return [
        Recognition(
            id=row.id,
            recipient_kind=row.recipient_kind,
            recipient=row.recipient,
            reason=row.reason,
            message=row.message,
            postmortem_id=pm_id,
            postmortem_title=pm_title,
            created_by=row.created_by,
            created_at=row.created_at,
        )
        for row, pm_id, pm_title in session.execute(query)
    ]
