"""Who a name means: the one active person whose username, display name or email it is.

Case and accents are ignored ("tomas", "Tomás Ferreira" and "TOMAS@example.com" all name the
user ``tomas`` called Tomás Ferreira); a leading "@" is dropped. An exact username wins; a
name that fits several people names nobody (the caller keeps the text as typed).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from kintsugi.people.models import User


def fold(text: str) -> str:
    """``text`` for comparing names: accents dropped, case folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.strip().removeprefix("@"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@dataclass(frozen=True)
class Person:
    """An active user as others name them."""

    id: int
    username: str
    display_name: str
    email: str | None

    @property
    def label(self) -> str:
        """The name to show: the display name, else the username."""
        return self.display_name or self.username


class PeopleIndex:
    """Active people by every name they go by (built once, asked many times)."""

    def __init__(self, people: Iterable[Person]) -> None:
        self.people = sorted(people, key=lambda p: (fold(p.label), p.username))
        self._by_username: dict[str, Person] = {}
        self._by_other: dict[str, dict[int, Person]] = {}
        for person in self.people:
            self._by_username.setdefault(fold(person.username), person)
            for name in (person.display_name, person.email or ""):
                if fold(name):
                    self._by_other.setdefault(fold(name), {})[person.id] = person

    def match(self, name: str | None) -> Person | None:
        """The one person ``name`` names, or None (no one, or several)."""
        key = fold(name or "")
        if not key:
            return None
        if key in self._by_username:
            return self._by_username[key]
        found = self._by_other.get(key, {})
        return next(iter(found.values())) if len(found) == 1 else None


_PEOPLE = select(User.id, User.username, User.display_name, User.email)


def _person(row: Row[int, str, str, str | None]) -> Person:
    return Person(
        id=row.id, username=row.username, display_name=row.display_name or "", email=row.email
    )


def people_index(session: Session) -> PeopleIndex:
    """Every active person, in one query."""
    rows = session.execute(_PEOPLE.where(User.is_active.is_(True)))
    return PeopleIndex(_person(row) for row in rows)


def match_person(session: Session, name: str | None) -> Person | None:
    """The one active person ``name`` names (see the module), or None.

    A username (the commonest name, and the one a signed-in person goes by) is looked up by
    itself first; only other names need every active person folded."""
    key = fold(name or "")
    if not key:
        return None
    # a valid username is ASCII without a leading "@", so its folded form is its lower case
    found = session.execute(
        _PEOPLE.where(func.lower(User.username) == key, User.is_active.is_(True))
    ).all()
    if len(found) == 1:
        return _person(found[0])
    return people_index(session).match(name)
