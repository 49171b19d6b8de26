"""Checks for blame framed through belief, state, self-blame, wrong targets and "someone".

"Wrongly assumed the cache would warm itself", "an exhausted on-call engineer", "this one is
on me", "ran the script against production instead of staging", "someone hard-coded the
expiry date": each names a person through what they believed, how they were, whose fault it
is or which target they picked. Each check takes the ``Detector`` and one match, like the
checks in detectors.py, and keeps the same rules' messages and guideline links.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from kintsugi.language import rewrite as rw
from kintsugi.language.questions import object_of
from kintsugi.language.rewrite import Suggestion
from kintsugi.language.rules import words
from kintsugi.language.subjects import Agent, looks_like_verb

if TYPE_CHECKING:
    from kintsugi.language.check_base import Context, Hit
    from kintsugi.language.detectors import Detector

Check = Callable[["Context"], "Hit | None"]

_PEOPLE = frozenset({Agent.INDIVIDUAL, Agent.GENERIC, Agent.COLLECTIVE, Agent.NAME_GUESS})
_PERSONS = frozenset({Agent.INDIVIDUAL, Agent.GENERIC})
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_OBJECT_PRONOUNS = words("me us him her them you myself ourselves")
# what an "on X" verdict is about: "this is on me", "the outage is on Dave"
_VERDICT_HEADS = words(
    """
    this that it one outage incident failure mistake blame error miss lapse oversight
    downtime breakage responsibility fault
    """
)
_STEP_BACK = words(
    """
    need needs needed to must should have has had got will would 'll ’ll really also all just
    going gonna ought
    """
)
# verbs after "someone" that report a helpful or neutral act, not a culprit's
_NEUTRAL_ACTS = words(
    """
    joined noticed reported asked suggested mentioned pointed answered replied responded
    acknowledged escalated helped called fixed restored resolved spotted found confirmed
    volunteered raised filed opened flagged shared posted wrote said saw checked
    investigated paged alerted contacted noted caught discovered identified realised
    realized recovered rolled tried offered proposed explained
    """
)
# "-ing" words that name a place or thing after "instead of", not a course of action
_ING_NOUNS = words(
    """
    staging testing existing pending incoming outgoing something nothing anything everything
    morning evening listing logging routing building string thing
    """
)
_REASONED = re.compile(
    r"\b(?:because|since|as\s+(?:planned|agreed|intended|described|documented)|to\s+avoid|so\s+that|"
    r"as\s+(?:the|our|its|their)|on\s+purpose|deliberately)\b",
    re.IGNORECASE,
)
_NOTE = re.compile(r"\s+(?:a|an|the)\s+(?:\w+\s+)?(?:comment|note|message|reply|review)s?\b", re.I)
_BELIEF_VERBS = re.compile(
    r"\s*(?:assum|believ|thought|think|conclud|presum|expect|trust|suppos|understood|took)", re.I
)


def _after_subject(det: Detector, ctx: Context, pos: int) -> tuple[Agent, str, int]:
    subject = det.finder.after(ctx.masked, pos)
    return subject.agent, ctx.original[subject.start : subject.end], subject.start


def belief(det: Detector, ctx: Context) -> Hit | None:
    """ "We wrongly assumed", "Tom mistakenly believed": hindsight about a belief."""
    subject = det.finder.before(ctx.masked, ctx.match.start())
    if subject.agent not in _PEOPLE:
        return None
    adverb = _WORD.findall(ctx.text)[0]
    start = ctx.match.start()
    text = rw.replace_span(ctx.original, start, start + len(adverb), "")
    text = rw.sentence_rest(text) + "; describe what made that reasonable at the time"
    return det._hit(ctx, Suggestion(rw.tidy(text)), start=subject.start, subject=subject.text)


def fronted_belief(det: Detector, ctx: Context) -> Hit | None:
    """ "Not realising the replica was behind, he promoted it" and the trailing form."""
    head = ctx.text.strip(" ,;:(").lower()
    # "believing", "assuming" and "without knowing the cause, we rolled back" describe what
    # people knew; only a person's, not a team's, reads as hindsight about them
    believing = head.startswith(("believing", "assuming", "thinking")) or "know" in head
    believing = believing or "understand" in head
    after = ctx.masked[ctx.match.end() :]
    if re.match(r"\s+(?:about|of|through)\b", after, re.I):
        return None  # "thinking about the risk"
    if re.match(r"\s+(?:which|what|where|whether|how|if|why|when|who)\b", after, re.I):
        return None  # "not knowing which region was affected": uncertainty, not a missed fact
    fronted = not ctx.masked[: ctx.match.start()].strip(" *_#-,;:(")
    if fronted:
        comma = ctx.masked.find(",", ctx.match.end())
        if comma < 0:
            return None
        agent, who, start = _after_subject(det, ctx, comma + 1)
    else:
        subject, _verb = det.finder.clause_initial(ctx.masked, ctx.match.start())
        if subject.agent not in _PEOPLE:  # "The engineer, unaware that ..., deleted it"
            subject = det.finder.before(ctx.masked, ctx.match.start())
        agent, who, start = subject.agent, ctx.original[subject.start : subject.end], subject.start
    # an unknown capitalised word ("Customers") is no person for a belief
    if agent not in (_PERSONS if believing else _PEOPLE - {Agent.NAME_GUESS}):
        return None
    who = " ".join(who.split())
    first_word = who.split(" ", 1)[0].lower()
    if first_word in {"he", "she", "we", "they", "you", "the", "a", "an", "our", "their", "his"}:
        who = who[:1].lower() + who[1:]
    text = (
        f"What did {who or 'the people involved'} see at the time that made this "
        "reasonable, and what would have shown the real state?"
    )
    hit = det._hit(ctx, Suggestion(rw.tidy(text), fixable=False), subject=who)
    return replace(hit, start=min(hit.start, start))


def on_person(det: Detector, ctx: Context) -> Hit | None:
    """ "This one is on me", "the outage is on Dave": a verdict of fault."""
    before = _WORD.findall(ctx.masked[max(0, ctx.match.start() - 40) : ctx.match.start()])
    if not before or before[-1].lower() not in _VERDICT_HEADS:
        return None
    agent, who, _start = _after_subject(det, ctx, ctx.match.end())
    first = who.split()[0].lower() if who.split() else ""
    if first not in _OBJECT_PRONOUNS and agent not in _PEOPLE:
        return None
    after = ctx.masked[ctx.match.end() :]
    at = after.find(who) if who else -1
    if at >= 0 and re.match(r"\s+to\s", after[at + len(who) :]):
        return None  # "it is on us to fix the tooling": owning the follow-up
    hit = det._hit(
        ctx,
        Suggestion(
            "What conditions made this possible, and what would have caught it? Describe "
            "those instead of whose fault it was.",
            fixable=False,
        ),
    )
    end = ctx.original.find(who, ctx.match.end()) + len(who) if who else hit.end
    return replace(hit, end=max(hit.end, end))


def state(det: Detector, ctx: Context) -> Hit | None:
    """ "An exhausted on-call engineer restarted...": a person's state as the explanation."""
    agent, _who, _start = _after_subject(det, ctx, ctx.match.end())
    if agent not in (Agent.INDIVIDUAL, Agent.GENERIC):
        return None
    return det._hit(ctx, det._state_advice())


