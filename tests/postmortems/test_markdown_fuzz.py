"""Property tests: import never fails other than with InputError; export and import are inverse."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kintsugi.core.errors import InputError
from kintsugi.postmortems.document import (
    ActionItem,
    ActionItemStatus,
    Document,
    Kind,
    Priority,
    Section,
    Severity,
    Status,
    TimelineEvent,
    Visibility,
)
from kintsugi.postmortems.headings import canonical_heading
from kintsugi.postmortems.markdown import (
    parse_action_items_markdown,
    parse_markdown,
    parse_timeline_markdown,
    render_action_items_markdown,
    render_markdown,
    render_timeline_markdown,
)
from kintsugi.postmortems.timeparse import zone_info

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ZONES = ["UTC", "CET", "Europe/Copenhagen", "America/Los_Angeles", "Asia/Kolkata"]
WORDS = [
    "database",
    "cache",
    "alert",
    "rollback",
    "the",
    "was",
    "slow",
    "Redis",
    "pods",
    "US",
    "42",
    "v1.2",
    "&",
    "p95",
    "`config`",
    "**bold**",
    "_note_",
    "O'Brien",
    "ok!",
    "why?",
]

FRAGMENTS = [
    "---",
    "...",
    "# Title",
    "## Summary",
    "## Timeline",
    "### October 21, 2025 - Outage",
    "## Action Items",
    "## Lessons Learned",
    "### What went well",
    "# Stats",
    "Heading",
    "=======",
    "-------",
    "All times in CET.",
    "(all times in Pacific Time)",
    "| Time | Event | Who |",
    "|---|---|---|",
    "| 2025-01-01 10:00 | started | ops |",
    "| 2024-02-?? ??:?? | unknown |",
    "| Jan 14, 10:18 AM | x |",
    "- **16:58 UTC** - writer saturated",
    "- **22:30 UTC (Oct 29)** - reported",
    "- 10:00 - deploy",
    "- [x] rotate keys Owner: @alice",
    "- [ ] add alert [P1] (Due: 2025-12-01)",
    "- ~~drop it~~",
    "-",
    "  - nested",
    "1. numbered",
    "| Action | Owner | Priority | Due | Status |",
    "| fix | bob | high | 2025-01-01 | done |",
    "```",
    "    indented code",
    "> quote",
    "<details>",
    "<!-- comment -->",
    "title: Hello",
    "severity: SEV9",
    "started_at: 2025-13-45",
    "timezone: Mars/Base",
    "tags: [a, b",
    "key: &a [*a]",
    "Severity: Critical",
    "- Category: Kubernetes",
    "- Time to detection: 99999999999 days",
    "Time to recovery: 10 minutes",
    "**Date:** January 14-19, 2026",
    "9999-12-31 23:59",
    "0001-01-01 00:00",
    "",
    "\t",
    "\r",
    "\ufeff",
    "\x00",
    "\x0c",
    "\x85",
    "#",
    "##",
    "- 16:58 (Oct 29) - x",
    "### Immediate actions (completed)",
    "## Imagined Root Causes",
    "---\ntitle: Z\nstarted_at: 2025-03-30 02:30\ntimezone: CET\n---",
]


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _parse_or_input_error(text: str, source: str | None) -> Document | None:
    try:
        return parse_markdown(text, source=source)
    except InputError as error:
        assert str(error)
        return None


@FUZZ
@given(st.text(), st.sampled_from([None, "x.md", "2025-09-29-x.md", "dir/PM-1 pre-mortem.md"]))
def test_any_text_gives_a_document_or_an_input_error(text: str, source: str | None) -> None:
    _parse_or_input_error(text, source)


@FUZZ
@given(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=40),
    st.sampled_from([None, "2024-02-28-notes.md"]),
)
def test_markdown_like_text_gives_a_document_or_an_input_error(
    lines: list[str], source: str | None
) -> None:
    doc = _parse_or_input_error("\n".join(lines), source)
    if doc is not None:
        # Whatever was read, its export reads back the same.
        assert parse_markdown(render_markdown(doc)) == doc


_SAFE = st.characters(
    categories=("L", "N"), include_characters=" .,!?'&/|*_`@", exclude_characters="\\"
)
_TEXT = st.text(_SAFE, min_size=1, max_size=40).map(_collapse).filter(bool)
_NAME = (
    st.text(
        st.characters(categories=("L", "N"), include_characters=" ._@'"), min_size=1, max_size=20
    )
    .map(_collapse)
    .filter(bool)
)


@st.composite
def _events(draw: st.DrawFn, zone: str) -> list[TimelineEvent]:
    tz = zone_info(zone)
    events = []
    for _ in range(draw(st.integers(0, 6))):
        precision = draw(st.sampled_from(["minute", "day", "second", "none"]))
        day = draw(st.dates(date(1971, 1, 1), date(2099, 12, 31)))
        if precision == "none":
            at = None
            precision = "minute"
        elif precision == "day":
            at = datetime.combine(day, time(), tz).astimezone(UTC).astimezone(tz)
        else:
            seconds = draw(st.integers(1, 59)) if precision == "second" else 0
            clock = time(draw(st.integers(0, 23)), draw(st.integers(0, 59)), seconds)
            at = datetime.combine(day, clock, UTC)
        text = draw(_TEXT.filter(lambda t: not t.startswith(("(", "*", "_", "`"))))
        actor = draw(st.none() | _NAME)
        events.append(TimelineEvent(at=at, text=text, actor=actor, precision=precision))
    return events


_ITEM_TITLE = (
    st.text(
        st.characters(categories=("L", "N"), include_characters=" .,!?'&/|"),
        min_size=1,
        max_size=40,
    )
    .map(_collapse)
    .filter(bool)
)
_ITEMS = st.lists(
    st.builds(
        ActionItem,
        title=_ITEM_TITLE,
        owner=st.none() | _NAME,
        priority=st.none() | st.sampled_from(Priority),
        due=st.none() | st.dates(date(1000, 1, 1), date(9999, 12, 31)),
        status=st.sampled_from(ActionItemStatus),
    ),
    max_size=6,
)
_SIMPLE_ITEMS = st.lists(
    st.builds(
        ActionItem,
        title=_ITEM_TITLE,
        status=st.sampled_from([ActionItemStatus.OPEN, ActionItemStatus.COMPLETED]),
    ),
    max_size=6,
)


@PROPERTY
@given(st.sampled_from(ZONES).flatmap(lambda zone: st.tuples(st.just(zone), _events(zone))))
def test_timeline_render_then_parse_is_identity(
    zone_events: tuple[str, list[TimelineEvent]],
) -> None:
    zone, events = zone_events
    assert parse_timeline_markdown(render_timeline_markdown(events, zone)) == events


@PROPERTY
@given(st.one_of(_ITEMS, _SIMPLE_ITEMS))
def test_action_items_render_then_parse_is_identity(items: list[ActionItem]) -> None:
    assert parse_action_items_markdown(render_action_items_markdown(items)) == items


_PARAGRAPH = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
_MARKDOWN = st.lists(
    st.one_of(_PARAGRAPH, _PARAGRAPH.map(lambda p: f"- {p}")), min_size=0, max_size=4
).map("\n\n".join)
_POSTMORTEM_KEYS = [
    "summary",
    "impact",
    "root_cause",
    "contributing_factors",
    "detection",
    "resolution",
    "what_went_well",
    "what_went_wrong",
    "where_we_got_lucky",
    "lessons_learned",
]
_PREMORTEM_KEYS = ["scenario", "summary", "imagined_root_causes", "preventions", "lessons_learned"]
_OTHER_HEADINGS = ["Attendees", "Stats", "Appendix", "Supporting information"]


@st.composite
def _documents(draw: st.DrawFn) -> Document:
    kind = draw(st.sampled_from(Kind))
    zone = draw(st.sampled_from(ZONES))
    keys = _PREMORTEM_KEYS if kind == Kind.PREMORTEM else _POSTMORTEM_KEYS
    sections = []
    if draw(st.booleans()):
        sections.append(Section(key="other", heading="", level=1, markdown=draw(_PARAGRAPH)))
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 4)) == 0:
            heading, key = draw(st.sampled_from(_OTHER_HEADINGS)), "other"
        else:
            key = draw(st.sampled_from(keys))
            heading = canonical_heading(key)
        sections.append(Section(key=key, heading=heading, markdown=draw(_MARKDOWN)))
    events = draw(_events(zone))
    items = draw(st.one_of(_ITEMS, _SIMPLE_ITEMS))
    with_timeline: bool = draw(st.booleans())
    if events or with_timeline:
        markdown = render_timeline_markdown(events, zone).strip("\n")
        first = 1 if sections and not sections[0].heading else 0  # after the text before headings
        sections.insert(
            draw(st.integers(first, len(sections))),
            Section(key="timeline", heading="Timeline", markdown=markdown),
        )
    with_items: bool = draw(st.booleans())
    if items or with_items:
        markdown = render_action_items_markdown(items).strip("\n")
        sections.append(Section(key="action_items", heading="Action Items", markdown=markdown))
    moment = st.datetimes(datetime(1971, 1, 1), datetime(2099, 1, 1), timezones=st.just(UTC))
    started = draw(moment) if events else draw(st.none() | moment)
    extra = draw(
        st.dictionaries(
            st.sampled_from(["ticket", "team_channel", "links", "review"]),
            st.one_of(
                _TEXT,
                st.integers(-10, 10_000),
                st.booleans(),
                st.lists(_TEXT, max_size=3),
                st.dictionaries(st.sampled_from(["a", "b"]), _TEXT, max_size=2),
            ),
            max_size=3,
        )
    )
    return Document(
        id=draw(st.none() | _NAME),
        title=draw(_TEXT),
        kind=kind,
        status=draw(st.sampled_from(Status)),
        severity=draw(st.none() | st.sampled_from(Severity)),
        started_at=started,
        detected_at=draw(st.none() | moment),
        resolved_at=draw(st.none() | moment),
        timezone=zone,
        tags=draw(st.lists(_NAME, max_size=3)),
        services=draw(st.lists(_NAME, max_size=3)),
        authors=draw(st.lists(_NAME, max_size=3)),
        visibility=draw(st.sampled_from(Visibility)),
        team=draw(st.none() | _NAME),
        access=draw(st.lists(_NAME, max_size=2)),
        sections=sections,
        timeline=events,
        action_items=items,
        extra=extra,
    )


@PROPERTY
@given(_documents())
def test_document_render_then_parse_is_identity(doc: Document) -> None:
    text = render_markdown(doc)
    parsed = parse_markdown(text)
    assert parsed == doc
    assert render_markdown(parsed) == text


def test_the_generated_documents_cover_what_matters() -> None:
    """A check of the strategy itself: documents with events, items and every zone come up."""
    seen: dict[str, set[object]] = {"zones": set(), "kinds": set(), "parts": set()}

    @settings(max_examples=60, deadline=None)
    @given(_documents())
    def collect(doc: Document) -> None:
        seen["zones"].add(doc.timezone)
        seen["kinds"].add(doc.kind)
        seen["parts"].update({"events"} if doc.timeline else set())
        seen["parts"].update({"items"} if doc.action_items else set())

    collect()
    assert seen["parts"] == {"events", "items"}
    assert len(seen["kinds"]) == len(Kind)
    assert len(seen["zones"]) >= 3
