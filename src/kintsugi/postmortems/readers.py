"""Who may be told about a post-mortem: the people a notice names, kept to its readers.

Notices (action-item reminders, overdue post-mortems, follow-ups, announcements, drafts
waiting for their owner) carry a post-mortem's title and link, so they go only to people
who may read that post-mortem now, by the one visibility rule (``access.py``). A person
who may not is skipped: they get no notice about it.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kintsugi.notify.recipients import is_email
from kintsugi.people import service as people
from kintsugi.people.users import owner_accounts
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.models import PostmortemRow


def may_read_all(session: Session, username: str, postmortem_ids: Collection[str]) -> bool:
    """Whether the active user ``username`` may read every post-mortem of ``postmortem_ids``."""
    wanted = set(postmortem_ids)
    user = people.find_active_user(session, username)
    if user is None:
        return False
    if not wanted:
        return True
    viewer = people.principal_for(session, user)
    seen = session.scalar(
        select(func.count(PostmortemRow.pk)).where(PostmortemRow.id.in_(wanted), visible_to(viewer))
    )
    return seen == len(wanted)


def owner_people(
    session: Session, owner: str | None, owner_kind: str = "person"
) -> list[tuple[str, str]]:
    """(username, stored address) of each person ``owner`` names (a team's members for a
    team) who has a valid address; each address once."""
    found: dict[str, str] = {}
    for username, email in owner_accounts(session, owner, owner_kind):
        if email and is_email(email) and email not in found.values():
            found[username] = email
    return list(found.items())


def reader_emails(
    session: Session,
    postmortem_ids: Collection[str],
    owner: str | None,
    owner_kind: str = "person",
) -> list[str]:
    """The stored addresses of the people ``owner`` names (a team's members for a team) who
    may read every post-mortem of ``postmortem_ids``; empty when nobody may."""
    return [
        email
        for username, email in owner_people(session, owner, owner_kind)
        if may_read_all(session, username, postmortem_ids)
    ]