def state_predicative(det: Detector, ctx: Context) -> Hit | None:
    """ "The team was tired", "the engineer was too rushed to read": state of a person."""
    after = ctx.masked[ctx.match.end() : ctx.match.end() + 12].lower()
    if re.match(r"\s+of\b", after):
        return None  # "tired of manual renewals": fed up, not a state that explains
    subject = det.finder.before(ctx.masked, ctx.match.start())
    if subject.agent not in _PEOPLE:
        return None
    return det._hit(ctx, det._state_advice(), start=subject.start, subject=subject.text)


def instead_of(det: Detector, ctx: Context) -> Hit | None:
    """ "The operator ran the script against production instead of staging"."""
    subject, verb_at = det.finder.clause_initial(ctx.masked, ctx.match.start())
    if verb_at is None or subject.agent is not Agent.INDIVIDUAL:
        return None
    following = _WORD.findall(ctx.masked[ctx.match.end() : ctx.match.end() + 40])
    first = following[0].lower() if following else ""
    if not first or (first.endswith("ing") and first not in _ING_NOUNS):
        return None  # "instead of rolling back": a choice between courses, not a target
    if _REASONED.search(ctx.masked, ctx.match.end()):
        return None  # "used the CLI rather than the console because it was down": a choice
    between = ctx.original[verb_at : ctx.match.start()]
    verbs = _WORD.findall(between)
    if not verbs or not looks_like_verb(verbs[0], det.lexicon):
        return None
    verb = verbs[0]
    if verb.lower() not in det.lexicon.action_verbs and verb.lower() not in {"typed", "ran"}:
        return None
    base = rw.base_verb(verb, det.lexicon)
    rest = rw.sentence_rest(ctx.original[verb_at + between.find(verb) + len(verb) :])
    who = det._actor(ctx, subject)
    clause = f"Nothing in the tooling stopped {who} from {rw.gerund(base)} {rest}"
    return det._rewrite(ctx, subject, clause)


