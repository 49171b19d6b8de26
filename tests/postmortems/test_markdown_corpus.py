"""Markdown import of the real post-mortems (``KINTSUGI_CORPUS``), and their round trip."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kintsugi.postmortems.document import ActionItemStatus, Document, Kind, Severity
from kintsugi.postmortems.markdown import decode_markdown, parse_markdown, render_markdown
from tests.support.corpus import corpus_dir, corpus_files

CORPUS_FILES = corpus_files()
_SETEXT_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")


def _read(corpus: Path, pattern: str) -> Document:
    (path,) = list(corpus.glob(pattern))
    return parse_markdown(decode_markdown(path.read_bytes(), str(path)), source=str(path))


def _body_lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def test_the_corpus_is_there(corpus: Path) -> None:
    assert corpus == corpus_dir()
    folders = {path.parent.name for path in CORPUS_FILES}
    assert folders == {"dfds", "posthog", "templates"}
    assert len(CORPUS_FILES) >= 50


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_round_trip_loses_nothing(path: Path) -> None:
    original = decode_markdown(path.read_bytes(), str(path))
    doc = parse_markdown(original, source=str(path))
    rendered = render_markdown(doc)

    again = parse_markdown(rendered, source="export.md")
    assert again == doc
    assert render_markdown(again) == rendered

    text = rendered.replace("\r\n", "\n")
    lines = _body_lines(original)
    for index, line in enumerate(lines):
        if _SETEXT_UNDERLINE.match(line) and index > 0:
            continue  # a setext underline: the heading is written as "## Heading"
        assert line in text, f"lost from the export: {line!r}"


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_document_has_a_title_and_its_parts(path: Path) -> None:
    doc = parse_markdown(decode_markdown(path.read_bytes(), str(path)), source=str(path))
    assert doc.title.strip()
    assert doc.sections
    for section in doc.sections:
        assert section.markdown == section.markdown.strip("\n")
    for event in doc.timeline:
        assert event.at is None or event.at.tzinfo is not None
        assert event.precision in {"minute", "day", "second"}
    assert all(item.title.strip() for item in doc.action_items)


def test_dfds_cloudwatch_logs_2023(corpus: Path) -> None:
    doc = _read(corpus, "dfds/PM2023-002 - *.md")
    assert doc.title == "Logs not being shipped to CloudWatch"
    assert [s.key for s in doc.sections] == [
        "summary",
        "timeline",
        "contributing_factors",
        "action_items",
        "lessons_learned",
        "other",
        "other",
    ]
    assert [s.heading for s in doc.sections][-2:] == ["Attendees", "Stats"]
    assert doc.timezone == "UTC"
    assert len(doc.timeline) == 13
    first = doc.timeline[0]
    assert first.at == datetime(2023, 4, 11, 11, 20, tzinfo=UTC)
    assert first.at is not None and first.at.utcoffset() == timedelta(0)
    assert (
        first.text == "Fluentd was upgraded to latest version during normal maintenance operations"
    )
    assert doc.timeline[-1].at == datetime(2023, 4, 11, 22, 25, tzinfo=UTC)
    assert all(event.precision == "minute" and event.actor is None for event in doc.timeline)
    assert [item.title for item in doc.action_items] == [
        "Look into liveness probe covering more aspects of the Fluentd process (check /metrics "
        "endpoint)",
        "Investigate if third-party plugins used for Fluentd is maintained",
        "Agree as a team what the procedures are for dealing with outages after work hours",
        "Add alarms for Fluentd in case not enough/no log data is being sent (per node)",
        "Remove hardcoded version variable for Fluentd docker image",
    ]
    assert all(item.status == ActionItemStatus.OPEN for item in doc.action_items)
    # The "Stats" section: Category as a tag, detection and recovery counted from the start.
    assert doc.tags == ["Kubernetes"]
    assert doc.started_at == datetime(2023, 4, 11, 11, 20, tzinfo=UTC)
    assert doc.detected_at == doc.started_at + timedelta(minutes=544)
    assert doc.resolved_at == doc.started_at + timedelta(minutes=669)
    assert doc.section("lessons_learned") is not None
    assert doc.section("lessons_learned").markdown == "-"  # type: ignore[union-attr]


def test_dfds_cet_timelines_keep_cet_offsets(corpus: Path) -> None:
    winter = _read(corpus, "dfds/PM2020-002 - *.md")
    assert winter.timezone == "CET"
    assert winter.timeline[0].at is not None
    assert winter.timeline[0].at.utcoffset() == timedelta(hours=1)
    assert winter.timeline[0].at == datetime(2020, 1, 21, 14, 36, tzinfo=UTC)
    summer = _read(corpus, "dfds/PM2020-005 - *.md")
    assert summer.timezone == "CET"
    assert summer.timeline[0].at is not None
    assert summer.timeline[0].at.utcoffset() == timedelta(hours=2)
    assert summer.timeline[0].at.isoformat() == "2020-06-09T11:00:00+02:00"


def test_dfds_zone_in_the_time_column_header(corpus: Path) -> None:
    doc = _read(corpus, "dfds/PM2019-009 - *.md")
    assert doc.timezone == "CET"
    assert len(doc.timeline) == 14
    unknown_hour = doc.timeline[5]  # "2019-12-03 --:--"
    assert unknown_hour.precision == "day"
    assert unknown_hour.at is not None and unknown_hour.at.date() == date(2019, 12, 3)
    assert unknown_hour.text.startswith("Surge new deployments")
    assert [s.key for s in doc.sections] == [
        "summary",
        "timeline",
        "contributing_factors",
        "lessons_learned",
        "action_items",
    ]
    assert doc.action_items[0].title.startswith(
        "**Make sure all deployed resources have a plan for monitoring / scaling**:"
    )


def test_dfds_log4shell_days_actors_and_odd_spacing(corpus: Path) -> None:
    doc = _read(corpus, "dfds/PM2021-011 - *.md")
    assert len(doc.timeline) == 26
    published = doc.timeline[0]
    assert (published.at, published.precision) == (datetime(2021, 12, 10, tzinfo=UTC), "day")
    assert doc.timeline[1].at == datetime(2021, 12, 10, 15, 40, tzinfo=UTC)  # "2021-12-10   15:40"
    board = next(e for e in doc.timeline if "coordination board" in e.text)
    assert board.actor == "Lloyd Middleton"
    assert board.text == "Common task coordination board created"
    meeting = next(e for e in doc.timeline if "Initial meeting" in e.text)
    assert meeting.actor is None and meeting.text.startswith("(T&amp;I level)")
    # Document order is kept even where the document is out of order.
    times = [e.at for e in doc.timeline]
    assert times.index(datetime(2021, 12, 13, 15, 50, tzinfo=UTC)) < times.index(
        datetime(2021, 12, 13, 14, 30, tzinfo=UTC)
    )
    # A day-only entry is the start only when it is before the first timed day.
    assert doc.started_at == datetime(2021, 12, 10, 15, 40, tzinfo=UTC)
    assert doc.tags == ["Cloud Infrastructure and Source Code"]
    assert doc.detected_at is None  # "Time to detection: N/A"
    lessons = doc.section("lessons_learned")
    assert lessons is not None and "### Reflections on external collaboration" in lessons.markdown


def test_dfds_entries_without_a_usable_time_keep_their_text(corpus: Path) -> None:
    kafka = _read(corpus, "dfds/PM2022-004 - *.md")
    last = kafka.timeline[-1]
    assert last.at is None
    assert last.text.startswith("TBA: Problem will remain")
    assert kafka.detected_at == datetime(2022, 2, 9, 8, 3, tzinfo=UTC)  # 19 hours 43 minutes
    adsync = _read(corpus, "dfds/PM2020-003 - *.md")  # years written "20202"
    assert len(adsync.timeline) == 5
    assert all(event.at is None for event in adsync.timeline)
    assert adsync.started_at is None and adsync.detected_at is None
    alb = _read(corpus, "dfds/PM2022-006 - *.md")  # "2022-06-02 HH:mm", "2022-05-?? HH:mm"
    assert [e.precision for e in alb.timeline[:2]] == ["day", "day"]
    assert alb.timeline[3].at is None and alb.timeline[3].text == "Detected on unknown date in May"
    assert alb.timeline[8].at == datetime(2022, 6, 7, 8, 30, tzinfo=UTC)


def test_dfds_ranges_approximations_and_short_hours(corpus: Path) -> None:
    unhealthy = _read(corpus, "dfds/PM2020-007 - *.md")  # "2020-10-06 09:00 - 11:00"
    assert unhealthy.timeline[2].at is not None
    assert unhealthy.timeline[2].at.isoformat() == "2020-10-06T09:00:00+02:00"
    assert unhealthy.section("other") is not None
    assert [s.level for s in unhealthy.sections][-1] == 1  # the late "# Stats"
    kiam = _read(corpus, "dfds/PM2020-009 - *.md")  # "2020-11-17 10:45~"
    assert kiam.timeline[0].at is not None
    assert kiam.timeline[0].at.isoformat() == "2020-11-17T10:45:00+01:00"
    pods = _read(corpus, "dfds/PM2024-002 - *.md")  # "2024-04-09 8:40", rows without a last pipe
    assert [e.at.strftime("%H:%M") for e in pods.timeline if e.at] == [
        "08:40",
        "08:51",
        "08:59",
        "09:05",
        "09:10",
        "09:15",
        "09:20",
    ]


def test_dfds_nested_action_items_are_detail(corpus: Path) -> None:
    doc = _read(corpus, "dfds/PM2022-009 - *.md")
    assert len(doc.action_items) == 7
    assert doc.action_items[0].title == "Improve coverage of readiness/liveness probes"


def test_dfds_template(corpus: Path) -> None:
    doc = _read(corpus, "dfds/PMyyyy-nnn - *.md")
    assert doc.title == "Incident Title"
    assert len(doc.timeline) == 1
    assert doc.timeline[0].at is None and doc.timeline[0].text == "Short event description"
    assert doc.action_items == []  # the "-" placeholder is not an item
    assert doc.tags == []  # "Category: XXX" is a placeholder


def test_posthog_flags_outage(corpus: Path) -> None:
    doc = _read(corpus, "posthog/2025-09-29-flags-is-down.md")
    assert doc.title == "PostHog Feature Flags Service Outage - September 29, 2025"
    assert doc.sections[0].key == "other" and doc.sections[0].heading == ""
    assert doc.sections[0].markdown.startswith("Internal post-mortem:")
    assert [s.key for s in doc.sections[1:]] == [
        "summary",
        "timeline",
        "root_cause",
        "impact",
        "action_items",
        "lessons_learned",
    ]
    assert doc.timezone == "UTC"
    assert len(doc.timeline) == 8
    assert all(e.at is not None and e.at.date() == date(2025, 9, 29) for e in doc.timeline)
    assert all(e.at is not None and e.at.utcoffset() == timedelta(0) for e in doc.timeline)
    assert doc.timeline[0].at == datetime(2025, 9, 29, 16, 58, tzinfo=UTC)
    assert doc.timeline[0].text.startswith("Writer database begins experiencing")
    assert doc.timeline[-1].text == "Service fully restored"
    assert doc.started_at == datetime(2025, 9, 29, 16, 58, tzinfo=UTC)
    statuses = [item.status for item in doc.action_items]
    assert statuses[:2] == [ActionItemStatus.COMPLETED] * 2  # "Immediate Actions (Completed)"
    assert set(statuses[2:]) == {ActionItemStatus.OPEN}
    assert len(doc.action_items) == 9


def test_posthog_surveys_bug(corpus: Path) -> None:
    doc = _read(corpus, "posthog/2025-10-03-surveys-sdk-bug.md")
    assert doc.severity == Severity.SEV2  # "**Severity:** Major (High Impact, ...)"
    assert [e.at for e in doc.timeline][:2] == [
        datetime(2025, 10, 3, 10, 45, tzinfo=UTC),
        datetime(2025, 10, 3, 14, 59, tzinfo=UTC),
    ]
    assert doc.detected_at == datetime(2025, 10, 3, 14, 59, tzinfo=UTC)  # detection delay 4h14
    assert doc.resolved_at == datetime(2025, 10, 3, 16, 11, tzinfo=UTC)  # impact 5h26
    keys = [s.key for s in doc.sections]
    assert keys.count("root_cause") == 3 and "detection" in keys  # "Why It Wasn't Caught"
    assert {"what_went_well", "what_went_wrong"} <= set(keys)
    labelled = next(i for i in doc.action_items if i.title.startswith("Start incidents earlier."))
    assert labelled.owner == "@lucasheriques"
    assert "Owner" not in labelled.title
    done = [i.title for i in doc.action_items if i.status == ActionItemStatus.COMPLETED]
    assert done == [
        "Reverted the backwards-incompatible changes and released version 1.270.1",
        "Issued credits / refunds to all customers affected by increased error tracking bills",
    ]
    owned = [i for i in doc.action_items if i.owner == "@lucasheriques"]
    assert len(owned) == 4


def test_posthog_recurring_outages(corpus: Path) -> None:
    doc = _read(corpus, "posthog/2025-10-21-feature-flags-recurring-outages.md")
    days = sorted({e.at.date() for e in doc.timeline if e.at})
    assert days == [date(2025, 10, d) for d in (21, 24, 28, 29, 30)]
    assert len(doc.timeline) == 41
    assert not any(
        e.text.startswith("**Note:**") or "Status page was not" in e.text for e in doc.timeline
    )
    late = [e for e in doc.timeline if e.at and e.at.date() == date(2025, 10, 30)]
    assert [e.at.strftime("%H:%M") for e in late if e.at] == ["00:03", "05:39"]
    assert doc.started_at == datetime(2025, 10, 21, 21, 45, tzinfo=UTC)
    assert len(doc.action_items) == 26
    assert sum(i.status == ActionItemStatus.COMPLETED for i in doc.action_items) == 7
    assert [s.key for s in doc.sections][-4:] == [
        "what_went_well",
        "what_went_wrong",
        "lessons_learned",
        "other",
    ]


def test_posthog_setext_headings_and_numbered_items(corpus: Path) -> None:
    doc = _read(corpus, "posthog/2025-11-15-persons-db-migration.md")
    assert doc.title.startswith("PostHog Data Processing Delays")
    assert [s.heading for s in doc.sections[1:4]] == [
        "Incident Summary",
        "Incident Impact",
        "Timeline",
    ]
    assert doc.timeline == []  # the timeline only links to the status page
    titles = [item.title for item in doc.action_items]
    assert len(titles) == 11
    assert titles[1] == "**Migration to a new partitioned Persons table**"
    assert sum(i.status == ActionItemStatus.COMPLETED for i in doc.action_items) == 7
    assert doc.section("detection") is not None  # "Why was this hard to detect?"


def test_posthog_fetch_wrapper_table_with_twelve_hour_times(corpus: Path) -> None:
    doc = _read(corpus, "posthog/2026-01-17-replay-sdk-fetch-wrapper-incident.md")
    assert doc.severity == Severity.SEV1  # "**Severity:** Critical"
    assert len(doc.timeline) == 10
    assert doc.timeline[0].at == datetime(2026, 1, 14, 10, 18, tzinfo=UTC)
    assert doc.timeline[1].at == datetime(2026, 1, 15, 17, 33, tzinfo=UTC)  # 5:33 PM
    assert len(doc.action_items) == 7  # the links under the first item are its detail
    assert doc.action_items[0].status == ActionItemStatus.COMPLETED


def test_posthog_without_headings_uses_the_file_name(corpus: Path) -> None:
    doc = _read(corpus, "posthog/investigations_2024-02-28-decide is down.md")
    assert doc.title == "investigations_2024-02-28-decide is down"
    assert len(doc.sections) == 1 and doc.sections[0].heading == ""
    assert doc.extra == {"date": "2024-02-28"}  # kept, so that the export has the same date


def test_posthog_shai_hulud(corpus: Path) -> None:
    doc = _read(corpus, "posthog/2025-11-26-shai-hulud-attack.md")
    assert [(s.key, s.heading) for s in doc.sections[1:]] == [
        ("other", "What should you do?"),
        ("root_cause", "How did it happen?"),
        ("root_cause", "Why did it happen?"),
        ("action_items", "How are we preventing it from happening again?"),
    ]
    assert len(doc.action_items) == 4
    assert doc.kind == Kind.POSTMORTEM


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        (
            "postmortem-template-srebook.md",
            "other other other other summary impact root_cause root_cause resolution detection "
            "action_items lessons_learned what_went_well what_went_wrong where_we_got_lucky "
            "timeline other",
        ),
        (
            "postmortem-template-michael.kehoe.md",
            "other summary other other timeline impact root_cause root_cause contributing_factors "
            "root_cause resolution other lessons_learned what_went_well what_went_wrong "
            "where_we_got_lucky action_items other",
        ),
        (
            "postmortem-template-elastic.md",
            "other other summary timeline root_cause resolution impact action_items",
        ),
        (
            "postmortem-template-azure.md",
            "other other impact impact root_cause action_items other",
        ),
        (
            "postmortem-template-thecloudbook.md",
            "other other summary summary impact other other other timeline contributing_factors "
            "what_went_well what_went_wrong action_items other",
        ),
    ],
)
def test_common_templates_sections(corpus: Path, name: str, keys: str) -> None:
    doc = _read(corpus, f"templates/{name}")
    assert [s.key for s in doc.sections] == keys.split()


def test_google_template_states_pacific_time(corpus: Path) -> None:
    doc = _read(corpus, "templates/postmortem-template-google-api-infra.md")
    assert doc.timezone == "America/Los_Angeles"
    assert doc.sections[0].markdown.startswith("> Sample template from")
