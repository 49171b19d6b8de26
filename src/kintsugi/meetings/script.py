"""The facilitator's script: what to say and ask in each agenda part, filled in with this
incident, and the prompts for the difficult moments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import PlainSerializer, SerializerFunctionWrapHandler, TypeAdapter, WrapSerializer

from kintsugi.meetings.agenda import AgendaPart, agenda
from kintsugi.postmortems.document import Document

BLAMELESS_REMINDER = (
    "This is a blameless review. We assume everyone did the best they could with what they "
    "knew at the time; we look for what in the system, the process and the tools made the "
    "incident possible, not for whom to blame."
)
PREP_ASKS = (
    "What you observed, and when",
    "The decisions you made, and why they made sense at the time",
    "What you learned",
    "What could improve",
)


@dataclass(frozen=True)
class Prompt:
    """What to say in a difficult moment."""

    key: str
    moment: str
    say: str


PROMPTS: tuple[Prompt, ...] = (
    Prompt(
        "blame",
        "Someone blames a person",
        "Let's step back from who to what: what made that action make sense at the time? "
        "What in the system or the process would have caught it or prevented it?",
    ),
    Prompt(
        "defensive",
        "Someone gets defensive",
        "Thank you for walking us through it. Nobody is on trial here: you are the expert on "
        "what you saw. What information did you have at that moment?",
    ),
    Prompt(
        "drift",
        "The talk drifts",
        "That is worth its own conversation; let's park it in the notes and come back to "
        "the timeline so we keep to the time we have.",
    ),
    Prompt(
        "skip-actions",
        "Someone wants to skip the action items",
        "Without owners and dates, this meeting changes nothing. Let's take five minutes: "
        "one action, one owner, one date each, and the smallest useful step is enough.",
    ),
)
PROMPTS_BY_KEY = {p.key: p for p in PROMPTS}
REDIRECT_PROMPT = PROMPTS_BY_KEY["blame"].say


PromptKey = Annotated[Prompt, PlainSerializer(lambda prompt: prompt.key, return_type=str)]
"""A prompt a part refers to: its JSON names the prompt by key (the script lists them all)."""


@dataclass(frozen=True)
class ScriptPart:
    """One agenda part of the script."""

    part: AgendaPart
    say: list[str]
    ask: list[str]
    prompts: list[PromptKey]

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _PART_WIRE.dump_python(self, mode="json")
        return wire


def _flatten(part: ScriptPart, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
    """A script part's JSON is its agenda part's keys followed by its own."""
    wire = handler(part)
    return {**wire.pop("part"), **wire}


FlatScriptPart = Annotated[ScriptPart, WrapSerializer(_flatten)]


@dataclass(frozen=True)
class Script:
    title: str
    summary: str
    responders: list[str]
    parts: list[FlatScriptPart]
    prompts: tuple[Prompt, ...] = PROMPTS

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return wire


_PART_WIRE = TypeAdapter(FlatScriptPart)
_WIRE = TypeAdapter(Script)


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def summary_of(doc: Document, limit: int = 600) -> str:
    """The document's summary in plain words (guidance comments left out), shortened."""
    section = doc.section("summary") or doc.section("scenario")
    text = _COMMENT.sub("", section.markdown if section else "").strip()
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def responders(doc: Document) -> list[str]:
    """The people and systems acting in the timeline, in timeline order, each once."""
    seen: dict[str, str] = {}
    for event in doc.timeline:
        if event.actor and event.actor.strip().lower() not in seen:
            seen[event.actor.strip().lower()] = event.actor.strip()
    return list(seen.values())