def someone(det: Detector, ctx: Context) -> Hit | None:
    """ "Someone hard-coded the expiry date": an unnamed culprit."""
    verb = ctx.match.group("verb")
    low = verb.lower()
    if low in _NEUTRAL_ACTS or not looks_like_verb(verb, det.lexicon):
        return None
    if _NOTE.match(ctx.masked, ctx.match.end()):
        return None  # "someone left a comment in the ticket"
    before = ctx.masked[max(0, ctx.match.start() - 20) : ctx.match.start()]
    if re.search(r"\b(?:if|when|unless|whether|so\s+that|in\s+case)\s+$", before, re.I):
        return None  # "so that someone changed..." is a condition, not a report
    obj = object_of(ctx.original[ctx.match.end() :])
    if low.endswith("ed") and obj:
        obj_words = obj.split()
        if obj_words and obj_words[0].lower() in {"out", "off", "on", "in", "up", "down"}:
            low, obj = f"{low} {obj_words[0].lower()}", " ".join(obj_words[1:])
        text = f"How did {obj} come to be {low}, and what would have caught it?"
    else:
        text = "What let this change through without a check at the time?"
    return det._hit(ctx, Suggestion(rw.tidy(text), fixable=False))


def better_at(det: Detector, ctx: Context) -> Hit | None:
    """ "We need to be better at deploying...": an action item that asks for more effort."""
    before = ctx.masked[: ctx.match.start()]
    found = list(re.finditer(r"[\w'’]+", before[-60:]))
    end = len(before)
    for word in reversed(found):
        if word.group().lower() not in _STEP_BACK:
            break
        end = len(before) - 60 + word.start() if len(before) > 60 else word.start()
    subject = det.finder.before(ctx.masked, end)
    if subject.agent not in _PEOPLE and before.strip(" *_#-"):
        return None
    rest = rw.sentence_rest(ctx.original[ctx.match.end() :])
    text = (
        f"Change the tooling or process so that {rest} is the easy path, instead of relying "
        "on people doing better"
        if rest
        else "Change the tooling or process instead of relying on people doing better"
    )
    return det._hit(ctx, Suggestion(rw.tidy(text)))


def checks(det: Detector) -> dict[tuple[str, str], Check]:
    """The (rule, kind) checks of this module, bound to ``det``."""
    table: dict[tuple[str, str], Callable[[Detector, Context], Hit | None]] = {
        ("hindsight", "belief"): belief,
        ("hindsight", "fronted_belief"): fronted_belief,
        ("fault-label", "on_person"): on_person,
        ("fault-label", "state"): state,
        ("fault-label", "state_predicative"): state_predicative,
        ("person-lapse", "instead_of"): instead_of,
        ("person-lapse", "someone"): someone,
        ("try-harder", "better_at"): better_at,
    }
    return {key: partial(check, det) for key, check in table.items()}


def is_belief_verb(text: str) -> bool:
    """True when ``text`` starts with a verb of belief ("assumed", "thought")."""
    return bool(_BELIEF_VERBS.match(text))
