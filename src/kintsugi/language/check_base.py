"""What every check shares: the hit it returns, the sentence it reads, and its helpers.

``CheckBase`` holds the rule set and the subject finder and builds hits: the rule's message,
the span, and a suggestion that keeps the sentence's facts (or a question instead).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kintsugi.language import rewrite as rw
from kintsugi.language.facts import missing_facts
from kintsugi.language.questions import question
from kintsugi.language.rewrite import Suggestion
from kintsugi.language.rules import Lexicon, Rule, RuleSet, Trigger, words
from kintsugi.language.subjects import Agent, Subject, SubjectFinder

# words that label a person's character or state ("careless", "exhausted"): blame, not fact
LABELS = words(
    """
    careless negligent reckless irresponsible incompetent sloppy inattentive complacent lazy
    exhausted tired fatigued sleepy drowsy distracted overworked inexperienced overconfident
    clueless frazzled impatient naive unqualified inept forgetful panicked panicking
    """
)


@dataclass(frozen=True)
class Hit:
    """Blame found in a sentence: the rule, the span (sentence offsets) and a rewrite."""

    rule: str
    start: int
    end: int
    message: str
    suggestion: Suggestion | None


@dataclass(frozen=True)
class Context:
    """One sentence under analysis: masked text (for matching) and original (for rewrites)."""

    masked: str
    original: str
    match: re.Match[str]
    trigger: Trigger

    @property
    def text(self) -> str:
        return self.match.group(0)


PERSONS = frozenset({Agent.INDIVIDUAL, Agent.GENERIC})
PEOPLE = frozenset({Agent.INDIVIDUAL, Agent.GENERIC, Agent.COLLECTIVE, Agent.NAME_GUESS})
_LINKING = re.compile(
    r"\b(?:was|were|is|are|been|being|seemed|felt|got|became)\s+"
    r"(?:(?:too|very|so|extremely|clearly|quite|really|rather|a\s+bit)\s+)?$",
    re.IGNORECASE,
)
_PASSIVE_BY = re.compile(r"\s+by\s+", re.IGNORECASE)
WORD = re.compile(r"[A-Za-z][\w'’-]*")


class CheckBase:
    """The rules, the lexicon and the subject finder, and the helpers every check uses."""

    ruleset: RuleSet
    lexicon: Lexicon
    finder: SubjectFinder

    # -- helpers ----------------------------------------------------------------------

    def _rule(self, ctx: Context) -> Rule:
        return self.ruleset.rules[ctx.trigger.rule]

    def _hit(
        self,
        ctx: Context,
        suggestion: Suggestion | None,
        *,
        start: int | None = None,
        subject: str = "",
    ) -> Hit:
        rule = self._rule(ctx)
        phrase = " ".join(ctx.original[ctx.match.start() : ctx.match.end()].split())
        message = rule.message.format(
            match=phrase, subject=f'"{" ".join(subject.split())}"' if subject else "A person"
        )
        begin = ctx.match.start() if start is None else start
        if suggestion is not None and suggestion.fixable:
            suggestion = self._faithful(ctx, suggestion)
        return Hit(rule.id, begin, ctx.match.end(), message, suggestion)

    def _faithful(self, ctx: Context, suggestion: Suggestion) -> Suggestion:
        """``suggestion``, or a question to ask when it would lose a fact of the sentence.

        The matched blame itself ("operator error") is not a fact to keep.
        """
        start, end = ctx.match.span()
        stated = ctx.original[:start] + " " * (end - start) + ctx.original[end:]
        keep_roles = ctx.trigger.rule != "try-harder"
        if not missing_facts(stated, suggestion.text, self.lexicon, keep_roles=keep_roles):
            return suggestion
        matched = ctx.original[start:end]
        return question(ctx.trigger.rule, matched, ctx.original[end:], self.lexicon)

    def _actor(self, ctx: Context, subject: Subject) -> str:
        """The subject as the object of a verb: "the on-call engineer", "Alice", "us"."""
        kept = [
            w for w in ctx.original[subject.start : subject.end].split() if w.lower() not in LABELS
        ]  # "an exhausted engineer": the label is the blame, not a fact to keep
        if len(kept) > 1 and kept[0].lower() in {"a", "an"}:
            kept[0] = kept[0][0] + ("n" if kept[1][:1].lower() in "aeiou" else "")
        text = " ".join(kept)
        if not text:
            return "people"
        first, _, rest = text.partition(" ")
        low = first.lower()
        objects = {"i": "me", "we": "us", "he": "him", "she": "her", "they": "them"}
        if low in objects and not rest:
            return objects[low]
        if low in {"the", "a", "an", "our", "this", "that", "their", "his", "her", "my", "one"}:
            return low + (" " + rest if rest else "")
        bare = low.rstrip("s")
        if not rest and (low in self.lexicon.collective or bare in self.lexicon.roles):
            return low  # "On-call" and "Ops" are capitalised only as the sentence's first word
        return text

    def _subject(self, ctx: Context) -> Subject:
        return self.finder.before(ctx.masked, ctx.match.start())

    def _passive_agent(self, ctx: Context) -> Subject | None:
        by = _PASSIVE_BY.match(ctx.masked, ctx.match.end())
        if by is None:
            return None
        return self.finder.after(ctx.masked, by.end())

    def _prefix(self, ctx: Context, subject: Subject) -> str:
        prefix = ctx.original[: subject.start]
        return prefix if prefix.strip(" *_") else ""

    def _compose(self, prefix: str, clause: str) -> str:
        if prefix:
            return rw.tidy(prefix + rw.lower_first(clause))
        return rw.tidy(clause)

    def _rewrite(self, ctx: Context, subject: Subject, clause: str) -> Hit:
        """A hit from the subject on, suggesting ``clause`` after the sentence's own opening."""
        suggestion = Suggestion(self._compose(self._prefix(ctx, subject), clause))
        return self._hit(ctx, suggestion, start=subject.start, subject=subject.text)

    def _after(self, ctx: Context) -> str:
        return ctx.original[ctx.match.end() :]

    def _state_advice(self) -> Suggestion:
        """For a person's state or character given as the explanation: what shaped it."""
        return Suggestion(
            "What conditions (hours, pages, handovers, time pressure, tooling) shaped the action "
            "at the time, and what would have caught it? Describe those, not the person's state.",
            fixable=False,
        )

    def _labels_a_person(self, ctx: Context) -> bool:
        """ "A careless engineer", "the operator was sloppy": a label on a person."""
        if ctx.text.lower() not in LABELS:
            return False
        following = self.finder.after(ctx.masked, ctx.match.end())
        if following.agent in (Agent.INDIVIDUAL, Agent.GENERIC):
            return True
        before = ctx.masked[max(0, ctx.match.start() - 60) : ctx.match.start()]
        linked = _LINKING.search(before)
        if linked is None:
            return False
        subject = self.finder.before(ctx.masked, ctx.match.start() - len(before) + linked.start())
        return subject.agent in PEOPLE

    def _lapse_advice(self) -> Suggestion:
        return Suggestion(
            "Describe what the system allowed or failed to catch here (a missing safeguard, "
            "signal or support), not the person's lapse.",
            fixable=False,
        )

    def _question_advice(self) -> Suggestion:
        return Suggestion("What conditions allowed this to happen?")
