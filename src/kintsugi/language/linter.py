"""Lint Markdown or plain text for blameful language.

One compiled prefilter (every rule's triggers) runs over the masked text; only the
sentences it hits are analysed. Findings are mapped back to lines and columns of the
original text and filtered by ``<!-- kintsugi: allow RULE -->`` comments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING

import yaml

from kintsugi.language.check_base import Hit
from kintsugi.language.detectors import Detector
from kintsugi.language.findings import Finding, Fix
from kintsugi.language.masking import allowances, front_matter, mask_markdown, mask_plain
from kintsugi.language.names import People
from kintsugi.language.rules import RuleSet, default_rules
from kintsugi.language.subjects import SubjectFinder

if TYPE_CHECKING:
    from kintsugi.core.limits import Deadline
    from kintsugi.postmortems.document import Document

BLOCKING_SEVERITIES = frozenset({"error", "warning"})
_WINDOW = 800
_SENTENCE_END = re.compile(r"[.!?][)\]\"'”’*_]*(?=\s|$)|\|")
_BLOCK_START = re.compile(
    r"[ \t]*(?:[-*+][ \t]|\d{1,3}[.)][ \t]|#{1,6}[ \t]|\||>|$|[=-]{3,}[ \t]*$)"
)
_HEADING_OR_ROW = re.compile(r"[ \t]*(?:#{1,6}[ \t]|\|)")
_LEAD = re.compile(r"[ \t]*(?:(?:[-*+]|\d{1,3}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?|#{1,6}[ \t]+)?")
_FRONT_MATTER_PEOPLE = (
    "authors",
    "author",
    "participants",
    "responders",
    "owner",
    "owners",
    "incident_commander",
    "commander",
    "facilitator",
    "reviewers",
)


def _line_start(text: str, pos: int, floor: int) -> int:
    found = text.rfind("\n", floor, pos)
    return floor if found < 0 else found + 1


def _line_end(text: str, pos: int, ceiling: int) -> int:
    found = text.find("\n", pos, ceiling)
    return ceiling if found < 0 else found


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """The sentence of (masked) ``text`` that contains ``pos``: [start, end)."""
    floor = max(0, pos - _WINDOW)
    ceiling = min(len(text), pos + _WINDOW)
    # backwards: the last sentence end before pos, within the paragraph
    start = None
    line_start = _line_start(text, pos, floor)
    cursor_end = pos
    while start is None:
        last = None
        for found in _SENTENCE_END.finditer(text, line_start, cursor_end):
            last = found
        if last is not None:
            start = last.end()
            break
        if line_start <= floor or _BLOCK_START.match(text, line_start):
            start = line_start
            break
        previous_start = _line_start(text, line_start - 1, floor)
        previous = text[previous_start : line_start - 1]
        if (
            not previous.strip()
            or _HEADING_OR_ROW.match(previous)
            or _BLOCK_START.fullmatch(previous)
        ):
            start = line_start
            break
        cursor_end = line_start - 1
        line_start = previous_start
    # forwards: the first sentence end after pos, within the paragraph
    end = None
    line_end = _line_end(text, pos, ceiling)
    cursor = pos
    while end is None:
        stop = _SENTENCE_END.search(text, cursor, line_end)
        if stop is not None:
            end = stop.end() if stop.group() != "|" else stop.start()
            break
        current_start = _line_start(text, pos if cursor == pos else cursor, floor)
        if line_end >= ceiling or _HEADING_OR_ROW.match(text, current_start):
            end = line_end
            break
        next_start = line_end + 1
        next_end = _line_end(text, next_start, ceiling)
        if not text[next_start:next_end].strip() or _BLOCK_START.match(text, next_start):
            end = line_end
            break
        cursor, line_end = next_start, next_end
    lead = _LEAD.match(text, start)
    if lead and lead.end() <= pos:
        start = lead.end()
    while start < pos and text[start] in " \t\n":
        start += 1
    return start, end


class Linter:
    """Lints texts with one rule set and the organisation's roster."""

    def __init__(self, rules: RuleSet | None = None, *, roster: Iterable[str] = ()) -> None:
        self.rules = rules or default_rules()
        self.roster = tuple(roster)

    def _analyse(
        self,
        detector: Detector,
        text: str,
        masked: str,
        bounds: tuple[int, int],
        words: set[str],
        hits: list[tuple[int, int, Hit, int, int]],
    ) -> None:
        """Run the triggers that the sentence's rule words wake up."""
        start, end = bounds
        sentence, original = masked[start:end], text[start:end]
        triggers = self.rules.triggers
        for index in self.rules.triggers_for(words):
            trigger = triggers[index]
            for match in trigger.regex.finditer(sentence):
                hit = detector.judge(trigger, match, sentence, original)
                if hit is not None:
                    hits.append((start + hit.start, start + hit.end, hit, start, end))

    def _detector(self, participants: Iterable[str], systems: Iterable[str]) -> Detector:
        people = People(
            self.rules.lexicon, participants=participants, roster=self.roster, systems=systems
        )
        return Detector(self.rules, SubjectFinder(self.rules.lexicon, people))

    def lint(
        self,
        text: str,
        *,
        file: str = "<text>",
        markdown: bool = True,
        participants: Iterable[str] = (),
        systems: Iterable[str] = (),
        first_line: int = 1,
        deadline: Deadline | None = None,
    ) -> list[Finding]:
        """Findings in ``text``, in order; ``first_line`` numbers its first line.

        Raises OutOfTimeError once ``deadline`` (if any) passes; checked before each sentence.
        """
        masked = mask_markdown(text) if markdown else mask_plain(text)
        people = list(participants)
        services = list(systems)
        if markdown and text.startswith(("---", "\ufeff---")):
            more_people, more_systems = _front_matter_people(text)
            people += more_people
            services += more_systems
        detector = self._detector(people, services)
        hits: list[tuple[int, int, Hit, int, int]] = []
        lowered = masked.lower()
        scanner = self.rules.prefilter
        if len(lowered) != len(masked):  # a few characters change length when lowered
            scanner, lowered = re.compile(scanner.pattern, re.IGNORECASE), masked
        bounds: tuple[int, int] | None = None
        words: set[str] = set()
        for match in scanner.finditer(lowered):
            pos = match.start()
            if bounds is None or not bounds[0] <= pos < bounds[1]:
                if bounds is not None:
                    self._analyse(detector, text, masked, bounds, words, hits)
                if deadline is not None:
                    deadline.check("the text")
                bounds, words = sentence_bounds(masked, pos), set()
                if not bounds[0] <= pos < bounds[1]:
                    bounds = None
                    continue
            word = match.group()
            words.add(word if word.isalpha() else " ".join(word.lower().split()))
        if bounds is not None:
            self._analyse(detector, text, masked, bounds, words, hits)
        return self._findings(text, hits, file=file, first_line=first_line)

    def _findings(
        self,
        text: str,
        hits: list[tuple[int, int, Hit, int, int]],
        *,
        file: str,
        first_line: int,
    ) -> list[Finding]:
        allowed = allowances(text)
        findings: list[Finding] = []
        # hits come in order of their start, so a hit overlaps an earlier one of its rule
        # exactly when that rule's furthest end so far lies beyond its start
        furthest: dict[str, int] = {}
        line, line_pos, line_start = 1, 0, 0
        for begin, finish, hit, s_start, s_end in sorted(hits, key=lambda h: (h[0], h[1])):
            if furthest.get(hit.rule, -1) > begin:
                continue
            furthest[hit.rule] = max(furthest.get(hit.rule, -1), finish)
            newlines = text.count("\n", line_pos, begin)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", line_pos, begin) + 1
            line_pos = begin
            col_start = begin - line_start + 1
            if allowed.allows(hit.rule, line):
                continue
            end_line = line + text.count("\n", begin, finish)
            last_newline = text.rfind("\n", begin, finish)
            col_end = finish - (last_newline + 1 if last_newline >= 0 else line_start) + 1
            rule = self.rules.rules[hit.rule]
            severity = rule.severity
            suggestion = hit.suggestion
            fix = None
            if suggestion is not None and suggestion.fixable:
                fix = Fix(s_start, s_end, suggestion.text)
            findings.append(
                Finding(
                    file=file,
                    line=line + first_line - 1,
                    column=col_start,
                    end_line=end_line + first_line - 1,
                    end_column=col_end,
                    rule=hit.rule,
                    severity=severity,
                    message=hit.message,
                    suggestion=suggestion.text if suggestion else None,
                    start=begin,
                    end=finish,
                    fix=fix,
                    guideline=rule.guideline_path,
                )
            )
        return findings


