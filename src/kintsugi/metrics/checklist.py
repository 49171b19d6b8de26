"""The guide's post-mortem quality checklist, checked from the data where it can be and by a
reviewer where it cannot.

Each item is *passed*, *failed* or *needs review*, with why. Items that only a person can
judge (the summary is clear, leadership reviewed it, completion verified, impact measured) and
automatic items the data cannot settle take a reviewer's answer (``set_answer``, editors);
an automatic pass or fail stands. The score is the share of items passed (0-100);
publishing warns below the policy's ``checklist.publish_warning_score``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from pydantic.dataclasses import dataclass as pydantic_dataclass
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kintsugi.actions.service import has_updates
from kintsugi.core.errors import InputError
from kintsugi.core.types import utcnow
from kintsugi.language.linter import blocking_findings
from kintsugi.library.index import is_indexed
from kintsugi.meetings.service import attendance
from kintsugi.metrics.deadlines import deadline_of
from kintsugi.metrics.models import ChecklistAnswerRow
from kintsugi.metrics.policy import Policy, effective_policy
from kintsugi.metrics.queries import DOCUMENTATION_WORDS
from kintsugi.people.bots import is_bot, known_bots
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal
from kintsugi.postmortems import review
from kintsugi.postmortems.body import synced
from kintsugi.postmortems.document import (
    ActionItem,
    ActionItemKind,
    ActionItemStatus,
    Document,
    Kind,
    Section,
    Status,
)
from kintsugi.postmortems.lookups import published_time
from kintsugi.postmortems.service import find_row, get_document, roster
from kintsugi.rca.service import analysis_exists, analysis_text

PASSED, FAILED, NEEDS_REVIEW = "passed", "failed", "needs_review"
ANSWERS = (PASSED, FAILED)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


@dataclass(frozen=True)
class ItemSpec:
    key: str
    group: str  # content, process, follow_up
    label: str


ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec("executive_summary", "content", "Executive summary is clear"),
    ItemSpec("timeline_complete", "content", "Timeline is complete"),
    ItemSpec("root_causes_analysed", "content", "Root causes are analysed"),
    ItemSpec("contributing_factors", "content", "Contributing factors are identified"),
    ItemSpec("what_went_well", "content", "What went well is recorded"),
    ItemSpec(
        "action_items_actionable",
        "content",
        "Action items are specific, with owners, due dates and priorities",
    ),
    ItemSpec("within_deadline", "process", "Written within the deadline"),
    ItemSpec("responders_participated", "process", "All responders participated"),
    ItemSpec("blameless_language", "process", "Blameless language throughout"),
    ItemSpec("reviewed_by_leadership", "process", "Reviewed by leadership"),
    ItemSpec("published", "process", "Published"),
    ItemSpec("in_library", "process", "In the library"),
    ItemSpec("items_tracked", "follow_up", "Action items are tracked"),
    ItemSpec("status_updates", "follow_up", "Action items have status updates"),
    ItemSpec("completion_verified", "follow_up", "Completion is verified"),
    ItemSpec("impact_measured", "follow_up", "Impact of the changes is measured"),
    ItemSpec("documentation_updated", "follow_up", "Documentation is updated"),
)
KEYS = tuple(item.key for item in ITEMS)


@pydantic_dataclass(frozen=True)
class Result:
    """One checklist item's outcome."""

    key: str
    group: str
    label: str
    state: str
    why: str
    answered_by: str | None = None


RESULT_JSON = TypeAdapter(Result)


@dataclass(frozen=True)
class Checklist:
    """The checklist of one post-mortem."""

    postmortem_id: str
    results: list[Result]
    minimum: float

    @property
    def score(self) -> float:
        passed = sum(1 for r in self.results if r.state == PASSED)
        return round(passed / len(self.results) * 100, 1) if self.results else 0.0

    @property
    def below_minimum(self) -> bool:
        return self.score < self.minimum

    def count(self, state: str) -> int:
        return sum(1 for r in self.results if r.state == state)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.postmortem_id,
            "score": self.score,
            "minimum": self.minimum,
            "below_minimum": self.below_minimum,
            "passed": self.count(PASSED),
            "failed": self.count(FAILED),
            "needs_review": self.count(NEEDS_REVIEW),
            "items": [RESULT_JSON.dump_python(r, mode="json") for r in self.results],
        }


