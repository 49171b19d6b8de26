"""Find the subject of a clause and say what kind of agent it is: a person, a team, a system.

These are light heuristics over one sentence, not a parser: they look at the words just
before a verb of fault ("the on-call engineer forgot") or at the start of its clause
("John deployed the wrong version"), within clause boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from kintsugi.language.names import People
from kintsugi.language.rules import Lexicon, words


class Agent(StrEnum):
    """What kind of subject a clause has."""

    INDIVIDUAL = "individual"  # a named person, a role, he/she/someone
    GENERIC = "generic"  # they, you, people
    COLLECTIVE = "collective"  # we, I, the team
    NOBODY = "nobody"
    NAME_GUESS = "name_guess"  # a capitalised word that is not a known system or word
    SYSTEM = "system"
    OTHER = "other"


PERSONAL = frozenset({Agent.INDIVIDUAL, Agent.GENERIC, Agent.COLLECTIVE, Agent.NAME_GUESS})


@dataclass(frozen=True)
class Subject:
    """A subject found in a sentence: its kind and where it is (offsets in the sentence)."""

    agent: Agent
    start: int
    end: int
    text: str


_TOKEN = re.compile(
    r"@[\w.-]+|[^\W\d_][\w'’-]*(?:\.(?=\s+[A-Z]))?|\d[\w:.-]*|[,;:()\[\]—–|]|\s-\s", re.UNICODE
)
_BOUNDARY_WORDS = words(
    """
    and but or because so when while after before since as although though until once if
    then which that where whereas however meaning whilst who whom unless whether
    therefore thus hence whereupon nor yet
    """
)
_RELATIVE = frozenset({"who", "which", "that", "whom"})
_PREPOSITIONS = words(
    """
    of on in from at with for by during under over into onto within without about to
    across behind near via per through against between among
    """
)
_QUANTIFIERS = words(
    """
    one none some each all any several two three many most both either neither few
    """
)
_TITLES = frozenset({"mr", "mrs", "ms", "dr", "mx", "mr.", "mrs.", "ms.", "dr.", "mx."})
_FINITE = words(
    """
    is was were are has had have did does do ran run got went made took came began saw
    knew thought said gave set put hit kept left sent built broke chose wrote read let
    meant found told lost held shut paid spent caught brought will would could should
    can may might must
    """
)
_COMPLEMENT_VERBS = words(
    """
    found realised realized noticed said thought believed learned learnt discovered saw
    knew assumed decided confirmed determined concluded showed shows means meant
    suggests suggested indicates indicated reported explained agreed felt hoped expected
    """
)
_POSTMODIFIERS = words(
    """
    responsible involved concerned assigned affected present available charged tasked
    """
)


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().strip(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _is_boundary(token: str) -> bool:
    return (not token[:1].isalnum() and token[:1] != "@") or token.lower() in _BOUNDARY_WORDS


def looks_like_verb(token: str, lexicon: Lexicon) -> bool:
    """A past-tense or finite verb form ("deployed", "ran", "was")."""
    lower = token.lower()
    return (
        lower in _FINITE
        or lower in lexicon.irregular_verbs
        or lower in lexicon.action_verbs
        or (lower.endswith("ed") and len(lower) > 4 and lower not in lexicon.roles)
    )


class SubjectFinder:
    """Finds and classifies clause subjects in sentences, for one document's people."""

    def __init__(self, lexicon: Lexicon, people: People) -> None:
        self.lexicon = lexicon
        self.people = people

    # -- classification -------------------------------------------------------------

    def classify(self, words: list[str], *, sentence_start: bool = False) -> Agent:
        """The kind of agent a noun phrase (a list of words) refers to."""
        words = [w for w in words if w[:1].isalnum() or w[:1] == "@"]
        if not words:
            return Agent.OTHER
        lex = self.lexicon
        lowered = [w.lower() for w in words]
        if len(words) >= 3 and lowered[0] in _QUANTIFIERS and lowered[1] == "of":
            words, lowered = words[2:], lowered[2:]
        if "member" in lowered[:-1] or "members" in lowered[:-1]:
            at = lowered.index("member") if "member" in lowered else lowered.index("members")
            rest = lowered[at + 1 :]
            if rest[:1] == ["of"] and set(rest) & (lex.collective | {"staff", "crew", "support"}):
                return Agent.INDIVIDUAL
        for index, word in enumerate(lowered):
            if index > 0 and word in _PREPOSITIONS:
                words, lowered = words[:index], lowered[:index]
                break
            if index >= 2 and word.endswith("ing") and len(word) > 5 and words[index].islower():
                # "the engineer executing the script": the head comes before the modifier
                words, lowered = words[:index], lowered[:index]
                break
        if not words:
            return Agent.OTHER
        while len(words) > 1 and lowered[-1] in _POSTMODIFIERS:
            words, lowered = words[:-1], lowered[:-1]
        if len(words) >= 2 and re.fullmatch(r"[A-Z]|\d{1,2}", words[-1]):
            # "Engineer A", "Operator 2": a role with an anonymising label
            words, lowered = words[:-1], lowered[:-1]
        head, low_head = words[-1], lowered[-1]
        low_head = re.sub(r"['’]s$", "", low_head)
        previous = lowered[-2] if len(lowered) > 1 else ""
        if lowered[0] in lex.individual_pronouns and lowered[0] not in {"her", "his"}:
            return Agent.INDIVIDUAL  # "whoever approved this change", "someone on the team"
        if any(w.startswith("@") and len(w) > 1 for w in words):
            return Agent.INDIVIDUAL
        if any(self.people.is_participant(w) for w in words if w[:1].isalpha()):
            return Agent.INDIVIDUAL
        if low_head in lex.nobody or (previous == "no" and low_head == "one"):
            return Agent.NOBODY
        if low_head in lex.individual_pronouns:
            return Agent.INDIVIDUAL
        if low_head in lex.generic_pronouns:
            return Agent.GENERIC
        if low_head in lex.collective:
            return Agent.COLLECTIVE
        role = self._role(low_head, previous, words)
        if role is not None:
            return role
        if low_head in lex.system_words or self.people.is_system_name(head):
            return Agent.SYSTEM
        if any(w.lower() in _TITLES for w in words[:-1]) and head[:1].isupper():
            return Agent.INDIVIDUAL
        capitalised = [w for w in words if w[:1].isupper()]
        if head[:1].isupper() and any(self.people.is_given_name(w) for w in capitalised):
            return Agent.INDIVIDUAL
        if len(words) <= 2 and head[:1].isupper() and head.isalpha() and lowered[0] != "the":
            if sentence_start and len(words) == 1 and low_head in lex.subject_skip:
                return Agent.OTHER
            return Agent.NAME_GUESS
        return Agent.OTHER

    def _role(self, low_head: str, previous: str, words: list[str]) -> Agent | None:
        lex = self.lexicon
        singular = low_head
        if singular not in lex.roles and singular.endswith("s") and singular[:-1] in lex.roles:
            singular = singular[:-1]
        if singular not in lex.roles:
            return None
        if singular in lex.software_roles:
            return Agent.INDIVIDUAL if previous in lex.human_qualifiers else Agent.SYSTEM
        if singular in lex.ambiguous_roles:
            before = words[-2] if len(words) > 1 else ""
            if previous in lex.role_qualifiers and not (before[:1].isupper() and previous != "the"):
                return Agent.INDIVIDUAL
            if len(words) == 1 and words[0][:1].isupper():
                return Agent.OTHER
            return Agent.SYSTEM
        return Agent.INDIVIDUAL

    # -- extraction -----------------------------------------------------------------

    def before(self, sentence: str, pos: int) -> Subject:
        """The subject right before ``pos`` ("the engineer [then] forgot")."""
        lo = max(0, pos - 240)
        toks = _tokens(sentence[lo:pos])
        skip = self.lexicon.subject_skip
        while toks and toks[-1][0].lower() in skip:
            toks.pop()
        end_index = len(toks)
        chunk: list[tuple[str, int, int]] = []
        index = end_index - 1
        while index >= 0 and not _is_boundary(toks[index][0]):
            chunk.insert(0, toks[index])
            index -= 1
        boundary = toks[index][0].lower() if index >= 0 else ""
        if not chunk and boundary == "and" and index > 0:
            # "The intern was given access and broke the database": the first clause's subject
            return self.clause_initial(sentence, lo + toks[index][1])[0]
        if not chunk and boundary == ",":
            # an apposition: "Alice, the on-call engineer, forgot"
            index -= 1
            while index >= 0 and not _is_boundary(toks[index][0]):
                chunk.insert(0, toks[index])
                index -= 1
        elif boundary in _RELATIVE and index > 0:
            before_boundary = toks[index - 1][0]
            complement = before_boundary.lower() in _COMPLEMENT_VERBS or looks_like_verb(
                before_boundary, self.lexicon
            )
            relative = boundary == "who" or not complement
            if relative and (not chunk or looks_like_verb(chunk[0][0], self.lexicon)):
                return self.before(sentence, lo + toks[index][1])
        if not chunk:
            return Subject(Agent.OTHER, pos, pos, "")
        words = [t[0] for t in chunk]
        start, end = lo + chunk[0][1], lo + chunk[-1][2]
        agent = self.classify(words, sentence_start=not sentence[:start].strip(" *_#-"))
        return Subject(agent, start, end, sentence[start:end])

    def clause_initial(self, sentence: str, pos: int) -> tuple[Subject, int | None]:
        """The subject at the start of the clause that contains ``pos`` and its verb.

        Returns the subject and the offset of the first verb after it ("John" and
        "deployed" in "John deployed the wrong version"), or None when no verb is found.
        """
        lo = max(0, pos - 240)
        toks = _tokens(sentence[lo:pos])
        index = len(toks) - 1
        while index >= 0 and not _is_boundary(toks[index][0]):
            index -= 1
        clause = toks[index + 1 :]
        if index >= 0 and toks[index][0] == "," and len(clause) > 0:
            # "Yesterday, John deployed..." is fine; "..., John deployed" too.
            pass
        noun_phrase: list[tuple[str, int, int]] = []
        verb_at: int | None = None
        for token in clause:
            if noun_phrase and looks_like_verb(token[0], self.lexicon):
                verb_at = lo + token[1]
                break
            if token[0].lower() in self.lexicon.subject_skip and noun_phrase:
                continue
            noun_phrase.append(token)
            if len(noun_phrase) > 5:
                break
        if verb_at is None or not noun_phrase:
            return Subject(Agent.OTHER, pos, pos, ""), None
        start, end = lo + noun_phrase[0][1], lo + noun_phrase[-1][2]
        words = [t[0] for t in noun_phrase]
        agent = self.classify(words, sentence_start=not sentence[:start].strip(" *_#-"))
        return Subject(agent, start, end, sentence[start:end]), verb_at

    def after(self, sentence: str, pos: int, max_words: int = 5) -> Subject:
        """The noun phrase starting at ``pos`` ("[did] the engineer check", "by the operator")."""
        toks = _tokens(sentence[pos : pos + 160])
        phrase: list[tuple[str, int, int]] = []
        for token in toks:
            if _is_boundary(token[0]) or (phrase and looks_like_verb(token[0], self.lexicon)):
                break
            low = token[0].lower()
            quantified = len(phrase) == 1 and phrase[0][0].lower() in _QUANTIFIERS
            if phrase and low in _PREPOSITIONS and not (low == "of" and quantified):
                break
            phrase.append(token)
            if low in self.lexicon.individual_pronouns | self.lexicon.generic_pronouns:
                break
            if low in {"we", "us", "i"} or len(phrase) >= max_words:
                break
        if not phrase:
            return Subject(Agent.OTHER, pos, pos, "")
        words = [t[0] for t in phrase]
        # the phrase may run into its verb ("the engineer check"): prefer the longest
        # prefix that names a person
        best = len(words)
        agent = self.classify(words)
        for size in range(len(words), 0, -1):
            if re.search(r"['’]s$", words[size - 1]):
                continue
            candidate = self.classify(words[:size])
            if candidate in (Agent.INDIVIDUAL, Agent.GENERIC, Agent.NOBODY, Agent.COLLECTIVE):
                best, agent = size, candidate
                break
        start, end = pos + phrase[0][1], pos + phrase[best - 1][2]
        return Subject(agent, start, end, sentence[start:end])
