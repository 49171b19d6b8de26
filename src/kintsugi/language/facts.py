"""The facts of a sentence that a rewrite must keep: who, what system, how many, how long, when.

A suggested rewrite may change how a sentence frames what happened, never what happened:
every named system or person, number, duration and time, every role of the people involved
and the words that order the events ("before", "after", "first") must survive it, numbers in
the same order. ``missing_facts`` lists what a rewrite lost; the detectors offer a question to
ask instead of a rewrite that would lose something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kintsugi.language.names import census_given_names
from kintsugi.language.rules import Lexicon, words

_TOKEN = re.compile(r"[\w@][\w'’@./:-]*[\w]|[\w@]")
_NUMBER = re.compile(r"\d")
_IDENTIFIER = re.compile(r"[A-Za-z].*(?:\d|[_./:]\w)|[a-z]+[A-Z]\w*")
_DURATION = re.compile(
    r"\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
    r"twenty|thirty|forty|fifty|sixty|ninety|several|a\s+few|few|half\s+an)\s+"
    r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|nights?|shifts?)\b",
    re.IGNORECASE,
)
_ORDER_WORDS = words(
    """
    before after first then until since sooner later earlier afterwards beforehand
    previously subsequently meanwhile overnight
    """
)
_PRONOUN_FAMILIES = (
    frozenset({"i", "me", "my", "myself", "mine"}),
    frozenset({"we", "us", "our", "ourselves", "ours"}),
    frozenset({"he", "him", "his", "himself"}),
    frozenset({"she", "her", "hers", "herself"}),
    frozenset({"someone", "somebody"}),
)
_NOT_NAMES = words(
    """
    I A An The This That These Those It Its We Our Us They Their He She His Her You Your
    In On At By For From To With Without After Before During While When Where Why How What
    Who Whose Which If Once Since Until Because As But And Or So Then Nothing Nobody Each
    Every All Any Some No Not Yes Also Later Unfortunately Looking Add Automate Describe
    Remember Double-check Check Make Change Ensure Use Be Do Don't Never Always Please
    """
)


@dataclass(frozen=True)
class Facts:
    """What a sentence states that a rewrite must keep (lower-cased)."""

    names: frozenset[str]
    numbers: tuple[str, ...]
    durations: frozenset[str]
    roles: frozenset[str]
    pronouns: tuple[frozenset[str], ...]
    order_words: frozenset[str]


def facts(sentence: str, lexicon: Lexicon) -> Facts:
    """The facts ``sentence`` states (see the module's docstring)."""
    tokens = _TOKEN.findall(sentence)
    names: set[str] = set()
    numbers: list[str] = []
    roles: set[str] = set()
    families: list[frozenset[str]] = []
    order: set[str] = set()
    first = True
    for token in tokens:
        low = token.lower()
        bare = re.sub(r"['’]s$", "", low)
        if _NUMBER.search(token):
            numbers.append(low)
        elif _is_name(token, bare, first, lexicon):
            names.add(bare)
        if bare in lexicon.roles or (bare.endswith("s") and bare[:-1] in lexicon.roles):
            roles.add(bare)
        if bare in lexicon.collective and bare not in {"we", "i", "us", "our"}:
            roles.add(bare)
        for family in _PRONOUN_FAMILIES:
            if low in family and family not in families:
                families.append(family)
        if low in _ORDER_WORDS:
            order.add(low)
        first = False
    durations = frozenset(" ".join(m.group().lower().split()) for m in _DURATION.finditer(sentence))
    return Facts(
        frozenset(names),
        tuple(numbers),
        durations,
        frozenset(roles),
        tuple(families),
        frozenset(order),
    )


def _is_name(token: str, bare: str, first: bool, lexicon: Lexicon) -> bool:
    """A system's or person's name: an identifier, or a capitalised word that is no role."""
    if not (_IDENTIFIER.fullmatch(token) or (token[:1].isupper() and token not in _NOT_NAMES)):
        return False
    if first and not token.isupper() and not _known_name(token, bare, lexicon):
        return False
    return bare not in lexicon.roles and bare not in lexicon.collective


def _known_name(token: str, bare: str, lexicon: Lexicon) -> bool:
    """A sentence-initial capitalised word that is a name, not just a capital letter."""
    name = re.sub(r"['’]s$", "", token)
    return (
        bare in lexicon.tech_names
        or name in lexicon.extra_given_names
        or (name in census_given_names() and bare not in lexicon.name_stoplist)
    )


def missing_facts(
    original: str, rewrite: str, lexicon: Lexicon, *, keep_roles: bool = True
) -> list[str]:
    """The facts of ``original`` that ``rewrite`` loses (empty when it keeps them all).

    ``keep_roles`` False leaves out roles and pronouns: an action item that asks "engineers"
    to be careful names no one who took part in the events.
    """
    before = facts(original, lexicon)
    low = " ".join(rewrite.lower().split())
    present = {t.lower() for t in _TOKEN.findall(rewrite)}
    present |= {re.sub(r"['’]s$", "", t) for t in present}
    lost = [name for name in sorted(before.names) if name not in present]
    if keep_roles:
        lost += [role for role in sorted(before.roles) if role not in present]
        lost += [f"{sorted(f)[0]}…" for f in before.pronouns if not f & present]
    lost += [d for d in sorted(before.durations) if d not in low]
    lost += [w for w in sorted(before.order_words) if w not in present]
    cursor = 0
    rewritten = [t.lower() for t in _TOKEN.findall(rewrite)]
    for number in before.numbers:
        try:
            cursor = rewritten.index(number, cursor) + 1
        except ValueError:
            lost.append(number if number not in rewritten else f"{number} (order)")
    return lost