@dataclass(frozen=True)
class Facts:
    """What the automatic checks read besides the document."""

    has_analysis: bool
    in_library: bool
    published_at: datetime | None
    attendance: set[str] | None
    lint_findings: int
    item_updates: int  # items whose status changed since they were created
    analysis_factors: int = 0  # root causes and primary or secondary factors in the analysis
    bots: frozenset[str] = frozenset()  # names of bots and service accounts (never responders)


def _written(doc: Document, key: str) -> bool:
    section = doc.section(key)
    return bool(section and _COMMENT.sub("", section.markdown).strip(" \n|-"))


def is_documentation(item: ActionItem) -> bool:
    """Of kind documentation, or without a kind and worded so (see DOCUMENTATION_WORDS)."""
    if item.kind is not None:
        return item.kind == ActionItemKind.DOCUMENTATION
    title = item.title.lower()
    return any(word in title for word in DOCUMENTATION_WORDS)


def _automatic(doc: Document, facts: Facts, policy: Policy, now: datetime) -> dict[str, Result]:
    found: dict[str, tuple[str, str]] = {}
    items = doc.action_items

    found["executive_summary"] = (
        (NEEDS_REVIEW, "a summary is written; a reviewer judges whether it is clear")
        if _written(doc, "summary")
        else (FAILED, "the summary section is missing or empty")
    )
    timed = [e for e in doc.timeline if e.at is not None]
    milestones = [
        name
        for name, value in (("start", doc.started_at), ("resolution", doc.resolved_at))
        if value is None
    ]
    if len(timed) < 2:
        found["timeline_complete"] = (FAILED, f"{len(timed)} timed event(s); at least 2 needed")
    elif milestones:
        found["timeline_complete"] = (FAILED, f"the {' and '.join(milestones)} time is missing")
    else:
        found["timeline_complete"] = (PASSED, f"{len(timed)} timed events, start and resolution")
    if facts.has_analysis:
        found["root_causes_analysed"] = (PASSED, "a root cause analysis is stored")
    elif _written(doc, "root_cause"):
        found["root_causes_analysed"] = (
            NEEDS_REVIEW,
            "root causes are written but there is no structured analysis",
        )
    else:
        found["root_causes_analysed"] = (FAILED, "no root cause analysis or section")
    if facts.analysis_factors:
        found["contributing_factors"] = (
            PASSED,
            f"{facts.analysis_factors} cause(s) and factor(s) in the root cause analysis",
        )
    elif _written(doc, "contributing_factors"):
        found["contributing_factors"] = (PASSED, "the contributing factors section is written")
    else:
        found["contributing_factors"] = (
            FAILED,
            "no contributing factors in the analysis or a section",
        )
    found["what_went_well"] = (
        (PASSED, "the what went well section is written")
        if _written(doc, "what_went_well")
        else (FAILED, "no what went well section")
    )
    lacking = [i for i in items if not (i.owner and i.due and i.priority)]
    if not items:
        found["action_items_actionable"] = (FAILED, "there are no action items")
    elif lacking:
        found["action_items_actionable"] = (
            FAILED,
            f"{len(lacking)} of {len(items)} items lack an owner, due date or priority",
        )
    else:
        found["action_items_actionable"] = (
            NEEDS_REVIEW,
            "every item has an owner, due date and priority; a reviewer judges if specific",
        )

    deadline = deadline_of(
        policy.deadlines, doc.severity.value if doc.severity else None, doc.resolved_at
    )
    if doc.kind != Kind.POSTMORTEM or deadline is None:
        found["within_deadline"] = (PASSED, "no deadline applies")
    elif facts.published_at is not None and doc.status == Status.PUBLISHED:
        on_time = facts.published_at <= deadline
        found["within_deadline"] = (
            (PASSED if on_time else FAILED),
            f"published {'before' if on_time else 'after'} the deadline {deadline:%Y-%m-%d %H:%M} UTC",
        )
    elif now > deadline:
        found["within_deadline"] = (FAILED, f"past the deadline {deadline:%Y-%m-%d %H:%M} UTC")
    else:
        found["within_deadline"] = (
            NEEDS_REVIEW,
            f"not published yet; due by {deadline:%Y-%m-%d %H:%M} UTC",
        )
    responders = {
        a.strip().lower()
        for a in [e.actor for e in doc.timeline if e.actor]
        if not is_bot(a, facts.bots)
    }
    if facts.attendance is None:
        found["responders_participated"] = (NEEDS_REVIEW, "no meeting attendance recorded")
    elif not responders:
        found["responders_participated"] = (NEEDS_REVIEW, "the timeline names no responders")
    else:
        attended = {a.strip().lower() for a in facts.attendance}
        missing = sorted(responders - attended)
        found["responders_participated"] = (
            (FAILED, f"not at the meeting: {', '.join(missing)}")
            if missing
            else (PASSED, f"all {len(responders)} responders attended")
        )
    found["blameless_language"] = (
        (PASSED, "the language linter finds nothing")
        if facts.lint_findings == 0
        else (FAILED, f"{facts.lint_findings} blameful-language finding(s)")
    )
    found["reviewed_by_leadership"] = (NEEDS_REVIEW, "a reviewer records this")
    found["published"] = (
        (PASSED, "published")
        if doc.status == Status.PUBLISHED
        else (FAILED, f"status is {doc.status.value.replace('_', ' ')}")
    )
    if doc.status != Status.PUBLISHED:
        found["in_library"] = (FAILED, "not published yet, so not in the library")
    elif facts.in_library:
        found["in_library"] = (PASSED, "published and indexed in the library")
    else:
        found["in_library"] = (FAILED, "not indexed in the library")

    stored = [i for i in items if i.id is not None]
    found["items_tracked"] = (
        (PASSED, f"{len(stored)} action item(s) tracked")
        if stored
        else (FAILED, "no action items are tracked")
    )
    moved = sum(1 for i in items if i.status != ActionItemStatus.OPEN)
    if not items:
        found["status_updates"] = (FAILED, "there are no action items")
    elif moved or facts.item_updates:
        found["status_updates"] = (PASSED, f"{moved} of {len(items)} items have moved on")
    else:
        found["status_updates"] = (FAILED, "every item is still open with no update")
    open_items = [
        i for i in items if i.status in (ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS)
    ]
    found["completion_verified"] = (
        (NEEDS_REVIEW, "every item is done; a reviewer verifies the result")
        if items and not open_items
        else (FAILED, f"{len(open_items)} item(s) not done yet")
        if items
        else (FAILED, "there are no action items")
    )
    found["impact_measured"] = (NEEDS_REVIEW, "a reviewer records this")
    docs = [i for i in items if is_documentation(i)]
    done_docs = [i for i in docs if i.status == ActionItemStatus.COMPLETED]
    if done_docs:
        found["documentation_updated"] = (PASSED, f"{len(done_docs)} documentation item(s) done")
    elif docs:
        found["documentation_updated"] = (FAILED, f"{len(docs)} documentation item(s) not done")
    else:
        found["documentation_updated"] = (NEEDS_REVIEW, "no documentation action item")
    return {spec.key: Result(spec.key, spec.group, spec.label, *found[spec.key]) for spec in ITEMS}


