"""Checks of the counterfactual and hindsight rules: "should have", "if only", "obviously"."""

from __future__ import annotations

import re

from kintsugi.language import rewrite as rw
from kintsugi.language.check_base import (
    PEOPLE,
    PERSONS,
    WORD,
    CheckBase,
    Context,
    Hit,
)
from kintsugi.language.rewrite import Suggestion
from kintsugi.language.rules import words
from kintsugi.language.subjects import Agent

_AUTOMATIC = re.compile(
    r"\b(?:automatic(?:ally)?|by\s+(?:the\s+)?(?:system|automation|pipeline|ci|monitoring|tool|"
    r"tooling|script|alert(?:ing)?|job|controller))\b",
    re.IGNORECASE,
)
_PARTICIPLE_END = ("ed", "en", "wn", "ne", "ht", "lt", "pt", "nt", "id", "ld", "ck", "un", "ng")
_NOT_PARTICIPLE = words(
    """
    a an the no any some clear clearer more less priority access time been their our its
    his her my your this that these those one two enough different separate own in on at
    to for by with from into ability option options control
    """
)


class HindsightChecks(CheckBase):
    """Counterfactuals ("should have", "could have easily") and hindsight ("obviously")."""

    # -- counterfactual ---------------------------------------------------------------

    def _should_have(self, ctx: Context) -> Hit | None:
        after = self._after(ctx)
        words = WORD.findall(after)
        if not words:
            return None
        negative = "n't" in ctx.text.lower() or " not" in ctx.text.lower()
        subject = self._subject(ctx)
        prefix = self._prefix(ctx, subject)
        subject_text = " ".join(ctx.original[subject.start : subject.end].split()) or "This"
        if words[0].lower() == "been":
            if len(words) < 2:
                return None
            participle = words[1].lower()
            if participle in {"more", "less", "better", "extra"} and len(words) > 2:
                participle = words[2].lower()
            human = self._rule(ctx).options.get("pp_human") or []
            if participle not in human or _AUTOMATIC.search(ctx.masked):
                return None
            by = re.search(r"^[^,;:]*?\bby\s+", after)
            if by is not None:
                agent = self.finder.after(ctx.masked, ctx.match.end() + by.end())
                if agent.agent not in PEOPLE:
                    return None  # "should have been handled by the retry logic"
            head = subject_text.split()[-1] if subject_text.split() else "this"
            plural = (rw.plural(head) and subject.agent is not Agent.OTHER) or head.lower() in {
                "we",
                "they",
                "these",
                "those",
            }
            be = "were" if plural else "was"
            been_end = ctx.match.end() + after.lower().find("been") + len("been")
            if participle in {"obvious", "clear", "apparent", "evident"}:
                verb, tail = f"{be}n't", "at the time; describe what would have surfaced it"
            elif negative:
                verb, tail = be, "; describe the pressures that made that reasonable at the time"
            else:
                verb, tail = f"{be}n't", "; describe what made that hard at the time"
            text = rw.replace_span(ctx.original, ctx.match.start(), been_end, verb)
            text = rw.sentence_rest(text) + (" " if not tail.startswith(";") else "") + tail
            start = (
                subject.start
                if subject.text and subject.agent is not Agent.OTHER
                else (ctx.match.start())
            )
            return self._hit(ctx, Suggestion(rw.tidy(text)), start=start, subject=subject.text)
        participle = words[0].lower()
        if not self._is_participle(participle):
            return None
        if subject.agent in (Agent.SYSTEM, Agent.OTHER):
            return None
        rest = rw.sentence_rest(after[after.find(words[0]) + len(words[0]) :])
        base = rw.base_verb(participle, self.lexicon)
        who = self._actor(ctx, subject)
        if negative:
            clause = f"{subject_text} {participle} {rest}; describe what made that reasonable at the time"
        elif base == "know":
            clause = f"Nothing made {rest or 'this'} clear to {who} at the time"
        else:
            clause = f"Nothing in the process prompted {who} to {base} {rest} at the time"
        return self._hit(
            ctx,
            Suggestion(self._compose(prefix, clause)),
            start=subject.start,
            subject=subject.text,
        )

    def _supposed(self, ctx: Context) -> Hit | None:
        subject = self._subject(ctx)
        if subject.agent not in PERSONS:
            return None
        rest = rw.clause_rest(self._after(ctx))
        words = rest.split(" ", 1)
        if not words or not words[0]:
            return None
        base = rw.base_verb(words[0], self.lexicon)
        clause = (
            f"Nothing in the process ensured {rw.gerund(base)} {words[1] if len(words) > 1 else ''}"
        )
        return self._rewrite(ctx, subject, clause)

    def _is_participle(self, word: str) -> bool:
        if word in _NOT_PARTICIPLE:
            return False
        if word in self.lexicon.irregular_verbs:
            return True
        return word.endswith(_PARTICIPLE_END) and len(word) > 3

    def _could_easily(self, ctx: Context) -> Hit | None:
        words = WORD.findall(self._after(ctx))
        lowered = [w.lower() for w in words[:4]]
        if lowered[:1] == ["been"] and len(lowered) > 1:
            if lowered[1] in {"much", "a", "far", "worse", "way", "even", "significantly"}:
                return None
            verb = rw.base_verb(lowered[1], self.lexicon)
        elif lowered and lowered[0] == "have" and len(lowered) > 1:
            verb = rw.base_verb(lowered[1], self.lexicon)
        elif lowered:
            verb = rw.base_verb(lowered[0], self.lexicon)
        else:
            return None
        return self._advice_counterfactual(ctx, verb=verb)

    def _advice_counterfactual(self, ctx: Context, verb: str | None = None) -> Hit | None:
        if verb:
            text = (
                f"Describe what made this hard to {verb} at the time, and what would make the "
                "safe action the easy one."
            )
        else:
            text = (
                "Describe what made this hard to see at the time, and what would make the safe "
                "action the easy one."
            )
        return self._hit(ctx, Suggestion(text, fixable=False))

    def _if_had(self, ctx: Context) -> Hit | None:
        verb = ctx.match.group("verb").lower()
        if verb in {"been", "a", "an", "the", "no", "to", "had", "enough", "more", "any"}:
            return None
        if not self._is_participle(verb):
            return None
        agent = self.finder.classify(ctx.match.group("np").split())
        if agent not in PEOPLE:
            return None
        base = rw.base_verb(verb, self.lexicon)
        obj = rw.clause_rest(ctx.original[ctx.match.end() :])
        text = (
            f"Describe what made {rw.gerund(base)} {obj} hard at the time, and what would make "
            "the safe action the easy one."
        )
        return self._hit(ctx, Suggestion(rw.tidy(text), fixable=False))

    # -- hindsight --------------------------------------------------------------------

    def _obviously(self, ctx: Context) -> Hit | None:
        before = ctx.masked[max(0, ctx.match.start() - 12) : ctx.match.start()].lower()
        if re.search(r"\b(?:not|n't|n’t)\s*$", before):
            return None
        text = rw.replace_span(ctx.original, ctx.match.start(), ctx.match.end(), "")
        text = re.sub(r",\s*,", ",", text)
        return self._hit(ctx, Suggestion(rw.tidy(text)))

    def _obvious(self, ctx: Context) -> Hit | None:
        start = ctx.match.end() - len("obvious")
        hindsight = "hindsight" in ctx.masked.lower()
        replacement = "apparent" if hindsight else "apparent only in hindsight"
        text = rw.replace_span(ctx.original, start, ctx.match.end(), replacement)
        return self._hit(ctx, Suggestion(rw.tidy(text)))

    def _actually(self, ctx: Context) -> Hit | None:
        subject = self._subject(ctx)
        if subject.agent not in PERSONS:
            return None
        end = ctx.match.end()
        text = rw.replace_span(ctx.original, end - len("actually"), end, "")
        return self._hit(ctx, Suggestion(rw.tidy(text)), start=subject.start, subject=subject.text)

    def _just_had_to(self, ctx: Context) -> Hit | None:
        subject = self._subject(ctx)
        if subject.agent not in (Agent.INDIVIDUAL, Agent.GENERIC, Agent.NAME_GUESS):
            return None
        word_end = ctx.match.start() + len(WORD.findall(ctx.text)[0])
        text = rw.replace_span(ctx.original, ctx.match.start(), word_end, "")
        return self._hit(ctx, Suggestion(rw.tidy(text)))

    def _all_had_to(self, ctx: Context) -> Hit | None:
        agent = self.finder.classify(ctx.match.group("np").split())
        if agent not in (Agent.INDIVIDUAL, Agent.GENERIC, Agent.NAME_GUESS):
            return None
        return self._hit(
            ctx,
            Suggestion(
                "Describe what made this step hard to see at the time, not how easy it looks now.",
                fixable=False,
            ),
        )

    def _simple_check(self, ctx: Context) -> Hit | None:
        return self._hit(
            ctx,
            Suggestion(
                "Describe which check was missing and why it wasn't in place.", fixable=False
            ),
        )

    def _despite(self, ctx: Context) -> Hit | None:
        return self._hit(
            ctx,
            Suggestion(
                "Describe why going ahead made sense at the time, and what would have made "
                "the warning stop the action.",
                fixable=False,
            ),
        )
