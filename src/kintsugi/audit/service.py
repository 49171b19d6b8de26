"""Record and read audit events. Recording joins the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kintsugi.audit.models import AuditEvent

ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "user_created",
    "role_changed",
    "password_changed",
    "user_deactivated",
    "user_reactivated",
    "team_changed",
    "token_created",
    "token_revoked",
    "visibility_changed",
    "access_granted",
    "access_revoked",
    "exported",
    "deleted",
    "restored",
    "version_restored",
    "backup",
    "imported",
    "imported_published",
    "guests_invited",
    "timeline_fetched",
)


class Actor(Protocol):
    """Who acted, as the audit log names them (a ``people.principal.Principal``)."""

    @property
    def username(self) -> str: ...


def record(
    session: Session,
    actor: Actor | str,
    action: str,
    target: str | None = None,
    *,
    ip: str | None = None,
    **detail: Any,
) -> None:
    """Add one audit event to the current transaction."""
    name = actor if isinstance(actor, str) else actor.username
    session.add(AuditEvent(actor=name, action=action, target=target, ip=ip, detail=detail))


def events(
    session: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> Sequence[AuditEvent]:
    """Newest events first, optionally narrowed."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if since:
        query = query.where(AuditEvent.at >= since)
    return list(session.scalars(query))


def count_since(
    session: Session,
    action: str,
    since: datetime,
    *,
    actor: str | None = None,
    ip: str | None = None,
) -> int:
    """How many ``action`` events happened since ``since`` (for rate limits)."""
    query = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == action, AuditEvent.at >= since
    )
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    if ip is not None:
        query = query.where(AuditEvent.ip == ip)
    return int(session.scalar(query) or 0)