def evaluate(
    doc: Document,
    facts: Facts,
    answers: dict[str, tuple[str, str | None, str]],
    policy: Policy,
    now: datetime,
) -> Checklist:
    """The checklist of ``doc``: automatic results, then reviewer answers where they apply."""
    results = []
    for key, result in _automatic(doc, facts, policy, now).items():
        answer = answers.get(key)
        if result.state == NEEDS_REVIEW and answer is not None:
            state, note, by = answer
            why = f"reviewer: {note}" if note else f"answered by {by}"
            result = Result(result.key, result.group, result.label, state, why, by)
        results.append(result)
    return Checklist(doc.id or "", results, policy.checklist.publish_warning_score)


# ----------------------------------------------------------------------------- with the database


def load_answers(session: Session, pk: int) -> dict[str, tuple[str, str | None, str]]:
    """The reviewer answers of one post-mortem: key -> (answer, note, who)."""
    rows = session.scalars(select(ChecklistAnswerRow).where(ChecklistAnswerRow.postmortem_pk == pk))
    return {r.item: (r.answer, r.note, r.answered_by) for r in rows}


def current_text(session: Session, pk: int, doc: Document) -> tuple[Document, int]:
    """``doc`` as the publish gate and the checklist read it, and the analysis's count of
    causes and factors.

    Its sections are brought in step with the data (action items as the tracker has them now,
    the built timeline), and the root cause analysis's own words are added as a section, so
    that the blameless-language check reads what people read today.
    """
    current = synced(doc)
    analysis = analysis_text(session, pk)
    if analysis is None:
        return current, 0
    if analysis.markdown:
        section = Section(
            key="root_cause", heading="Root cause analysis", markdown=analysis.markdown
        )
        current = current.model_copy(update={"sections": [*current.sections, section]})
    return current, analysis.causing_factors


