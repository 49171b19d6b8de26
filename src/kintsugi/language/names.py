"""Who is a person: participants, the roster, and a list of given names.

Given names come from the US census lists shipped in the ``names`` package (public domain
data) when it is installed, plus the international names in rules.yaml. No model, no
network: a name is a capitalised token found in one of these lists and not in the lists of
technology names and common words that happen to be names ("Jenkins", "May").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from kintsugi.language.rules import Lexicon

_CENSUS_FILES = ("dist.male.first", "dist.female.first")
_TOKEN = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s?$")
_EMAIL_OR_HANDLE = re.compile(r"^@?([\w.-]+?)(?:@[\w.-]+)?$")


@cache
def census_given_names() -> frozenset[str]:
    """Given names from the ``names`` package, title-cased; empty if it is not installed."""
    found: set[str] = set()
    try:
        package = resources.files("names")
    except ModuleNotFoundError:
        return frozenset()
    for filename in _CENSUS_FILES:
        try:
            text = package.joinpath(filename).read_text(encoding="utf-8")
        except (FileNotFoundError, OSError):
            continue
        for line in text.splitlines():
            name = line.split(" ", 1)[0].strip()
            if len(name) > 1:
                found.add(name.title())
    return frozenset(found)


def _name_tokens(value: str) -> set[str]:
    """The tokens of a participant string that identify them ("Alice Smith" -> alice, smith)."""
    value = value.strip()
    tokens: set[str] = set()
    handle = _EMAIL_OR_HANDLE.match(value)
    if handle and " " not in value:
        local = handle.group(1)
        tokens.add(local.lower())
        tokens.update(part.lower() for part in re.split(r"[._-]+", local) if len(part) > 2)
    for token in _TOKEN.findall(value):
        if len(token) > 1:
            tokens.add(token.lower().rstrip("."))
    return tokens


class People:
    """Decides whether a token names a person, for one document."""

    def __init__(
        self,
        lexicon: Lexicon,
        *,
        participants: Iterable[str] = (),
        roster: Iterable[str] = (),
        systems: Iterable[str] = (),
    ) -> None:
        self._lexicon = lexicon
        known: set[str] = set()
        for person in (*participants, *roster):
            known |= _name_tokens(person)
        common = lexicon.system_words | lexicon.roles | lexicon.collective
        self._participants = frozenset(t for t in known if t not in common)
        self._not_names = (
            lexicon.tech_names
            | lexicon.name_stoplist
            | {s.lower() for system in systems for s in _TOKEN.findall(system)}
        ) - self._participants
        self._given = census_given_names() | lexicon.extra_given_names

    def is_participant(self, token: str) -> bool:
        """True when ``token`` is one of the document's participants or roster names."""
        return _POSSESSIVE.sub("", token.lstrip("@")).lower() in self._participants

    def is_given_name(self, token: str) -> bool:
        """True when ``token`` is a capitalised given name that is not a system or word."""
        if not token[:1].isupper() or (token.isupper() and len(token) > 1 and len(token) < 4):
            return False
        token = _POSSESSIVE.sub("", token)
        if token.lower() in self._not_names:
            return False
        return token in self._given or token.title() in self._given

    def is_system_name(self, token: str) -> bool:
        """True for technology names and the document's own services."""
        return token.lower() in self._not_names and token.lower() not in self._participants

    def is_person(self, token: str) -> bool:
        """A participant, a roster name, an @handle or a known given name."""
        if token.startswith("@") and len(token) > 1:
            return True
        return self.is_participant(token) or self.is_given_name(token)
