"""Markdown import and export: front matter, titles, sections, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import yaml

from kintsugi.core.errors import InputError
from kintsugi.postmortems import templates
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
from kintsugi.postmortems.headings import CANONICAL_HEADINGS, canonical_heading, classify_heading
from kintsugi.postmortems.markdown import (
    decode_markdown,
    parse_markdown,
    render_markdown,
    severity_from_text,
)

FULL = """\
---
key: PM-42
title: Checkout outage
kind: post-mortem
status: in review
severity: Sev 2
started_at: 2025-03-01 14:05
detected_at: 2025-03-01T14:20:00+01:00
resolved_at: 2025-03-01T16:00:00Z
timezone: Europe/Copenhagen
tags: payments, checkout
services: [checkout-api]
authors:
  - alice
  - bob
visibility: team
team: payments-team
access: [carol, sre-team]
ticket: INC-7
reviewed_on: 2025-03-04
links: {runbook: https://example.org/rb}
---
# Checkout outage

## Summary

Checkout failed for 2 hours.
"""


def _front_matter(text: str) -> dict[str, object]:
    _, fm, _ = text.split("---\n", 2)
    loaded = yaml.safe_load(fm)
    assert isinstance(loaded, dict)
    return loaded


def _error(text: str, source: str = "pm.md") -> InputError:
    with pytest.raises(InputError) as caught:
        parse_markdown(text, source=source)
    return caught.value


def test_front_matter_fields() -> None:
    doc = parse_markdown(FULL, source="pm.md")
    assert doc.id == "PM-42"
    assert doc.title == "Checkout outage"
    assert (doc.kind, doc.status, doc.severity) == (
        Kind.POSTMORTEM,
        Status.IN_REVIEW,
        Severity.SEV2,
    )
    assert doc.timezone == "Europe/Copenhagen"
    assert doc.started_at is not None
    assert doc.started_at.isoformat() == "2025-03-01T14:05:00+01:00"  # local, in the stated zone
    assert doc.detected_at == datetime(2025, 3, 1, 13, 20, tzinfo=UTC)
    assert doc.resolved_at == datetime(2025, 3, 1, 16, 0, tzinfo=UTC)
    assert doc.tags == ["payments", "checkout"]
    assert doc.services == ["checkout-api"]
    assert doc.authors == ["alice", "bob"]
    assert doc.visibility == Visibility.TEAM
    assert doc.team == "payments-team" and doc.access == ["carol", "sre-team"]
    assert doc.extra == {
        "ticket": "INC-7",
        "reviewed_on": "2025-03-04",
        "links": {"runbook": "https://example.org/rb"},
    }
    assert [(s.key, s.heading, s.markdown) for s in doc.sections] == [
        ("summary", "Summary", "Checkout failed for 2 hours.")
    ]


def test_export_writes_front_matter_with_iso_times() -> None:
    doc = parse_markdown(FULL, source="pm.md")
    text = render_markdown(doc)
    assert "started_at: 2025-03-01T14:05:00+01:00\n" in text
    assert "resolved_at: 2025-03-01T17:00:00+01:00\n" in text  # in the document's zone
    fm = _front_matter(text)
    assert list(fm)[:5] == ["id", "title", "kind", "status", "severity"]
    assert fm["id"] == "PM-42" and fm["severity"] == "SEV2" and fm["status"] == "in_review"
    assert fm["ticket"] == "INC-7" and fm["links"] == {"runbook": "https://example.org/rb"}
    assert "key" not in fm
    assert (
        text.split("---\n", 2)[2]
        == "\n# Checkout outage\n\n## Summary\n\nCheckout failed for 2 hours.\n"
    )
    assert parse_markdown(text) == doc


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("SEV1", Severity.SEV1),
        ("sev1", Severity.SEV1),
        ("Sev 2", Severity.SEV2),
        ("SEV-3", Severity.SEV3),
        ("2", Severity.SEV2),
        (3, Severity.SEV3),
        ("critical", Severity.SEV1),
        ("Major", Severity.SEV2),
        ("minor", Severity.SEV3),
        ("SEV4", None),
        ("P1", None),
        ("bad", None),
        (True, None),
    ],
)
def test_severity_spellings(value: object, expected: Severity | None) -> None:
    assert severity_from_text(value) == expected


@pytest.mark.parametrize(
    ("line", "field", "expected"),
    [
        ("kind: pre-mortem", "kind", Kind.PREMORTEM),
        ("kind: PostMortem", "kind", Kind.POSTMORTEM),
        ("status: published", "status", Status.PUBLISHED),
        ("status: in-review", "status", Status.IN_REVIEW),
        ("visibility: organization", "visibility", Visibility.ORGANISATION),
        ("visibility: restricted", "visibility", Visibility.RESTRICTED),
        ("timezone: cet", "timezone", "CET"),
        ("timezone: Pacific Time", "timezone", "America/Los_Angeles"),
        ("id: 1234", "id", "1234"),
    ],
)
def test_front_matter_spellings(line: str, field: str, expected: object) -> None:
    doc = parse_markdown(f"---\n{line}\n---\n# T\n")
    assert getattr(doc, field) == expected


def test_unknown_severity_names_file_line_field_and_allowed_values() -> None:
    error = _error("---\ntitle: X\nseverity: SEV9\n---\n# X\n")
    assert (error.file, error.line, error.field) == ("pm.md", 3, "severity")
    message = str(error)
    assert message.startswith("pm.md:3: severity: unknown severity 'SEV9'")
    assert "SEV1, SEV2, SEV3" in message


@pytest.mark.parametrize(
    ("front_matter", "field", "line"),
    [
        ("title: X\nstarted_at: yesterday-ish\n", "started_at", 3),
        ("title: X\nresolved_at: 2025-02-31 10:00\n", "resolved_at", 3),
        ("detected_at: [1, 2]\n", "detected_at", 2),
        ("kind: retro\n", "kind", 2),
        ("status: done\n", "status", 2),
        ("visibility: everyone\n", "visibility", 2),
        ("timezone: Mars/Olympus\n", "timezone", 2),
        ("title: X\n\ndate: someday\n", "date", 4),
        ("tags: {a: 1}\n", "tags", 2),
        ("title: [a, b]\n", "title", 2),
    ],
)
def test_bad_front_matter_values_name_their_field(front_matter: str, field: str, line: int) -> None:
    error = _error(f"---\n{front_matter}---\n# X\n")
    assert (error.file, error.field, error.line) == ("pm.md", field, line)


def test_broken_yaml_names_the_line() -> None:
    error = _error("---\ntitle: X\ntags: [a, b\nseverity: SEV1\n---\n# X\n")
    assert error.file == "pm.md" and error.field == "front matter"
    assert error.line is not None and error.line >= 4
    assert "not valid YAML" in str(error)
    tab = _error("---\ntitle: X\n\tseverity: SEV1\n---\n")
    assert tab.line == 3


def test_front_matter_that_is_not_closed_or_not_a_mapping() -> None:
    assert _error("---\ntitle: X\n\n# X\n").line == 1
    error = _error("---\n- a\n- b\n---\n# X\n")
    assert error.field == "front matter" and "mapping" in str(error)


def test_decode_markdown() -> None:
    assert decode_markdown("\ufeff# Café\n".encode(), "a.md") == "# Café\n"
    with pytest.raises(InputError) as caught:
        decode_markdown(b"# Title\n\nline two\nbad \xff byte\n", "a.md")
    assert (caught.value.file, caught.value.line) == ("a.md", 4)
    assert "UTF-8" in str(caught.value) and str(caught.value).startswith("a.md:4:")


def test_carriage_returns_and_byte_order_mark() -> None:
    doc = parse_markdown("\ufeff# T\r\n\r\n## Summary\r\n\r\nOne\r\ntwo\r\n")
    assert doc.title == "T"
    assert doc.sections[0].markdown == "One\ntwo"


def test_title_rules() -> None:
    assert (
        parse_markdown("# Heading title\n\ntext\n", source="x/file-name.md").title
        == "Heading title"
    )
    assert parse_markdown("text only\n", source="x/file-name.md").title == "file-name"
    assert parse_markdown("text only\n").title == "Untitled"
    # A first heading below H1 is a section, not a title.
    doc = parse_markdown("## Summary\n\nS\n", source="notes.md")
    assert doc.title == "notes" and doc.sections[0].key == "summary"


def test_front_matter_title_and_another_h1_keeps_the_h1() -> None:
    doc = parse_markdown("---\ntitle: Short\n---\n# A longer title\n\nIntro\n\n## Impact\n\nI\n")
    assert doc.title == "Short"
    assert [(s.key, s.heading, s.level) for s in doc.sections] == [
        ("other", "A longer title", 1),
        ("impact", "Impact", 2),
    ]
    assert doc.sections[0].markdown == "Intro"
    assert parse_markdown(render_markdown(doc)) == doc


def test_text_around_the_title_is_kept() -> None:
    doc = parse_markdown("> From a template\n\n# Title\n\nBy: someone\n\n## Summary\n\nS\n")
    assert doc.sections[0] == Section(
        key="other", heading="", level=1, markdown="> From a template\n\nBy: someone"
    )
    again = parse_markdown(render_markdown(doc))
    assert again == doc


def test_section_levels() -> None:
    text = """\
# Title

## Summary

```bash
# not a heading
```

- item
  ## inside a list, not a section

### Details stay inside

## Lessons learned

Intro.

### What went well

Good.

### Other notes

Notes.

### What went wrong

Bad.

# Stats

- Category: Databases
"""
    doc = parse_markdown(text)
    assert [(s.key, s.heading, s.level) for s in doc.sections] == [
        ("summary", "Summary", 2),
        ("lessons_learned", "Lessons learned", 2),
        ("what_went_well", "What went well", 3),
        ("lessons_learned", "Other notes", 3),
        ("what_went_wrong", "What went wrong", 3),
        ("other", "Stats", 1),
    ]
    summary = doc.sections[0].markdown
    assert "# not a heading" in summary and "### Details stay inside" in summary
    assert doc.sections[1].markdown == "Intro."
    assert doc.tags == ["Databases"]
    assert parse_markdown(render_markdown(doc)) == doc


def test_setext_headings_are_exported_as_atx() -> None:
    doc = parse_markdown("Title\n=====\n\nSummary\n-------\n\nText\n")
    assert doc.title == "Title"
    assert [(s.key, s.heading, s.level) for s in doc.sections] == [("summary", "Summary", 2)]
    assert render_markdown(doc).endswith("# Title\n\n## Summary\n\nText\n")


def test_headings_with_trailing_hashes_survive() -> None:
    doc = Document(
        title="Fix C#",
        sections=[Section(key="other", heading="Notes #", markdown="x")],
    )
    text = render_markdown(doc)
    assert "## Notes # #\n" in text
    assert parse_markdown(text) == doc


def test_premortem_sections() -> None:
    doc = parse_markdown(
        "# Pre-mortem: new billing\n\n## Scenario\n\nS\n\n## Imagined Root Causes\n\n"
        "- a\n\n## Preventions\n\n- b\n\n## Action Items\n\n- [ ] c\n"
    )
    assert doc.kind == Kind.PREMORTEM
    assert [s.key for s in doc.sections] == [
        "scenario",
        "imagined_root_causes",
        "preventions",
        "action_items",
    ]
    assert [i.title for i in doc.action_items] == ["c"]


def test_premortem_sections_make_a_premortem() -> None:
    text = (
        "# New billing\n\n## Scenario\n\nS\n\n## Imagined Root Causes\n\nR\n\n## Root causes\n\nX\n"
    )
    doc = parse_markdown(text, source="editor")
    assert doc.kind == Kind.PREMORTEM
    assert [s.key for s in doc.sections] == [
        "scenario",
        "imagined_root_causes",
        "imagined_root_causes",
    ]
    postmortem = parse_markdown("# Outage\n\n## Scenario\n\nS\n\n## Root causes\n\nX\n")
    assert postmortem.kind == Kind.POSTMORTEM
    assert [s.key for s in postmortem.sections] == ["other", "root_cause"]


@pytest.mark.parametrize("template", sorted(templates.TEMPLATES))
def test_kintsugi_templates_round_trip(template: str) -> None:
    doc = templates.new_document(
        template, "New incident", started_at=datetime(2025, 1, 2, tzinfo=UTC)
    )
    text = render_markdown(doc)
    parsed = parse_markdown(text)
    assert [(s.key, s.heading, s.markdown) for s in parsed.sections] == [
        (s.key, s.heading, s.markdown) for s in doc.sections
    ]
    assert parsed.kind == doc.kind and parsed.started_at == doc.started_at
    assert parsed.timeline == [] and parsed.action_items == []
    assert parse_markdown(render_markdown(parsed)) == parsed


@pytest.mark.parametrize("template", sorted(templates.TEMPLATES))
def test_the_templates_action_items_table_is_outside_the_guidance(template: str) -> None:
    section = templates.new_document(template, "New incident").section("action_items")
    assert section is not None
    guidance, table = section.markdown.split("\n\n", 1)
    assert guidance.startswith("<!--") and guidance.endswith("-->")
    assert table.startswith("| Action | Owner |") and "-->" not in table


def test_export_adds_sections_for_timeline_and_items_that_have_none() -> None:
    doc = Document(
        title="Cache outage",
        timezone="CET",
        sections=[
            Section(key="summary", heading="Summary", markdown="It broke."),
            Section(key="lessons_learned", heading="Lessons Learned", markdown="Cache less."),
        ],
        timeline=[
            TimelineEvent(
                at=datetime(2025, 1, 10, 9, 0, tzinfo=UTC), text="Cache evicted", actor="ops"
            ),
            TimelineEvent(at=None, text="Someone noticed"),
        ],
        action_items=[
            ActionItem(
                title="Add an alert", owner="alice", priority=Priority.P1, due=date(2025, 2, 1)
            ),
            ActionItem(title="Write a runbook", status=ActionItemStatus.WONT_DO),
        ],
    )
    text = render_markdown(doc)
    parsed = parse_markdown(text)
    assert [s.key for s in parsed.sections] == [
        "summary",
        "timeline",
        "lessons_learned",
        "action_items",
    ]
    assert parsed.timeline == doc.timeline
    assert parsed.action_items == doc.action_items
    assert parsed.timeline[0].at is not None
    assert parsed.timeline[0].at.utcoffset() == timedelta(hours=1)
    assert parsed.started_at == datetime(2025, 1, 10, 9, 0, tzinfo=UTC)


def test_file_name_date_is_kept_for_time_only_timelines() -> None:
    text = "# Flags down\n\n## Timeline\n\n- **10:00 UTC** - Alert\n- **10:05 UTC** - Rollback\n"
    doc = parse_markdown(text, source="notes/2024-02-28-flags.md")
    assert doc.timeline[0].at == datetime(2024, 2, 28, 10, 0, tzinfo=UTC)
    assert doc.extra == {"date": "2024-02-28"}
    assert parse_markdown(render_markdown(doc)) == doc
    undated = parse_markdown(text, source="notes/flags.md")
    assert [e.at for e in undated.timeline] == [None, None]
    assert undated.started_at is None


def test_front_matter_date_and_started_at_give_the_day() -> None:
    timeline = "## Timeline\n\n- 10:00 - Alert\n"
    by_date = parse_markdown(f"---\ndate: 2024-05-06\n---\n# T\n\n{timeline}")
    assert by_date.timeline[0].at == datetime(2024, 5, 6, 10, 0, tzinfo=UTC)
    by_start = parse_markdown(
        f"---\nstarted_at: 2024-05-07T09:00:00+02:00\ntimezone: Europe/Paris\n---\n# T\n\n{timeline}"
    )
    assert by_start.timeline[0].at == datetime(
        2024, 5, 7, 10, 0, tzinfo=timezone(timedelta(hours=2))
    )


def test_default_timezone() -> None:
    doc = parse_markdown(
        "# T\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 2025-07-01 10:00 | x |\n",
        default_timezone="Europe/Berlin",
    )
    assert doc.timezone == "Europe/Berlin"
    assert doc.timeline[0].at is not None
    assert doc.timeline[0].at.isoformat() == "2025-07-01T10:00:00+02:00"
    assert parse_markdown(render_markdown(doc)) == doc
    with pytest.raises(InputError) as caught:
        parse_markdown("# T\n", default_timezone="Nowhere/Else")
    assert caught.value.field == "default_timezone"


def test_empty_front_matter_values_count_as_absent() -> None:
    doc = parse_markdown(
        "---\ntags: []\nseverity:\n---\n# T\n\n## Stats\n\n- Category: Network\n- Severity: SEV3\n"
    )
    assert doc.tags == ["Network"] and doc.severity == Severity.SEV3
    assert parse_markdown(render_markdown(doc)) == doc


def test_huge_or_recursive_front_matter_values_are_refused() -> None:
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    bomb += "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\n"
    error = _error(bomb)
    assert error.field in {"a", "b", "c", "d"}


@pytest.mark.parametrize(
    ("heading", "key"),
    [
        ("Summary", "summary"),
        ("Executive Summary", "summary"),
        ("Summary of impact", "impact"),
        ("Customer impact", "impact"),
        ("Timeline summary", "timeline"),
        ("Chain of Events", "timeline"),
        ("Root Cause Analysis", "root_cause"),
        ("Root Cause(s)", "root_cause"),
        ("Trigger", "root_cause"),
        ("How did it happen?", "root_cause"),
        ("What caused the incident?", "root_cause"),
        ("Root cause and mitigation", "root_cause"),
        ("Contributing Factors (findings)", "contributing_factors"),
        ("Contributing Conditions Analysis", "contributing_factors"),
        ("Detection", "detection"),
        ("Why It Wasn't Caught", "detection"),
        ("Resolution and recovery", "resolution"),
        ("Mitigation & Resolution", "resolution"),
        ("Recovery", "resolution"),
        ("What went well?", "what_went_well"),
        ("What Didn't Go Well", "what_went_wrong"),
        ("What could have gone better?", "what_went_wrong"),
        ("What could be improved", "what_went_wrong"),
        ("What Could Improve", "what_went_wrong"),
        ("Where did we get lucky", "where_we_got_lucky"),
        ("Lessons Learnt", "lessons_learned"),
        ("Learnings", "lessons_learned"),
        ("Key Takeaways", "lessons_learned"),
        ("Action Items & Followups", "action_items"),
        ("Remediation", "action_items"),
        ("Follow-ups", "action_items"),
        ("Next steps", "action_items"),
        ("Corrective and Preventative Measures", "action_items"),
        ("How are we preventing it from happening again?", "action_items"),
        (
            "Short-term Improvements ([Tracked in GitHub Issue #1](https://example.org))",
            "action_items",
        ),
        ("Attendees", None),
        ("Stats", None),
        ("Appendix", None),
        ("October 21, 2025 - Redis Overload", None),
    ],
)
def test_heading_wordings(heading: str, key: str | None) -> None:
    assert classify_heading(heading) == key


def test_canonical_headings_classify_back() -> None:
    for key in CANONICAL_HEADINGS:
        kind = (
            Kind.PREMORTEM
            if key in {"scenario", "imagined_root_causes", "preventions"}
            else Kind.POSTMORTEM
        )
        assert classify_heading(canonical_heading(key), kind) == key


# -- regressions found by fuzzing --------------------------------------------------------------


def test_times_before_time_zones_existed_export_as_utc() -> None:
    doc = parse_markdown("---\nstarted_at: 0001-01-01 00:00\ntimezone: America/Los_Angeles\n---\n")
    text = render_markdown(doc)
    assert "!!timestamp" not in text
    assert parse_markdown(text) == doc
    error = _error("---\na: !!timestamp 0001-01-01T02:07:02-07:52:58\n---\n")
    assert error.field == "front matter"


def test_a_zone_stated_in_one_timeline_holds_for_all() -> None:
    text = (
        "# T\n\n## Timeline\n\n- 2025-10-21 10:00 - first\n\n"
        "## Timeline\n\nAll times in CET.\n\n- 2025-10-22 10:00 - second\n"
    )
    doc = parse_markdown(text)
    assert doc.timezone == "CET"
    assert [e.at.utcoffset() for e in doc.timeline if e.at] == [timedelta(hours=2)] * 2
    assert parse_markdown(render_markdown(doc)) == doc


def test_a_date_without_year_and_no_day_to_go_on_leaves_the_start_open() -> None:
    text = "# T\n\n## Timeline\n\n- **22:30 UTC (Oct 29)** - reported\n\n2025-12-31\n\n- 10:00 - deploy\n"
    doc = parse_markdown(text)
    assert doc.timeline[0].at is None
    assert doc.timeline[1].at == datetime(2025, 12, 31, 10, 0, tzinfo=UTC)
    assert doc.started_at is None
    assert parse_markdown(render_markdown(doc)) == doc


def test_a_heading_without_text_is_not_a_section() -> None:
    doc = parse_markdown("##\ntext\n\n### What went well\n\nok\n")
    assert doc.sections[0] == Section(key="other", heading="", level=1, markdown="##\ntext")
    assert doc.sections[1].key == "what_went_well"
    assert parse_markdown(render_markdown(doc)) == doc


@pytest.mark.parametrize(
    "body",
    [
        "#\n",
        "#\nSome text\n   more\n-\n",
        "#\ntext\n\n### Immediate actions (completed)\n\n- x\n\n## Summary\n\ns\n",
    ],
)
def test_an_empty_h1_is_text(body: str) -> None:
    doc = parse_markdown(f"---\ntitle: Z\n---\n{body}")
    assert doc.sections[0].heading == "" and doc.sections[0].markdown.startswith("#")
    assert parse_markdown(render_markdown(doc)) == doc


def test_naive_front_matter_times_are_in_the_zone_the_timeline_states() -> None:
    text = "---\nstarted_at: 2025-03-30 09:30\n---\n# T\n\n## Timeline\n\nAll times in CET.\n\n- 10:00 - x\n"
    doc = parse_markdown(text)
    assert doc.started_at is not None and doc.started_at.isoformat() == "2025-03-30T09:30:00+02:00"
    assert doc.timeline[0].at is not None
    assert doc.timeline[0].at.isoformat() == "2025-03-30T10:00:00+02:00"
    assert parse_markdown(render_markdown(doc)) == doc


def test_only_spaces_and_tabs_make_a_line_blank() -> None:
    doc = parse_markdown("## Action Items\n\n\x0c\n=======\n-\nmore\n")
    assert doc.sections[0].markdown.startswith("\x0c\n=======")
    assert parse_markdown(render_markdown(doc)) == doc
