"""Checks of the blame-question and try-harder rules: "who deployed this?", "be careful"."""

from __future__ import annotations

import re

from kintsugi.language import rewrite as rw
from kintsugi.language.check_base import (
    WORD,
    CheckBase,
    Context,
    Hit,
)
from kintsugi.language.rewrite import Suggestion
from kintsugi.language.rules import words
from kintsugi.language.subjects import Agent

_REJECTS_TRY_HARDER = re.compile(
    r"\b(?:rather\s+than|instead\s+of|not\s+(?:just\s+|simply\s+)?(?:by\s+)?(?:ask|asking|rely|"
    r"relying|tell|telling|expect|expecting|hope|hoping|depend|depending)|no\s+amount\s+of|"
    r"(?:can't|cannot|can\s+not|don't|do\s+not|won't|shouldn't|should\s+not)\s+(?:just\s+)?"
    r"(?:rely|depend|count)|without\s+(?:relying|depending|needing|having)|relying\s+on|"
    r"depend(?:s|ing)?\s+on|instead\s+of\s+relying)\b",
    re.IGNORECASE,
)
_MODAL_BEFORE = re.compile(
    r"(?:\b(?:should|must|need|needs|have\s+to|has\s+to|will|always|please|to|remember|"
    r"ensure|ought)\s+(?:\w+\s+)?|^\W*)$",
    re.IGNORECASE,
)
_QUESTION_CONTEXT = re.compile(
    r"\b(?:find\s+out|figure\s+out|determine|identify|establish|ask(?:ed|ing)?|know|wonder(?:ed)?|"
    r"investigat(?:e|ed|ing)|work\s+out|track\s+down|find|see|learn|check)\s+$",
    re.IGNORECASE,
)
_FOLLOWING = re.compile(r"\s*(?:when|while|with|to|about|before|around|during|on|for|in)\s+", re.I)
# acts that take a safeguard away: "who disabled the alert?" asks what made that look safe
_UNDOING = words(
    """
    disable remove edit modify silence turn skip ignore overlook hard-code hardcode comment
    delete drop
    """
)


