"""The checks behind each trigger kind: is this match blame, and what would we say instead?

A trigger (a regular expression in rules.yaml) finds a candidate such as "forgot" or
"should have"; the check for its ``kind`` looks at the sentence around it (who is the
subject, is it negated, is it a question) and returns a ``Hit`` with a suggested rewrite,
or None when the sentence is fine. ``Detector`` holds the person-lapse and fault-label checks
and gathers the others: hindsight_checks.py (counterfactual, hindsight), asking.py
(blame-question, try-harder) and framing.py (belief, state, verdicts, wrong targets).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kintsugi.language import framing
from kintsugi.language import rewrite as rw
from kintsugi.language.asking import AskingChecks
from kintsugi.language.check_base import (
    PEOPLE,
    PERSONS,
    WORD,
    Context,
    Hit,
)
from kintsugi.language.hindsight_checks import HindsightChecks
from kintsugi.language.questions import object_of
from kintsugi.language.rewrite import Suggestion
from kintsugi.language.rules import RuleSet, Trigger, words
from kintsugi.language.subjects import Agent, Subject, SubjectFinder, looks_like_verb

_INDIVIDUAL = frozenset({Agent.INDIVIDUAL})
_HUMAN_VERBS = words(
    """
    check notice realise realize follow know test verify read look review see spot catch
    validate confirm double-check ask escalate communicate understand inspect
    acknowledge respond answer recognise recognize remember bother
    """
)
_SEE_VERBS = words(
    """
    notice realise realize see spot catch detect recognise recognize observe identify
    """
)
_KNOW_VERBS = frozenset({"know", "understand", "remember"})
_CHECK_VERBS = words(
    """
    check verify validate test review confirm inspect look read double-check examine
    monitor watch
    """
)
_RESPOND_VERBS = frozenset({"respond", "acknowledge", "answer", "react", "escalate", "reply"})
_THAT = re.compile(r"^(?:that|how|what|which|where|when|whether|why|who)\b", re.IGNORECASE)
_SIGNAL = re.compile(r"\b(?:page|pages|alert|alerts|alarm|notification|message|call|ping)\b", re.I)
# what a team can miss that someone should have seen: "we missed the capacity warning"
_MISSABLE = re.compile(
    r"\b(?:pages?|alerts?|alarms?|notifications?|messages?|warnings?|notices?|signs?|signals?|"
    r"emails?|tickets?|typos?|steps?|deprecations?|errors?\s+in)\b",
    re.I,
)
_NEGATION_BEFORE = re.compile(
    r"\b(?:not|no|never|isn't|wasn't|aren't|weren't|isn’t|wasn’t|rather\s+than|instead\s+of|"
    r"without|beyond|nor|myth|avoid(?:ing)?|stop\s+calling|call(?:ing)?\s+it|blam(?:e|ing))\b"
    r"(?:\W+\w+){0,4}\W*$",
    re.IGNORECASE,
)
_NEGATION_AFTER = re.compile(r"^\W*(?:was|is|were|are)?\s*(?:not|n't|never)\b", re.IGNORECASE)
_DETECTION = re.compile(
    r"(?:the\s+|an\s+|this\s+|any\s+)?(?:incident|outage|issue|problem|alert|page|impact|"
    r"situation|failure|errors?|degradation)\b",
    re.IGNORECASE,
)
_SO_DID = re.compile(r",?\s+and\s+so\s+(?:did|was|were)\s+(.+)$", re.IGNORECASE)
_HEAD_END = re.compile(r"\s+(?:of|on|in|for|from|at|to|with|by|about|during)\s", re.IGNORECASE)


def _be(phrase: str) -> str:
    """ "were" for a plural noun phrase ("the warnings on the hosts"), else "was"."""
    head = _HEAD_END.split(phrase, maxsplit=1)[0]
    return "were" if rw.plural(head) else "was"


def _words_after(text: str, count: int = 1) -> list[str]:
    return WORD.findall(text)[:count]


class Detector(AskingChecks, HindsightChecks):
    """Runs the check for a trigger's kind at one match."""

    def __init__(self, ruleset: RuleSet, finder: SubjectFinder) -> None:
        self.ruleset = ruleset
        self.lexicon = ruleset.lexicon
        self.finder = finder
        self._checks: dict[tuple[str, str], Callable[[Context], Hit | None]] = {
            ("person-lapse", "strong"): self._strong,
            ("person-lapse", "weak"): self._weak,
            ("person-lapse", "negated"): self._negated,
            ("person-lapse", "adverb"): self._adverb,
            ("person-lapse", "post_verbal"): self._post_verbal,
            ("person-lapse", "wrong_object"): self._wrong_object,
            ("person-lapse", "bad_object"): self._bad_object,
            ("person-lapse", "unaware"): self._unaware,
            ("person-lapse", "agent_noun"): self._agent_noun,
            ("person-lapse", "possessive"): self._possessive,
            ("person-lapse", "nobody"): self._nobody,
            ("fault-label", "label"): self._label,
            ("counterfactual", "should_have"): self._should_have,
            ("counterfactual", "could_easily"): self._could_easily,
            ("counterfactual", "easily_avoidable"): self._advice_counterfactual,
            ("counterfactual", "if_had"): self._if_had,
            ("counterfactual", "had_inverted"): self._if_had,
            ("counterfactual", "if_only"): self._advice_counterfactual,
            ("counterfactual", "supposed"): self._supposed,
            ("hindsight", "obviously"): self._obviously,
            ("hindsight", "obvious"): self._obvious,
            ("hindsight", "actually"): self._actually,
            ("hindsight", "just_had_to"): self._just_had_to,
            ("hindsight", "all_had_to"): self._all_had_to,
            ("hindsight", "simple_check"): self._simple_check,
            ("hindsight", "despite"): self._despite,
            ("blame-question", "why_person"): self._why,
            ("blame-question", "who"): self._who,
            ("blame-question", "whose_fault"): self._question_phrase,
            ("blame-question", "who_blame"): self._question_phrase,
            ("blame-question", "find_culprit"): self._question_phrase,
            ("try-harder", "careful"): self._careful,
            ("try-harder", "attention"): self._attention,
            ("try-harder", "remember"): self._remember,
            ("try-harder", "double_check"): self._double_check,
            ("try-harder", "remind"): self._remember,
            ("try-harder", "retrain"): self._retrain,
            **framing.checks(self),
        }

    def known_kinds(self) -> set[tuple[str, str]]:
        """The (rule, kind) pairs this detector can check."""
        return set(self._checks)

    def check(self, trigger: Trigger, masked: str, original: str, pos: int) -> Hit | None:
        """Judge the trigger's match at ``pos`` in one sentence."""
        match = trigger.regex.match(masked, pos)
        return None if match is None else self.judge(trigger, match, masked, original)

    def judge(
        self, trigger: Trigger, match: re.Match[str], masked: str, original: str
    ) -> Hit | None:
        """Judge one match of ``trigger`` in a sentence (masked and original text)."""
        check = self._checks.get((trigger.rule, trigger.kind))
        if check is None:
            return None
        return check(Context(masked, original, match, trigger))

    # -- person-lapse ---------------------------------------------------------------

    def _strong(self, ctx: Context) -> Hit | None:
        subject = self._subject(ctx)
        if subject.agent not in PEOPLE:
            agent = self._passive_agent(ctx)
            if agent is None or agent.agent not in PERSONS:
                return None
            return self._hit(ctx, self._lapse_advice(), subject=agent.text)
        return self._lapse(ctx, subject)

    def _weak(self, ctx: Context) -> Hit | None:
        subject = self._subject(ctx)
        word = ctx.text.lower()
        human = False
        team = False
        if word.startswith("fail"):
            nxt = _words_after(self._after(ctx))
            human = bool(nxt) and rw.base_verb(nxt[0], self.lexicon) in _HUMAN_VERBS
            team = human  # "we failed to check that backups were restorable"
        elif word.startswith("miss"):
            team = bool(_MISSABLE.search(rw.clause_rest(self._after(ctx))))
        allowed = PERSONS if human else _INDIVIDUAL
        if team:  # not an unknown capitalised word: "Zed missed the page" may be a system
            allowed = allowed | {Agent.GENERIC, Agent.COLLECTIVE}
        if subject.agent not in allowed:
            agent = self._passive_agent(ctx) if not word.startswith("fail") else None
            if agent is None or agent.agent not in PERSONS:
                return None
            return self._hit(ctx, self._lapse_advice(), subject=agent.text)
        return self._lapse(ctx, subject)

    def _negated(self, ctx: Context) -> Hit | None:
        verb = base = rw.base_verb(ctx.match.group("verb"), self.lexicon)
        thought = verb == "think" and re.match(
            r"\s+(?:about|to|through|twice|of)\b", self._after(ctx)
        )
        if not thought and (
            verb in self.lexicon.negated_not_fault
            or ctx.match.group("verb").lower() in self.lexicon.negated_not_fault
        ):
            return None
        subject = self._subject(ctx)
        allowed = PERSONS if base in _HUMAN_VERBS else _INDIVIDUAL
        if subject.agent not in allowed:
            return None
        return self._lapse(ctx, subject, verb=ctx.match.group("verb"), verb_end=ctx.match.end())

    def _adverb(self, ctx: Context) -> Hit | None:
        if framing.is_belief_verb(self._after(ctx)):
            return None  # "wrongly assumed" is the hindsight rule's
        subject = self._subject(ctx)
        if subject.agent not in PERSONS:
            subject, _verb = self.finder.clause_initial(ctx.masked, ctx.match.start())
            if subject.agent not in _INDIVIDUAL:
                return None
        if subject.agent is Agent.GENERIC and ctx.text.lower() in {
            "incorrectly",
            "wrongly",
            "erroneously",
        }:
            return None
        return self._hit(
            ctx, self._tooling_allowed(ctx, subject), start=subject.start, subject=subject.text
        )

    def _post_verbal(self, ctx: Context) -> Hit | None:
        subject, verb_at = self.finder.clause_initial(ctx.masked, ctx.match.start())
        if verb_at is None:
            return None
        if subject.agent not in _INDIVIDUAL:
            # the passive: "the change was pushed by Tom without any review"
            between = ctx.masked[verb_at : ctx.match.start()]
            by = re.search(r"\bby\s+", between)
            if by is None:
                return None
            agent = self.finder.after(ctx.masked, verb_at + by.end())
            if agent.agent not in _INDIVIDUAL:
                return None
            return self._hit(ctx, self._lapse_advice(), subject=agent.text)
        return self._hit(
            ctx,
            self._tooling_allowed(ctx, subject, verb_at),
            start=subject.start,
            subject=subject.text,
        )

    def _wrong_object(self, ctx: Context) -> Hit | None:
        subject, verb_at = self.finder.clause_initial(ctx.masked, ctx.match.start())
        if subject.agent not in _INDIVIDUAL or verb_at is None:
            return None
        between = ctx.masked[verb_at : ctx.match.start()]
        verbs = [w for w in WORD.findall(between) if w.lower() in self.lexicon.action_verbs]
        if not verbs and "using" not in between.lower():
            return None
        verb = rw.base_verb(verbs[0], self.lexicon) if verbs else "use"
        thing = rw.clause_rest(self._after(ctx))
        thing_words = thing.split()
        noun = " ".join(thing_words[:3]) if thing_words else "input"
        for index, word in enumerate(thing_words):
            if word.lower() in {"to", "on", "in", "into", "for", "from", "against", "at", "of"}:
                noun = " ".join(thing_words[:index]) or noun
                break
        middle = ctx.original[verb_at : ctx.match.start()].split()[1:]
        while middle and middle[-1].lower() in {
            "to",
            "on",
            "in",
            "into",
            "for",
            "from",
            "against",
            "at",
            "with",
            "onto",
        }:
            middle.pop()
        process = rw.process_noun(verb)
        who = self._actor(ctx, subject)
        did = verbs[0] if verbs else "used"
        be = "were" if rw.plural(noun) else "was"
        if not middle and process:
            clause = f"The {process} process didn't validate the {noun} {who} {did}"
        elif middle:
            clause = (
                f"The tooling didn't check that the {noun} {be} right before {who} {did} "
                f"{' '.join(middle)}"
            )
        else:
            it = "them" if rw.plural(noun) else "it"
            clause = f"The tooling didn't check that the {noun} {be} right before {who} {did} {it}"
        return self._rewrite(ctx, subject, clause)

    def _bad_object(self, ctx: Context) -> Hit | None:
        subject = self._subject(ctx)
        if subject.agent not in _INDIVIDUAL:
            return None
        words = WORD.findall(ctx.text)
        base = rw.base_verb(words[0], self.lexicon)
        thing = " ".join(words[-2:] if words[-2].lower() not in {"out"} else words[-1:])
        rest = rw.clause_rest(self._after(ctx))
        process = rw.process_noun(base) or "release"
        clause = f"The {process} process let {thing} {rest} through without a check"
        return self._rewrite(ctx, subject, clause)

    def _unaware(self, ctx: Context) -> Hit | None:
        subject = self._subject(ctx)
        if subject.agent not in PERSONS:
            return None
        rest = rw.clause_rest(re.sub(r"^\s*of\s+", "", self._after(ctx)))
        if _DETECTION.match(rest):
            return None  # "not aware of the incident" is about detection, not a lapse
        if rest and _THAT.match(rest):
            clause = f"The system didn't make it clear {rest}"
        elif rest:
            clause = f"Nothing made {rest} visible at the time"
        else:
            return self._hit(ctx, self._lapse_advice(), start=subject.start, subject=subject.text)
        return self._rewrite(ctx, subject, clause)

    def _agent_noun(self, ctx: Context) -> Hit | None:
        agent = self.finder.after(ctx.masked, ctx.match.end())
        noun = WORD.findall(ctx.text)[0].lower()
        strong = noun.startswith(("mistake", "blunder", "oversight", "fault", "slip", "lapse"))
        if agent.agent not in PERSONS and not (strong and agent.agent is Agent.COLLECTIVE):
            return None
        noun = noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
        if noun == "fault":
            hit = self._hit(ctx, self._lapse_advice(), subject=agent.text)
            return Hit(hit.rule, hit.start, agent.end, hit.message, hit.suggestion)
        text = f"The tooling accepted the {noun} without validation"
        hit = self._hit(ctx, Suggestion(rw.tidy(text)), subject=agent.text)
        return Hit(hit.rule, hit.start, agent.end, hit.message, hit.suggestion)

    def _possessive(self, ctx: Context) -> Hit | None:
        words = WORD.findall(ctx.text)
        owner, noun = words[0], words[-1].lower()
        low = owner.lower()
        if low in {"his", "her"}:
            agent = Agent.INDIVIDUAL
        elif low in {"my", "our"}:
            if noun.startswith(("error", "typo")):
                return None  # "our error budget", "our error rates"
            agent = Agent.INDIVIDUAL  # self-blame: "this is my fault", "our bad"
        elif low == "their":
            if noun.startswith(("error", "typo")):
                return None
            agent = Agent.GENERIC
        else:
            name = re.sub(r"['’]s$", "", owner)
            if not name or name.lower() in {"it", "that", "what", "who", "there", "here"}:
                return None
            agent = self.finder.classify([name])
        if agent not in PERSONS:
            return None
        advice = (
            f"Describe the conditions that made the {noun.rstrip('s')} possible, not whose it was."
        )
        return self._hit(ctx, Suggestion(advice, fixable=False), subject=owner)

    def _nobody(self, ctx: Context) -> Hit | None:
        verb = rw.base_verb(WORD.findall(ctx.text)[-1], self.lexicon)
        obj, tail = self._object_and_tail(self._after(ctx))
        prefix = ctx.original[: ctx.match.start()]
        prefix = prefix if prefix.strip(" *_") else ""
        if verb in _SEE_VERBS and obj:
            clause = (
                f"{rw.capitalise(obj)} went unnoticed{tail}; nothing made it stand out or "
                "escalated it"
            )
        elif obj:
            rest = rw.sentence_rest(self._after(ctx))
            clause = f"The process didn't require or automate {rw.gerund(verb)} {rest}"
        else:
            return self._hit(ctx, self._lapse_advice())
        return self._hit(ctx, Suggestion(self._compose(prefix, clause)))

    def _lapse(
        self,
        ctx: Context,
        subject: Subject,
        *,
        verb: str | None = None,
        verb_end: int | None = None,
    ) -> Hit:
        """A person-lapse hit with a rewrite chosen by the verb of fault."""
        word = ctx.text.lower()
        after = self._after(ctx) if verb_end is None else ctx.original[verb_end:]
        prefix = self._prefix(ctx, subject)
        who = self._actor(ctx, subject)
        clause: str | None = None
        if verb is None and word.startswith("fail"):
            found = _words_after(after)
            if found:
                verb = found[0]
                after = after[after.find(found[0]) + len(found[0]) :]
        if word.startswith("forg") or (
            word.startswith("neglect") and after.lstrip().startswith("to ")
        ):
            rest = rw.sentence_rest(re.sub(r"^\s*(?:to|about)\s+", "", after))
            if rest:
                clause = f"Nothing in the process prompted {who} to {rest}"
                if not after.lstrip().lower().startswith("to "):
                    clause = f"Nothing in the process reminded {who} of {rest}"
        elif word.startswith(("overlook", "neglect", "ignor")):
            obj, tail = self._object_and_tail(after)
            if obj:
                verb_word = "dismiss" if word.startswith("ignor") else "overlook"
                if word.startswith("ignor") and _SIGNAL.search(obj):
                    clause = (
                        f"{rw.capitalise(obj)} went unanswered by {who}{tail}; nothing escalated it"
                    )
                else:
                    clause = (
                        f"{rw.capitalise(obj)} {_be(obj)} easy for {who} to {verb_word}{tail}; "
                        "nothing made it stand out"
                    )
        elif word.startswith("made"):
            mistake = " ".join(WORD.findall(ctx.text)[1:])
            rest = rw.clause_rest(after)
            clause = f"The tooling and process let {mistake} {rest} through without catching it"
        elif word.startswith("miss"):
            obj, tail = self._object_and_tail(after)
            if obj:
                advice = (
                    "nothing escalated it when it went unacknowledged"
                    if _SIGNAL.search(obj)
                    else "nothing made it stand out"
                )
                clause = f"{rw.capitalise(obj)} {_be(obj)} easy for {who} to miss{tail}; {advice}"
        elif word.startswith("mis"):
            base = rw.base_verb(word, self.lexicon)
            rest = rw.sentence_rest(after)
            clause = f"The tooling made it easy for {who} to {base} {rest}; nothing validated it"
        elif verb is not None:
            clause = self._negated_clause(rw.base_verb(verb, self.lexicon), after, who)
        suggestion = Suggestion(self._compose(prefix, clause)) if clause else self._lapse_advice()
        return self._hit(ctx, suggestion, start=subject.start, subject=subject.text)

    def _object_and_tail(self, after: str) -> tuple[str, str]:
        """The object of a verb and the rest of its sentence: ("the page", " for 20 minutes")."""
        full = rw.sentence_rest(after)
        obj = object_of(after)
        at = full.find(obj) if obj else -1
        tail = full[at + len(obj) :] if at >= 0 else ""
        also = _SO_DID.match(tail)
        if also:  # "missed the typo, and so did the approver"
            tail = f", and for {also.group(1)}"
        return obj, tail.rstrip()

    def _negated_clause(self, base: str, after: str, who: str) -> str | None:
        rest = rw.clause_rest(after)
        full = rw.sentence_rest(after)
        if base in _SEE_VERBS:
            if not rest:
                return None
            if _THAT.match(rest):
                return f"Nothing made it clear to {who} {full}"
            obj, tail = self._object_and_tail(after)
            return f"{rw.capitalise(obj)} wasn't visible enough for {who} to notice{tail}"
        if base in _KNOW_VERBS:
            if not rest:
                return None
            if _THAT.match(rest):
                return f"The system didn't make it clear to {who} {full}"
            return f"Nothing made {full} clear to {who} at the time"
        if base == "follow":
            return (
                f"Following {full or 'the procedure'} depended on the memory of {who}; "
                "the tooling didn't guide or enforce it"
            )
        if base in _RESPOND_VERBS:
            obj, tail = self._object_and_tail(after)
            return f"{rw.capitalise(obj or 'the page')} went unanswered by {who}{tail}; nothing escalated it"
        if base in _CHECK_VERBS:
            return f"The process didn't require {who} to {base} {full}"
        return f"The process didn't prompt {who} to {base} {full}"

    def _tooling_allowed(
        self, ctx: Context, subject: Subject, verb_at: int | None = None
    ) -> Suggestion:
        """'The tooling allowed <doing X> without a safeguard' for accidents."""
        if verb_at is None or verb_at > ctx.match.start():
            # the adverb comes before its verb: "accidentally deleted the table"
            after = self._after(ctx)
            words = WORD.findall(after)
            if not words:
                return self._lapse_advice()
            verb = words[0]
            rest = rw.clause_rest(after[after.find(verb) + len(verb) :])
        else:
            # the marker comes after: "deleted the table by mistake"
            tokens = ctx.original[verb_at : ctx.match.start()]
            words = WORD.findall(tokens)
            if not words:
                return self._lapse_advice()
            verb = words[0]
            rest = rw.clause_rest(tokens[tokens.find(verb) + len(verb) :])
        if not looks_like_verb(verb, self.lexicon) and not verb.lower().endswith("s"):
            return self._lapse_advice()
        base = rw.base_verb(verb, self.lexicon)
        marker = ctx.text.lower()
        who = self._actor(ctx, subject)
        if marker.startswith("without"):
            lacking = marker.split(None, 1)[1]
            clause = f"The process let {who} {base} {rest} without {lacking}; make that check part of the pipeline"
        else:
            clause = f"The tooling let {who} {base} {rest} without a safeguard or confirmation"
        return Suggestion(self._compose(self._prefix(ctx, subject), clause))

    # -- fault-label ----------------------------------------------------------------

    def _negated_label(self, ctx: Context) -> bool:
        before = ctx.masked[max(0, ctx.match.start() - 80) : ctx.match.start()]
        after = ctx.masked[ctx.match.end() : ctx.match.end() + 30]
        return bool(_NEGATION_BEFORE.search(before) or _NEGATION_AFTER.match(after))

    def _label(self, ctx: Context) -> Hit | None:
        if self._negated_label(ctx):
            return None
        if ctx.text.lower().startswith(("disciplin", "reprimand", "written")):
            return self._hit(
                ctx,
                Suggestion(
                    "Describe the change to the system this incident leads to; punishment "
                    "teaches people to hide problems.",
                    fixable=False,
                ),
            )
        if self._labels_a_person(ctx):
            return self._hit(ctx, self._state_advice())
        if ctx.text.lower().startswith("human") and re.match(r"\s*-", self._after(ctx)):
            return None
        options = self._rule(ctx).options
        replacements: dict[str, str] = options.get("replacements") or {}
        lowered = " ".join(ctx.text.lower().split())
        replacement = next(
            (
                replacements[key]
                for key in sorted(replacements, key=len, reverse=True)
                if key in lowered
            ),
            str(options.get("default_replacement") or "a gap in the process or tooling"),
        )
        sentence = ctx.original
        start, end = ctx.match.start(), ctx.match.end()
        if ctx.text[:1].isupper() and start == len(sentence) - len(sentence.lstrip(" *_")):
            replacement = rw.capitalise(replacement)
        text = rw.replace_span(sentence, start, end, replacement)
        return self._hit(ctx, Suggestion(rw.tidy(text)))
