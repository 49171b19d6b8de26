"""Who is invited to a meeting: people Kintsugi knows, at the address stored for them, and
guests named by their address; suggested from a document's role fields and timeline."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, field_validator
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.notify.recipients import address_problem, is_email
from kintsugi.people import service as people
from kintsugi.people.bots import is_bot, known_bots
from kintsugi.people.principal import Principal
from kintsugi.postmortems.document import Document

ROLES = (
    "facilitator",
    "author",
    "reviewer",
    "technical_lead",
    "responder",
    "impacted",
    "sme",
    "scribe",
)
ROLE_LABELS = {
    "facilitator": "Facilitator",
    "author": "Author",
    "reviewer": "Reviewer",
    "technical_lead": "Technical lead",
    "responder": "Responder",
    "impacted": "Impacted",
    "sme": "Subject matter expert",
    "scribe": "Scribe",
}
# front matter fields of a document that name people in a meeting role
_ROLE_FIELDS = {
    "facilitator": ("facilitator", "incident_commander", "commander"),
    "reviewer": ("reviewer", "reviewers"),
    "technical_lead": ("technical_lead", "tech_lead"),
    "scribe": ("scribe",),
    "responder": ("responders",),
    "impacted": ("impacted", "impacted_people"),
    "sme": ("subject_matter_experts", "smes", "sme"),
}
MAX_PARTICIPANTS = 200


class Participant(BaseModel):
    """Someone invited, in a role; ``email``/``username`` when they match a user.

    A user's address is the one stored for them; an ``email`` that is no user's makes a guest.
    """

    name: str
    role: str = "responder"
    email: str | None = None
    username: str | None = None
    attended: bool = False

    @field_validator("email")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        problem = address_problem(value.strip())
        if problem is not None:
            raise ValueError(problem)
        return value.strip()


def resolve_person(session: Session, name: str) -> tuple[str | None, str | None]:
    """(username, email) of the active user whose username, display name or email is ``name``;
    (None, the address) for an address that matches no one."""
    user = people.find_active_user(session, name)
    if user is None:
        email = name.strip() if is_email(name) else None
        return None, email
    return user.username, user.email


def _who(session: Session, p: Participant, i: int) -> tuple[str | None, str | None]:
    """(username, email) of a participant: a user at the address stored for them, or a
    guest at the address given. A written email never goes with a user's name."""
    if p.username:
        user = people.active_user(session, p.username, field=f"participants.{i}.username")
        if p.email and p.email.lower() != (user.email or "").lower():
            raise InputError(
                f"{user.username} is invited at the address stored for them; leave the "
                "email out (or invite the other address as a guest, without a username)",
                field=f"participants.{i}.email",
            )
        return user.username, user.email
    if p.email:
        username, email = resolve_person(session, p.email)
        return (username, email) if username else (None, p.email)
    return resolve_person(session, p.name)


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if isinstance(v, (str, int)) and str(v).strip()]
    return []


def suggest_participants(
    session: Session, doc: Document, organizer: Principal | None = None
) -> list[Participant]:
    """Participants from the document: its role fields where known, its authors, then the
    timeline's actors (responders, in timeline order); the organizer facilitates when nobody
    else is named. Bots and service accounts (``people.bots``) are left out."""
    chosen: dict[str, Participant] = {}
    bots = known_bots(session)

    def add(name: str, role: str) -> None:
        key = name.strip().lower()
        if not key or key in chosen or is_bot(key, bots):
            return
        username, email = resolve_person(session, name)
        chosen[key] = Participant(name=name.strip(), role=role, username=username, email=email)

    for role, fields in _ROLE_FIELDS.items():
        for field_name in fields:
            for name in _names(doc.extra.get(field_name)):
                add(name, role)
    if (
        organizer is not None
        and not organizer.is_system
        and not any(p.role == "facilitator" for p in chosen.values())
    ):
        add(organizer.username, "facilitator")
    for author in doc.authors:
        add(author, "author")
    for event in doc.timeline:
        if event.actor:
            add(event.actor, "responder")
    order = {role: i for i, role in enumerate(ROLES)}
    return sorted(chosen.values(), key=lambda p: order.get(p.role, len(ROLES)))[:MAX_PARTICIPANTS]


def clean_participants(session: Session, given: Sequence[Participant]) -> list[Participant]:
    result: list[Participant] = []
    seen: set[str] = set()
    for i, p in enumerate(given):
        name = p.name.strip()
        if not name:
            continue
        if p.role not in ROLES:
            raise InputError(
                f"unknown role {p.role!r}; one of {', '.join(ROLES)}",
                field=f"participants.{i}.role",
            )
        if name.lower() in seen:
            continue
        username, email = _who(session, p, i)
        if username and f"@{username.lower()}" in seen:
            continue  # the same person under another name (a display name, a username)
        seen.update({name.lower(), *([f"@{username.lower()}"] if username else [])})
        result.append(
            Participant(
                name=name[:200],
                role=p.role,
                username=username,
                email=email,
                attended=p.attended,
            )
        )
    if len(result) > MAX_PARTICIPANTS:
        raise InputError(f"at most {MAX_PARTICIPANTS} participants", field="participants")
    return result
