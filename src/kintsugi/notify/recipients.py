"""Email addresses: whether a text is one, and why not.

Notices go only to people Kintsugi knows, at the address stored for them, never to an
address someone typed: ``postmortems.readers`` resolves an owner to those people
(``people.users.owner_accounts``) and keeps the addresses these accept.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from kintsugi.core.errors import InputError


def address_problem(value: str) -> str | None:
    """Why ``value`` is not a plain email address such as ``ana@example.com`` (None if it is).

    No display name, no line breaks; internal domains (no dot) are allowed for self-hosting.
    """
    if "\r" in value or "\n" in value:
        return "an email address cannot contain a line break"
    try:
        validate_email(value, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError as exc:
        return f"{value!r} is not an email address: {exc}"
    return None


def is_email(value: str) -> bool:
    """A plain address such as ``ana@example.com``."""
    return address_problem(value.strip()) is None


def check_email(value: str, field: str) -> str:
    """``value`` stripped when it is an email address; InputError naming ``field`` otherwise."""
    problem = address_problem(value.strip())
    if problem is not None:
        raise InputError(problem, field=field)
    return value.strip()
