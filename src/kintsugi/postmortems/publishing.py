"""The publish rules every stored status follows: the steps, the language gate, the review.

A document moves draft -> in review -> published (and back a step). Publishing waits until
the blameless-language linter has no findings, unless a reviewer (facilitator or admin)
overrides with a reason. Creating, importing, editing and restoring go through the same
rules as a status change: a new document starts as a draft or in review.

The one exception is history: documents the local operator stores (the command line, which
runs with the operator's authority over the database) and Markdown an admin imports keep the
status and the ``published_at`` they state, as the record of a review done elsewhere; each
such publication is written to the audit log.

The linter and the quality checklist belong to slices above this one; the gate calls them
through ``checks``, where the composition root installs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from kintsugi.audit import service as audit
from kintsugi.core.config import Settings
from kintsugi.core.errors import InputError
from kintsugi.core.limits import Deadline, OutOfTimeError
from kintsugi.core.types import utcnow
from kintsugi.people import service as people
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal, Role
from kintsugi.postmortems import checks, review
from kintsugi.postmortems.document import STATUS_TRANSITIONS, Document, Status


class PublishBlockedError(InputError):
    """Publishing refused: the text has blameful language and no reviewer override."""

    def __init__(self, message: str, findings: Sequence[Any]) -> None:
        super().__init__(message, field="status")
        self.findings = list(findings)


def roster(session: Session) -> list[str]:
    """Names of the organisation's people, so the language linter knows them as people."""
    names: list[str] = []
    for user in people.list_users(session):
        names.append(user.username)
        if user.display_name and user.display_name != user.username:
            names.append(user.display_name)
    return names


def keeps_stated(actor: Principal, *, imported: bool) -> bool:
    """Whether a document ``actor`` stores keeps the status and publication time it states:
    for the local operator, and for an admin's import (history from files)."""
    return actor.is_system or (imported and actor.has_role(Role.ADMIN))


def admit(
    session: Session,
    pk: int | None,
    current: Status | None,
    doc: Document,
    actor: Principal,
    *,
    history: bool = False,
    override_reason: str | None = None,
    warnings: list[str] | None = None,
) -> str:
    """Check that ``doc.status`` may be stored over ``current`` (None: a new document).

    Returns what to add to the version's change (an override, a checklist warning); may
    record the override in ``doc.extra``. ``history``: stored as stated (see the module).
    """
    if history or doc.status == current:
        return ""
    if current is None:
        if doc.status == Status.PUBLISHED:
            raise InputError(
                "a new post-mortem starts as a draft or in review, not published: publish it "
                "through review (only an admin's import of history keeps a published status)",
                field="status",
            )
        return ""
    if doc.status not in STATUS_TRANSITIONS[current]:
        allowed = ", ".join(s.value for s in sorted(STATUS_TRANSITIONS[current]))
        raise InputError(
            f"cannot move from {current.value} to {doc.status.value} "
            f"(from {current.value}: {allowed})",
            field="status",
        )
    if doc.status != Status.PUBLISHED:
        return ""
    assert pk is not None
    doc.extra = review.approve(session, actor, pk, doc.extra)  # separation of duties
    return _publish_gate(session, pk, doc, actor, override_reason, warnings)


def _publish_gate(
    session: Session,
    pk: int,
    doc: Document,
    actor: Principal,
    override_reason: str | None,
    warnings: list[str] | None,
) -> str:
    lint, checklist = checks.lint_check(), checks.checklist_check()
    note = ""
    # the words people read now: items as tracked, the analysis's own text
    text = checklist.text(session, pk, doc)
    seconds = Settings().lint_seconds
    try:
        findings = lint(text, roster(session), deadline=Deadline(seconds))
    except OutOfTimeError:
        # never published unchecked: a gate that could not finish refuses
        raise PublishBlockedError(
            f"not published: the blameless-language check could not finish within its time "
            f"budget of {seconds:g} s (KINTSUGI_LINT_SECONDS); shorten or split the longest "
            "sections, or ask the administrator to raise the budget, then publish again",
            [],
        ) from None
    reason = (override_reason or "").strip()
    if findings and not reason:
        first = findings[0]
        raise PublishBlockedError(
            f"{len(findings)} blameful-language finding(s) must be fixed first, e.g. "
            f"{first.file} line {first.line}: {first.message} (a reviewer can publish "
            "anyway with a reason)",
            findings,
        )
    if findings:
        require(actor, Action.PUBLISH_OVER_FINDINGS)
        doc.extra = {
            **doc.extra,
            "publish_override": {
                "by": actor.username,
                "reason": reason,
                "at": utcnow().isoformat(),
                "findings": [f"{f.rule}: {f.file}:{f.line}" for f in findings],
            },
        }
        note += f" (language findings overridden by {actor.username}: {reason})"
    warning = checklist.warning(session, pk, doc, lint_findings=len(findings))
    if warning is not None:
        note += f" (warning: {warning.split(';')[0]})"
        if warnings is not None:
            warnings.append(warning)
    return note


def published_at(
    doc: Document,
    stored_status: str | None,
    stored_time: datetime | None,
    now: datetime,
    *,
    history: bool,
) -> datetime | None:
    """The publication time to store for ``doc`` over what is stored.

    A document that becomes published now is published now, and stays published at that
    time; only history (see the module) brings its own time.
    """
    if doc.status != Status.PUBLISHED:
        return stored_time
    if history and doc.published_at is not None:
        return doc.published_at
    if stored_status == Status.PUBLISHED.value and stored_time is not None:
        return stored_time
    return now


def audit_history(
    session: Session,
    actor: Principal,
    id: str,
    doc: Document,
    stored_status: str | None,
    stored_time: datetime | None,
    new_time: datetime | None,
) -> None:
    """Record a publication stored as stated (history), when it publishes or moves the time."""
    if doc.status != Status.PUBLISHED:
        return
    if stored_status == Status.PUBLISHED.value and stored_time == new_time:
        return
    audit.record(
        session,
        actor,
        "imported_published",
        id,
        published_at=new_time.astimezone(UTC).isoformat() if new_time else None,
        before=stored_status,
    )