def gather_facts(
    session: Session, pk: int, doc: Document, *, lint_findings: int | None = None
) -> Facts:
    """Everything the automatic checks read from the other slices (through their services);
    ``lint_findings`` when the caller has just linted the current text itself."""
    text, analysis_factors = current_text(session, pk, doc)
    if lint_findings is None:
        lint_findings = len(blocking_findings(text, roster(session)))
    return Facts(
        has_analysis=analysis_exists(session, pk),
        in_library=is_indexed(session, pk),
        published_at=published_time(session, pk),
        attendance=attendance(session, pk),
        lint_findings=lint_findings,
        item_updates=1 if has_updates(session, pk) else 0,
        analysis_factors=analysis_factors,
        bots=frozenset(known_bots(session)),
    )


def check_document(
    session: Session, id: str, viewer: Principal, policy: Policy, *, now: datetime | None = None
) -> Checklist:
    """The checklist of post-mortem ``id`` (which ``viewer`` must be allowed to see)."""
    row = find_row(session, id, viewer)
    doc = get_document(session, row.id, viewer)
    return evaluate(
        doc, gather_facts(session, row.pk, doc), load_answers(session, row.pk), policy,
        now or utcnow(),
    )  # fmt: skip


def set_answer(
    session: Session,
    id: str,
    key: str,
    answer: str | None,
    actor: Principal,
    *,
    note: str | None = None,
) -> None:
    """Record (or with ``answer=None`` clear) a reviewer's answer: editors and above, and
    not the post-mortem's authors where separation of duties applies (``postmortems.review``)."""
    require(actor, Action.ANSWER_CHECKLIST)
    if key not in KEYS:
        raise InputError(f"unknown checklist item {key!r}; one of {', '.join(KEYS)}", field="item")
    if answer is not None and answer not in ANSWERS:
        raise InputError(f"answer must be one of {', '.join(ANSWERS)}", field="answer")
    if note is not None and (len(note) > 2000 or "\x00" in note):
        raise InputError("the note is longer than 2000 characters or not text", field="note")
    row = find_row(session, id, actor)
    review.require_reviewer(session, actor, row.pk, "answering the checklist's judgement items")
    session.execute(
        delete(ChecklistAnswerRow).where(
            ChecklistAnswerRow.postmortem_pk == row.pk, ChecklistAnswerRow.item == key
        )
    )
    if answer is not None:
        session.add(
            ChecklistAnswerRow(
                postmortem_pk=row.pk,
                item=key,
                answer=answer,
                note=(note or "").strip() or None,
                answered_by=actor.username[:80],
                answered_at=utcnow(),
            )
        )
    session.flush()


def publish_warning(
    session: Session, pk: int, doc: Document, *, lint_findings: int | None = None
) -> str | None:
    """The warning publishing gives when ``doc`` (about to be published) scores below the
    policy's minimum; None when it does not. The publish gate passes the ``lint_findings``
    it counted, so the text is not linted twice (and never outside the gate's budget)."""
    try:
        policy = effective_policy(session)
    except InputError as exc:  # never block publishing on a bad policy file
        return f"the quality checklist was not checked: {exc}"
    checklist = evaluate(
        doc,
        gather_facts(session, pk, doc, lint_findings=lint_findings),
        load_answers(session, pk),
        policy,
        utcnow(),
    )
    if not checklist.below_minimum:
        return None
    failed = [r.label.lower() for r in checklist.results if r.state == FAILED][:3]
    detail = f"; failed: {', '.join(failed)}" if failed else ""
    return f"quality checklist score {checklist.score:g}% is below {checklist.minimum:g}%{detail}"
