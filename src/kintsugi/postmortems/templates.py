"""Document templates: the full post-mortem, the lightweight one (SEV3), the pre-mortem and
the near miss (reported without an incident)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kintsugi.core.errors import InputError
from kintsugi.postmortems.document import Document, Kind, Section, Severity

Guide = tuple[str, str, str]  # key, heading, guidance

ITEMS_GUIDE = "What we will change, who owns it (a person or a team) and by when."

POSTMORTEM: Sequence[Guide] = (
    ("summary", "Summary", "What happened, in two or three sentences a newcomer understands."),
    ("impact", "Impact", "Who and what was affected, for how long, and how much."),
    (
        "timeline",
        "Timeline",
        "All times in UTC.\n\n| Time | Event | Actor |\n| --- | --- | --- |\n| | | |",
    ),
    ("root_cause", "Root Causes", "The conditions in the system that allowed this to happen."),
    (
        "contributing_factors",
        "Contributing Factors",
        "What made it more likely, worse, or slower to resolve.",
    ),
    ("detection", "Detection", "How and when we found out; what could have told us sooner."),
    ("resolution", "Resolution", "What stopped the impact, and what restored service."),
    ("what_went_well", "What Went Well", "Practices, tools and decisions that helped."),
    (
        "what_went_wrong",
        "What Could Improve",
        "Where the system, process or tooling made it harder.",
    ),
    (
        "where_we_got_lucky",
        "Where We Got Lucky",
        "What went right by chance rather than by design.",
    ),
    ("lessons_learned", "Lessons Learned", "What we now know that we did not before."),
    (
        "action_items",
        "Action Items",
        f"{ITEMS_GUIDE}\n\n| Action | Owner | Priority | Due | Status |\n"
        "| --- | --- | --- | --- | --- |\n| | | | | |",
    ),
)

LIGHTWEIGHT: Sequence[Guide] = (
    ("summary", "Summary", "What happened and who was affected."),
    ("timeline", "Timeline", "All times in UTC.\n\n| Time | Event |\n| --- | --- |\n| | |"),
    ("root_cause", "Root Cause", "The condition in the system that allowed it."),
    ("lessons_learned", "Lessons Learned", "What we learned."),
    (
        "action_items",
        "Action Items",
        f"{ITEMS_GUIDE}\n\n| Action | Owner | Priority | Due |\n| --- | --- | --- | --- |\n| | | | |",
    ),
)

PREMORTEM: Sequence[Guide] = (
    (
        "scenario",
        "Scenario",
        "Imagine it is six months from now and this change caused a SEV1. What is the change?",
    ),
    ("summary", "The Story", "Tell the story of the failure as if it had happened."),
    (
        "imagined_root_causes",
        "Imagined Root Causes",
        "What in the system, process or environment let it happen?",
    ),
    ("preventions", "Preventions", "What would stop each cause, or make it harmless?"),
    (
        "action_items",
        "Action Items",
        f"{ITEMS_GUIDE}\n\n| Action | Owner | Priority | Due |\n| --- | --- | --- | --- |\n| | | | |",
    ),
)

NEAR_MISS: Sequence[Guide] = (
    ("summary", "Summary", "What nearly went wrong, and what would it have hit?"),
    ("detection", "Detection", "Who or what noticed it, and how early."),
    (
        "contributing_factors",
        "Contributing Factors",
        "What in the system or process let it get this close.",
    ),
    ("lessons_learned", "Lessons Learned", "What we now know that we did not before."),
    (
        "action_items",
        "Action Items",
        f"{ITEMS_GUIDE}\n\n| Action | Owner | Priority | Due |\n| --- | --- | --- | --- |\n| | | | |",
    ),
)

TEMPLATES: dict[str, tuple[Kind, Sequence[Guide]]] = {
    "postmortem": (Kind.POSTMORTEM, POSTMORTEM),
    "lightweight": (Kind.POSTMORTEM, LIGHTWEIGHT),
    "premortem": (Kind.PREMORTEM, PREMORTEM),
    "near_miss": (Kind.NEAR_MISS, NEAR_MISS),
}


def new_document(
    template: str,
    title: str,
    *,
    severity: Severity | None = None,
    started_at: datetime | None = None,
) -> Document:
    """A fresh document from ``template``, with guidance as Markdown comments in each section."""
    try:
        kind, guides = TEMPLATES[template]
    except KeyError:
        names = ", ".join(TEMPLATES)
        raise InputError(
            f"unknown template {template!r}; one of {names}", field="template"
        ) from None
    if not title.strip():
        raise InputError("a title is required", field="title")
    if template == "lightweight" and severity is None:
        severity = Severity.SEV3
    sections = [
        Section(key=key, heading=heading, markdown=_body(guide)) for key, heading, guide in guides
    ]
    return Document(
        title=title.strip(),
        kind=kind,
        severity=severity,
        started_at=started_at,
        sections=sections,
    )


def _body(guide: str) -> str:
    first, _, rest = guide.partition("\n\n")
    if not rest:
        return f"<!-- {first} -->"
    return f"{first}\n\n{rest}" if first.startswith("All times") else f"<!-- {first} -->\n\n{rest}"
