"""Tell a draft's owner that the post-mortem is waiting for them (email, when configured)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kintsugi.notify.base import Message
from kintsugi.notify.channels import configured_channels
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.deliver import deliver
from kintsugi.postmortems.readers import reader_emails


def owner_addresses(session: Session, incident: dict[str, Any], postmortem_id: str) -> list[str]:
    """The owner's email: the one stored for their account, when they may read the draft.

    An address the incident system gave is never used: notices go only to people Kintsugi
    knows, at the address stored for them, who may read the post-mortem.
    """
    owner = incident.get("owner")
    return reader_emails(session, [postmortem_id], owner) if owner else []


def notify_owner(
    session: Session,
    incident: dict[str, Any],
    postmortem_id: str,
    base_url: str,
    *,
    settings: NotifySettings | None = None,
) -> list[dict[str, Any]]:
    """Email the owner about the draft; the outcome of each attempt (empty: nothing to do)."""
    addresses = owner_addresses(session, incident, postmortem_id)
    settings = settings or NotifySettings()
    channel = configured_channels(settings).get("email")
    if not addresses or channel is None:
        return []
    link = f"{base_url.rstrip('/')}/postmortems/{postmortem_id}"
    lines = [
        f"The post-mortem of {incident['title']} is drafted and waiting for you: {link}",
        "",
    ]
    if incident.get("deadline"):
        lines.append(f"It is due by {incident['deadline']}.")
    if incident.get("review"):
        lines.append(f"Its review meeting is proposed for {incident['review']['starts_at']}.")
    message = Message(
        subject=f"Post-mortem draft: {incident['title']}"[:200],
        text="\n".join(lines),
        email_to=tuple(addresses),
    )
    outcomes = deliver(
        message, [channel], retries=settings.retries, backoff=settings.backoff_seconds
    )
    return [o.to_json() for o in outcomes]