def _front_matter_people(text: str) -> tuple[list[str], list[str]]:
    block = front_matter(text)
    if not block:
        return [], []
    try:
        data = yaml.safe_load(block)
    except Exception:  # malformed front matter is the importer's business, not the linter's
        return [], []
    if not isinstance(data, dict):
        return [], []
    people: list[str] = []
    for key in _FRONT_MATTER_PEOPLE:
        people += _strings(data.get(key))
    return people, _strings(data.get("services"))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int)) and str(v).strip()]
    if isinstance(value, dict):
        return [str(v) for v in value.values() if isinstance(v, str)]
    return []


def lint_text(
    text: str,
    *,
    file: str = "<text>",
    participants: Iterable[str] = (),
    roster: Iterable[str] = (),
    markdown: bool = True,
    rules: RuleSet | None = None,
) -> list[Finding]:
    """Findings in one Markdown (or plain) text."""
    linter = Linter(rules, roster=roster)
    return linter.lint(text, file=file, markdown=markdown, participants=participants)


def lint_named_texts(
    texts: Mapping[str, str] | Iterable[tuple[str, str]],
    *,
    participants: Iterable[str] = (),
    roster: Iterable[str] = (),
    systems: Iterable[str] = (),
    markdown: bool = True,
    rules: RuleSet | None = None,
) -> list[Finding]:
    """Findings in several named texts (an RCA's answers, action items), in the given order.

    Each finding's ``file`` is its text's name ("rca#why-1", "action-item-3"); lines count
    from 1 in each text. One linter and one set of people serve all the texts.
    """
    linter = Linter(rules, roster=roster)
    people, services = list(participants), list(systems)
    items = texts.items() if isinstance(texts, Mapping) else texts
    findings: list[Finding] = []
    for name, text in items:
        if text and text.strip():
            findings += linter.lint(
                text, file=name, markdown=markdown, participants=people, systems=services
            )
    return findings


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that block publishing until fixed or overridden by a reviewer."""
    return [f for f in findings if f.severity in BLOCKING_SEVERITIES]


def apply_fixes(text: str, findings: Iterable[Finding]) -> tuple[str, int]:
    """``text`` with every fixable finding's sentence rewritten; returns (text, fixes applied).

    When several findings touch one sentence, the first one's rewrite wins.
    """
    fixes = sorted({f.fix for f in findings if f.fix is not None}, key=lambda fx: fx.start)
    pieces: list[str] = []
    cursor = 0
    applied = 0
    for fix in fixes:
        if fix.start < cursor:
            continue
        pieces.append(text[cursor : fix.start])
        pieces.append(fix.replacement)
        cursor = fix.end
        applied += 1
    pieces.append(text[cursor:])
    return "".join(pieces), applied


def document_participants(doc: Document) -> list[str]:
    """The people a document names: authors, timeline actors, action item owners."""
    people = list(doc.authors)
    people += [event.actor for event in doc.timeline if event.actor]
    people += [item.owner for item in doc.action_items if item.owner]
    for key in _FRONT_MATTER_PEOPLE:
        people += _strings(doc.extra.get(key))
    return people


def lint_document(
    doc: Document,
    roster: Iterable[str] = (),
    *,
    rules: RuleSet | None = None,
    deadline: Deadline | None = None,
) -> list[Finding]:
    """Findings in a stored document: its title, each section, timeline and action items.

    ``file`` is ``"<id>#<section key>"``; lines are relative to the section's Markdown.
    Raises OutOfTimeError once ``deadline`` (if any) passes.
    """
    linter = Linter(rules, roster=roster)
    participants = document_participants(doc)
    name = doc.id or "document"
    lint = partial(linter.lint, deadline=deadline)
    findings = lint(
        doc.title, file=f"{name}#title", participants=participants, systems=doc.services
    )
    keys = {section.key for section in doc.sections}
    for section in doc.sections:
        findings += lint(
            section.markdown,
            file=f"{name}#{section.key}",
            participants=participants,
            systems=doc.services,
        )
    if "timeline" not in keys:
        for number, event in enumerate(doc.timeline, 1):
            findings += lint(
                event.text,
                file=f"{name}#timeline-{number}",
                participants=participants,
                systems=doc.services,
            )
    if "action_items" not in keys:
        for number, item in enumerate(doc.action_items, 1):
            findings += lint(
                item.title,
                file=f"{name}#action-item-{number}",
                participants=participants,
                systems=doc.services,
            )
    return findings


def blocking_findings(
    doc: Document,
    roster: Iterable[str] = (),
    *,
    rules: RuleSet | None = None,
    deadline: Deadline | None = None,
) -> list[Finding]:
    """Findings that block publishing ``doc`` until fixed or overridden by a reviewer.

    Raises OutOfTimeError once ``deadline`` (if any) passes.
    """
    return blocking(lint_document(doc, roster, rules=rules, deadline=deadline))