def _postmortem_lines(
    key: str, doc: Document, who: str, summary: str
) -> tuple[list[str], list[str]]:
    title = doc.title
    lines: dict[str, tuple[list[str], list[str]]] = {
        "welcome": (
            [
                f"Welcome, everyone. We are here to learn from \u201c{title}\u201d.",
                BLAMELESS_REMINDER,
                "Ground rules: one conversation at a time, curiosity over judgement, and "
                "\u201cwhat\u201d and \u201chow\u201d questions rather than \u201cwho\u201d.",
            ],
            ["Who is taking notes today (the scribe)?"],
        ),
        "overview": (
            [
                f"In short: {summary}" if summary else f"A short overview of \u201c{title}\u201d.",
                f"Severity {doc.severity.value if doc.severity else 'not set'}; "
                f"responders in the order they appear in the timeline: {who}.",
            ],
            ["Is anything in this summary wrong or missing?"],
        ),
        "what-happened": (
            [
                "Let's walk the timeline in order. Each responder tells what they saw and "
                f"did, in turn: {who}.",
            ],
            [
                "What did you see at that point, and where?",
                "What options did you have, and what made this one make sense?",
                "What surprised you?",
            ],
        ),
        "root-causes": (
            ["Now the conditions that allowed it: there is rarely a single root cause."],
            [
                "What in the system allowed this to happen?",
                "What made detection take as long as it did?",
                "Which safeguards existed, and why did they not stop it?",
            ],
        ),
        "went-well": (
            ["What went well is as important as what went wrong: it is what we keep."],
            ["What helped us detect, respond or recover?", "Where did we get lucky?"],
        ),
        "could-improve": (
            ["Where could the system, the tools or the process help us more next time?"],
            ["What was harder than it should have been?", "What information was missing?"],
        ),
        "action-items": (
            ["For each improvement: one action, one owner, a priority and a due date."],
            ["Who owns this?", "What is the smallest step that makes a difference?"],
        ),
        "closing": (
            [
                "Thank you all. The notes go out within 24 hours and the post-mortem is "
                "published within a week.",
            ],
            ["Anything we have not said that should be in the post-mortem?"],
        ),
    }
    return lines.get(key, ([], []))


def _premortem_lines(key: str, doc: Document, summary: str) -> tuple[list[str], list[str]]:
    lines: dict[str, tuple[list[str], list[str]]] = {
        "scenario": (
            [
                "Imagine it is six months from now and this change caused a SEV1.",
                f"The change: \u201c{doc.title}\u201d." + (f" {summary}" if summary else ""),
            ],
            ["Is everyone clear on what the change is?"],
        ),
        "story": (
            ["Each of you, write the story of how it failed, then we read them in turn."],
            ["What was the first sign?", "What made it worse?"],
        ),
        "premortem-causes": (
            ["Group the stories into causes: what in the system let it happen?"],
            ["Which of these is most likely?", "Which would hurt most?"],
        ),
        "preventions": (
            ["For each likely cause: what would stop it, or make it harmless?"],
            ["What can we detect earlier?", "What can we make reversible?"],
        ),
        "premortem-actions": (
            ["Turn the preventions into action items with an owner, priority and due date."],
            ["Who owns this?", "When must it be done relative to the change?"],
        ),
    }
    return lines.get(key, ([], []))


def _learning_lines(key: str, titles: list[str]) -> tuple[list[str], list[str]]:
    listed = "; ".join(f"\u201c{t}\u201d" for t in titles) or "the incidents chosen"
    lines: dict[str, tuple[list[str], list[str]]] = {
        "welcome": ([f"Welcome. Today we learn from: {listed}.", BLAMELESS_REMINDER], []),
        "overview": (["A short overview of each incident by someone who was there."], []),
        "root-causes": (
            ["What do these incidents teach us about our systems?"],
            ["What patterns do we see across them?"],
        ),
        "could-improve": (["What could we change so that it does not recur?"], []),
        "closing": (["Thank you. The notes will be shared with everyone."], []),
    }
    return lines.get(key, ([], []))


_PART_PROMPTS = {
    "what-happened": ("blame", "defensive", "drift"),
    "root-causes": ("blame", "drift"),
    "could-improve": ("blame", "drift"),
    "action-items": ("skip-actions",),
    "story": ("blame",),
    "premortem-causes": ("blame", "drift"),
    "premortem-actions": ("skip-actions",),
}


def build_script(
    kind: str, doc: Document, minutes: int = 60, *, titles: list[str] | None = None
) -> Script:
    """The script of a ``kind`` meeting about ``doc`` lasting ``minutes``."""
    summary = summary_of(doc)
    people = responders(doc)
    who = ", ".join(people) if people else "(no responders recorded in the timeline)"
    parts: list[ScriptPart] = []
    for part in agenda(kind, minutes):
        if kind == "premortem":
            say, ask = _premortem_lines(part.key, doc, summary)
        elif kind == "learning":
            say, ask = _learning_lines(part.key, titles or [])
        else:
            say, ask = _postmortem_lines(part.key, doc, who, summary)
        prompts = [PROMPTS_BY_KEY[k] for k in _PART_PROMPTS.get(part.key, ())]
        parts.append(ScriptPart(part, say, ask, prompts))
    return Script(doc.title, summary, people, parts)
