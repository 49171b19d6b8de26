"""Separation of duties: someone other than a post-mortem's authors reviews it.

When the rule applies (by default to SEV1 and SEV2 post-mortems; ``KINTSUGI_REVIEW_SEPARATION``
names the severities, ``all`` or ``none``), the authors of a post-mortem may not answer its
quality checklist's judgement items, nor approve and publish it: a reviewer does. The authors
are the people the document names as its authors and whoever created it. The rule holds for
every role, admins included; only the local operator (the command line, which runs with the
operator's authority over the database) is outside it.

Services call ``require_reviewer``; pages ask ``may_review`` so that they never offer what the
service would refuse. Publishing under the rule records the approval (``approve``) in the
document and the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.audit import service as audit
from kintsugi.core.errors import PermissionDeniedError
from kintsugi.core.types import utcnow
from kintsugi.people import service as people
from kintsugi.people.permissions import Action, can
from kintsugi.people.principal import Principal
from kintsugi.postmortems.models import AuthorRow, PostmortemRow, VersionRow

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
APPROVAL = "review_approval"
"""The key of ``Document.extra`` that holds who approved the publication, and when."""


class ReviewSettings(BaseSettings):
    """``KINTSUGI_REVIEW_SEPARATION``: the severities whose post-mortems need a reviewer other
    than their authors, comma-separated (default ``SEV1,SEV2``); ``all`` for every post-mortem
    (those without a severity too), ``none`` to turn the rule off."""

    model_config = SettingsConfigDict(env_prefix="KINTSUGI_", extra="ignore")

    review_separation: str = "SEV1,SEV2"

    def applies_to(self, severity: str | None) -> bool:
        """Whether the rule applies to a post-mortem of ``severity`` (None: not stated)."""
        value = self.review_separation.strip().lower()
        if value == "all":
            return True
        if value in ("", "none", "off"):
            return False
        wanted = {part.strip().upper() for part in value.split(",") if part.strip()}
        return severity is not None and severity.upper() in wanted


@dataclass(frozen=True)
class Subject:
    """What the rule reads of one post-mortem (its authors only when the rule applies)."""

    pk: int
    id: str
    severity: str | None


def subject(session: Session, pk: int) -> Subject:
    """The post-mortem ``pk`` as the rule sees it (the caller has checked it may see it)."""
    row = session.get(PostmortemRow, pk)
    if row is None:
        raise ValueError(f"no post-mortem with pk {pk}")
    return Subject(pk=pk, id=row.id, severity=row.severity)


def authors(session: Session, about: Subject) -> frozenset[str]:
    """The post-mortem's authors: the names it gives and its creator (lower-cased names,
    usernames and addresses)."""
    pk = about.pk
    names = set(session.scalars(select(AuthorRow.name).where(AuthorRow.postmortem_pk == pk)))
    creator = session.scalar(
        select(VersionRow.actor)
        .where(VersionRow.postmortem_pk == pk)
        .order_by(VersionRow.version)
        .limit(1)
    )
    if creator:
        names.add(creator)
    return frozenset(n.strip().lower() for n in names if n.strip())


def _identities(session: Session, actor: Principal) -> set[str]:
    """The names ``actor`` goes by: username, display name, email (lower-cased)."""
    names = {actor.username.lower()}
    user = people.find_active_user(session, actor.username)
    if user is not None:
        names.update(v.strip().lower() for v in (user.display_name, user.email or "") if v)
    return names


def is_author(session: Session, actor: Principal, about: Subject) -> bool:
    """Whether ``actor`` is one of the post-mortem's authors (by any name they go by)."""
    return bool(_identities(session, actor) & authors(session, about))


def applies(about: Subject, settings: ReviewSettings | None = None) -> bool:
    """Whether the rule applies to this post-mortem."""
    return (settings or ReviewSettings()).applies_to(about.severity)


def refusal(session: Session, actor: Principal, about: Subject, doing: str) -> str | None:
    """Why ``actor`` may not do ``doing`` under the rule, or None when they may."""
    if actor.is_system or not applies(about):
        return None
    if not is_author(session, actor, about):
        return None
    severity = about.severity or "this"
    return (
        f"{doing} needs a reviewer other than the post-mortem's authors: you are one of its "
        f"authors, and {severity} post-mortems are reviewed by someone else (separation of "
        "duties, KINTSUGI_REVIEW_SEPARATION); ask a colleague with the editor role or above"
    )


def require_reviewer(session: Session, actor: Principal, pk: int, doing: str) -> None:
    """PermissionDeniedError when the rule keeps ``actor`` (an author) from ``doing``."""
    message = refusal(session, actor, subject(session, pk), doing)
    if message is not None:
        raise PermissionDeniedError(message)


def may_review(
    session: Session, principal: Principal | None, pk: int, action: Action | str
) -> bool:
    """For pages: whether ``principal`` may do ``action`` on post-mortem ``pk``, both by role
    (``people.permissions``) and by this rule."""
    if principal is None or not can(principal, action):
        return False
    return refusal(session, principal, subject(session, pk), "") is None


def approve(session: Session, actor: Principal, pk: int, extra: dict[str, Any]) -> dict[str, Any]:
    """Check that ``actor`` may approve post-mortem ``pk`` for publishing, record the approval
    in the audit log, and return ``extra`` with the approval added (unchanged when the rule
    does not apply: nothing is recorded then)."""
    about = subject(session, pk)
    message = refusal(session, actor, about, "approving and publishing")
    if message is not None:
        raise PermissionDeniedError(message)
    if actor.is_system or not applies(about):
        return extra
    at = utcnow().isoformat()
    audit.record(
        session,
        actor,
        "review_approved",
        about.id,
        severity=about.severity,
        authors=sorted(authors(session, about)),
    )
    return {**extra, APPROVAL: {"by": actor.username, "at": at}}