class AskingChecks(CheckBase):
    """Questions that look for a culprit, and action items that ask people to try harder."""

    # -- blame-question -----------------------------------------------------------------

    def _why(self, ctx: Context) -> Hit | None:
        subject = self.finder.after(ctx.masked, ctx.match.end())
        if subject.agent not in (Agent.INDIVIDUAL, Agent.GENERIC, Agent.NOBODY):
            return None
        after = ctx.original[subject.end :]
        words = WORD.findall(after)
        negative = any(n in ctx.text.lower() for n in ("n't", "not"))
        if words and words[0].lower() == "not":
            negative, words = True, words[1:]
            after = after[after.lower().find("not") + 3 :]
        if not words:
            return self._hit(ctx, self._question_advice(), subject=subject.text)
        verb = rw.base_verb(words[0], self.lexicon)
        rest = rw.sentence_rest(after[after.find(words[0]) + len(words[0]) :]).rstrip("?")
        aux = ctx.text.lower().split()[1]
        who = self._actor(ctx, subject)
        if aux.startswith(("was", "were")):
            text = "What made this reasonable at the time?"
        elif subject.agent is Agent.NOBODY:
            text = f"What made it hard to {verb} {rest} at the time?"
        elif negative:
            text = f"What made it hard for {who} to {verb} {rest} at the time?"
        else:
            text = f"What made {rw.gerund(verb)} {rest} seem reasonable to {who} at the time?"
        text = re.sub(r"\s+", " ", text)
        end = subject.end
        hit = self._hit(ctx, Suggestion(text), subject=subject.text)
        return Hit(hit.rule, hit.start, max(end, hit.end), hit.message, hit.suggestion)

    def _who(self, ctx: Context) -> Hit | None:
        before = ctx.masked[: ctx.match.start()]
        sentence_start = not before.strip(" *_#-|:")
        question = ctx.masked.rstrip(" *_").endswith("?")
        embedded = bool(_QUESTION_CONTEXT.search(before))
        if not (sentence_start or embedded or (question and not before.rstrip()[-1:].isalpha())):
            return None
        words = WORD.findall(ctx.text)
        if words[0].lower() == "whose":
            return self._hit(ctx, self._question_advice())
        verb_word = words[-1].lower()
        after = self._after(ctx)
        obj = rw.clause_rest(after).rstrip("?").strip()
        base = rw.base_verb(verb_word, self.lexicon)
        if len(words) > 2 and words[-2].lower() in {"turned", "commented"}:
            base = f"{rw.base_verb(words[-2], self.lexicon)} {verb_word}"
        if obj and base.split()[0] in _UNDOING:
            verb, _, particle = base.partition(" ")
            doing = f"{rw.gerund(verb)} {particle}".strip()
            replacement = f"what made {doing} {obj} look reasonable at the time"
            if sentence_start:
                return self._hit(ctx, Suggestion(rw.tidy(rw.capitalise(replacement) + "?")))
            end = ctx.match.end() + (len(after) - len(after.lstrip())) + len(obj)
            text = rw.replace_span(ctx.original, ctx.match.start(), end, replacement)
            return self._hit(ctx, Suggestion(rw.tidy(text)))
        if (
            verb_word in {"mistake", "fault", "blame", "responsible"}
            or not obj
            or base
            in {
                "make",
                "cause",
                "do",
            }
        ):
            replacement = "what conditions allowed this to happen"
        else:
            noun = rw.process_noun(base)
            where = f"the {noun} process" if noun else "the process"
            replacement = f"how {obj} got through {where}"
        if sentence_start:
            if replacement.startswith("how "):
                obj_part = replacement[len("how ") :].replace(" got through ", " get through ", 1)
                text = f"How did {obj_part}?"
            else:
                text = "What conditions allowed this to happen?"
            return self._hit(ctx, Suggestion(text))
        end = ctx.match.end() + (len(after) - len(after.lstrip())) + len(obj)
        text = rw.replace_span(ctx.original, ctx.match.start(), end, replacement)
        return self._hit(ctx, Suggestion(rw.tidy(text)))

    def _question_phrase(self, ctx: Context) -> Hit | None:
        return self._hit(ctx, self._question_advice())

    # -- try-harder ------------------------------------------------------------------

    def _rejected(self, ctx: Context) -> bool:
        return bool(_REJECTS_TRY_HARDER.search(ctx.masked[: ctx.match.start()]))

    def _following(self, ctx: Context) -> str:
        after = self._after(ctx)
        match = _FOLLOWING.match(after)
        if not match:
            return ""
        rest = (
            rw.clause_rest(after[match.end() :])
            if match.group().strip() != "to"
            else (rw.sentence_rest(after[match.end() :]))
        )
        if match.group().strip().lower() == "to":
            words = rest.split(" ", 1)
            if words and words[0]:
                verb = rw.base_verb(words[0], self.lexicon)
                rest = rw.gerund(verb) + (" " + words[1] if len(words) > 1 else "")
        return rest

    def _careful(self, ctx: Context) -> Hit | None:
        if self._rejected(ctx):
            return None
        rest = self._following(ctx)
        if rest:
            text = f"Add a safeguard or automation for {rest}, instead of relying on extra care."
        else:
            text = (
                "Add a safeguard or automation so this doesn't rely on people being more careful."
            )
        return self._hit(ctx, Suggestion(rw.tidy(text)))

    def _attention(self, ctx: Context) -> Hit | None:
        if self._rejected(ctx):
            return None
        after = self._after(ctx)
        match = re.match(r"\s*(?:to|on)\s+", after)
        rest = rw.clause_rest(after[match.end() :]) if match else ""
        if rest:
            text = f"Add alerting or a dashboard check for {rest}, so it doesn't rely on attention."
        else:
            text = "Add alerting or a check so this doesn't rely on people paying attention."
        return self._hit(ctx, Suggestion(rw.tidy(text)))

    def _remember(self, ctx: Context) -> Hit | None:
        if self._rejected(ctx):
            return None
        after = rw.sentence_rest(self._after(ctx))
        words = after.split(" ", 1)
        if not words or not words[0]:
            return self._hit(ctx, Suggestion("Automate this step, or add a check for it."))
        verb = rw.base_verb(words[0], self.lexicon)
        rest = words[1] if len(words) > 1 else ""
        text = f"Automate, or add a check for, {rw.gerund(verb)} {rest}."
        return self._hit(ctx, Suggestion(rw.tidy(text)))

    def _double_check(self, ctx: Context) -> Hit | None:
        before = ctx.masked[: ctx.match.start()]
        if not _MODAL_BEFORE.search(before) or self._rejected(ctx):
            return None
        rest = rw.sentence_rest(self._after(ctx))
        text = (
            f"Add a check or confirmation step for {rest}."
            if rest
            else ("Add an automated check or confirmation step instead.")
        )
        return self._hit(ctx, Suggestion(rw.tidy(text)))

    def _retrain(self, ctx: Context) -> Hit | None:
        if self._rejected(ctx):
            return None
        return self._hit(
            ctx,
            Suggestion(
                "Change the tooling or process so the right action is the easy one; training "
                "alone won't prevent a recurrence.",
                fixable=False,
            ),
        )
