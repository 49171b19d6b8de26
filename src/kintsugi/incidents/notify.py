"""Tell a draft's owner that the post-mortem is waiting for them (email, when configured)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kintsugi.notify.base import Message
from kintsugi.notify.channels import configured_channels
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.deliver import deliver
from kintsugi.notify.recipients import is_email, owner_emails


def owner_addresses(session: Session, incident: dict[str, Any]) -> list[str]:
    """The owner's email: their user's, else the one the incident system gave for them."""
    owner = incident.get("owner")
    found = owner_emails(session, owner) if owner else []
    if not found:
        for person in incident.get("people") or []:
            email = person.get("email")
            if person.get("name") == owner and email and is_email(email):
                found = [email]
    return found


def notify_owner(
    session: Session,
    incident: dict[str, Any],
    postmortem_id: str,
    base_url: str,
    *,
    settings: NotifySettings | None = None,
) -> list[dict[str, Any]]:
    """Email the owner about the draft; the outcome of each attempt (empty: nothing to do)."""
    addresses = owner_addresses(session, incident)
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
