"""Questions to ask instead, where no rewrite keeps every fact of the sentence.

"On-call ignored the page for 20 minutes" has no system-focused rewrite that keeps who, what
and how long without reframing the facts; the useful suggestion is the question a facilitator
would ask: "What made ignoring the page reasonable at the time?".
"""

from __future__ import annotations

import re

from kintsugi.language import rewrite as rw
from kintsugi.language.rewrite import Suggestion
from kintsugi.language.rules import Lexicon

_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_TIME_TAIL = re.compile(
    r"\s+(?:for|until|during|within|since|after|before|at|by|over|from)\s+"
    r"(?=\S*\d|(?:about|over|almost|nearly|more|less|the\s+(?:first|next|whole|entire|rest))\b|"
    r"(?:a|an|one|two|three|four|five|ten|twenty|thirty|several|few)\s+\w+s?\b)",
    re.IGNORECASE,
)
_ACTS = ("ignor", "skip", "dismiss", "silenc", "disabl", "bypass", "ran", "run", "push", "delet")
_LAPSES = ("forg", "neglect", "fail", "didn", "did", "never", "don", "doesn", "hadn", "had")
_SEES = ("miss", "overlook")
_SLIPS = ("mistake", "error", "oversight", "typo", "misconfiguration", "slip", "lapse", "blunder")
_ADVICE = {
    "person-lapse": "What made this action reasonable at the time, and what would have caught it?",
    "fault-label": "What conditions made this action possible and likely at the time?",
    "counterfactual": "What made the other course hard to see or take at the time?",
    "hindsight": "What did the people involved know at the time, and what made their view "
    "reasonable then?",
    "blame-question": "What conditions allowed this to happen?",
    "try-harder": "What change to the tooling or process would make this safe without extra care?",
}


def object_of(after: str) -> str:
    """The object a verb acts on: its clause, without a trailing time ("for 20 minutes")."""
    rest = rw.clause_rest(after)
    tail = _TIME_TAIL.search(rest)
    return (rest[: tail.start()] if tail else rest).strip()


def question(rule: str, matched: str, after: str, lexicon: Lexicon) -> Suggestion:
    """A question about the conditions, for the blame ``matched`` followed by ``after``."""
    words = [w.lower() for w in _WORD.findall(matched)]
    obj = object_of(after)
    if rule == "person-lapse" and words and (obj or words[0].startswith(_SLIPS)):
        head = words[0]
        following = _WORD.findall(after)
        if head.startswith(_SLIPS):
            noun = head[:-1] if head.endswith("s") and not head.endswith("ss") else head
            return Suggestion(f"What let the {noun} through without a check at the time?", False)
        if head.startswith(_ACTS):
            verb = rw.base_verb(words[0], lexicon)
            return Suggestion(f"What made {rw.gerund(verb)} {obj} reasonable at the time?", False)
        if head.startswith(_SEES):
            return Suggestion(f"What would have made {obj} stand out at the time?", False)
        if head.startswith(_LAPSES):
            verb_word = words[-1] if len(words) > 1 and words[-1] not in {"to", "not"} else ""
            if not verb_word and following:
                verb_word = following[0]
                obj = object_of(after[after.find(verb_word) + len(verb_word) :])
            if verb_word.lower() in {"to", "about"} and len(following) > 1:
                verb_word = following[1]
                obj = object_of(after[after.find(verb_word) + len(verb_word) :])
            if verb_word:
                verb = rw.base_verb(verb_word, lexicon)
                step = f"{rw.gerund(verb)} {obj}".strip()
                return Suggestion(f"What would have prompted {step} at the time?", False)
    return Suggestion(_ADVICE.get(rule, _ADVICE["person-lapse"]), False)
