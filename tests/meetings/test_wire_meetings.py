"""The meetings' wire shapes (pydantic, from the classes' type hints) write the JSON that the
hand-written ``to_json`` methods wrote: same keys, same order, times as ``isoformat``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kintsugi.meetings.agenda import AgendaPart
from kintsugi.meetings.followups import FollowUp
from kintsugi.meetings.live import Clock, NoteView
from kintsugi.meetings.prep import ChecklistItem
from kintsugi.meetings.script import PROMPTS, PROMPTS_BY_KEY, Script, ScriptPart
from kintsugi.meetings.service import MeetingSummary
from kintsugi.meetings.when import DeadlineCheck

CPH = ZoneInfo("Europe/Copenhagen")
WELCOME = AgendaPart("welcome", "Welcome", 0, 5)
TIMELINE = AgendaPart("what-happened", "What happened", 5, 20)


def _same(written: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal, and in the same key order (as the JSON text shows)."""
    assert json.dumps(written) == json.dumps(expected)


def test_a_deadline_check_writes_the_deadline_as_isoformat() -> None:
    deadline = datetime(2026, 12, 3, 14, 0, tzinfo=CPH)
    _same(
        DeadlineCheck(deadline, True, "late").to_json(),
        {"deadline": "2026-12-03T14:00:00+01:00", "missed": True, "message": "late"},
    )
    _same(
        DeadlineCheck(None, False, "no deadline").to_json(),
        {"deadline": None, "missed": False, "message": "no deadline"},
    )


def test_a_meeting_summary_keeps_its_fields_and_order() -> None:
    summary = MeetingSummary(
        7, "postmortem", "Review: pool", datetime(2026, 12, 3, 13, 0, tzinfo=UTC),
        "Europe/Copenhagen", 60, ["pool", "cache"], "/meetings/7",
    )  # fmt: skip
    _same(
        summary.to_json(),
        {
            "id": 7,
            "kind": "postmortem",
            "title": "Review: pool",
            "starts_at": "2026-12-03T13:00:00+00:00",
            "timezone": "Europe/Copenhagen",
            "duration_minutes": 60,
            "postmortem_ids": ["pool", "cache"],
            "url_path": "/meetings/7",
            "status": "scheduled",
        },
    )


def test_a_follow_up_writes_its_times_as_isoformat() -> None:
    followup = FollowUp(
        "notes_sent", "Notes sent to the participants",
        datetime(2026, 12, 4, 13, 0, tzinfo=UTC), False, None,
        datetime(2026, 12, 4, 10, 30, tzinfo=CPH),
    )  # fmt: skip
    _same(
        followup.to_json(),
        {
            "kind": "notes_sent",
            "label": "Notes sent to the participants",
            "due_at": "2026-12-04T13:00:00+00:00",
            "done": False,
            "done_at": None,
            "reminded_at": "2026-12-04T10:30:00+01:00",
        },
    )


def test_a_checklist_item_names_its_links_and_says_ready_before_them() -> None:
    item = ChecklistItem("chat", "Chat transcript", [("3 chat messages", ""), ("u", "https://x")])
    _same(
        item.to_json(),
        {
            "key": "chat",
            "label": "Chat transcript",
            "ready": True,
            "found": [{"label": "3 chat messages", "url": ""}, {"label": "u", "url": "https://x"}],
        },
    )
    _same(
        ChecklistItem("runbooks", "Runbooks consulted").to_json(),
        {"key": "runbooks", "label": "Runbooks consulted", "ready": False, "found": []},
    )


def test_a_note_writes_its_due_date_and_time_and_findings() -> None:
    finding = {"rule": "person-lapse", "line": 1, "suggestion": None, "redirect": "Step back"}
    note = NoteView(
        3, "action-items", "ana", "Add an alert", "bo", "P1", date(2026, 12, 10),
        datetime(2026, 12, 3, 14, 5, 30, tzinfo=UTC), [finding],
    )  # fmt: skip
    _same(
        note.to_json(),
        {
            "id": 3,
            "part": "action-items",
            "author": "ana",
            "text": "Add an alert",
            "owner": "bo",
            "priority": "P1",
            "due": "2026-12-10",
            "created_at": "2026-12-03T14:05:30+00:00",
            "findings": [finding],
        },
    )
    plain = NoteView(4, "welcome", "ana", "Hi", None, None, None, datetime(2026, 12, 3, tzinfo=CPH))
    assert plain.to_json()["due"] is None and plain.to_json()["findings"] == []
    assert plain.to_json()["created_at"] == "2026-12-03T00:00:00+01:00"


def test_a_clock_writes_its_part_and_the_derived_time_left_last() -> None:
    started = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    now = datetime(2026, 12, 3, 14, 7, tzinfo=UTC)  # two minutes past the five planned
    clock = Clock("running", WELCOME, started, now, [WELCOME, TIMELINE])
    _same(
        clock.to_json(),
        {
            "status": "running",
            "part": {
                "key": "welcome",
                "title": "Welcome",
                "start_minute": 0,
                "minutes": 5,
                "guide": "/handbook/facilitation#welcome",
            },
            "part_started_at": "2026-12-03T14:00:00+00:00",
            "now": "2026-12-03T14:07:00+00:00",
            "remaining_seconds": -120,
            "overrun": True,
        },
    )
    idle = Clock("scheduled", None, None, datetime(2026, 12, 3, 15, 0, tzinfo=CPH), [WELCOME])
    _same(
        idle.to_json(),
        {
            "status": "scheduled",
            "part": None,
            "part_started_at": None,
            "now": "2026-12-03T15:00:00+01:00",
            "remaining_seconds": None,
            "overrun": False,
        },
    )


def test_a_script_flattens_each_part_and_names_its_prompts_by_key() -> None:
    blame, drift = PROMPTS_BY_KEY["blame"], PROMPTS_BY_KEY["drift"]
    part = ScriptPart(TIMELINE, ["Walk the timeline."], ["What did you see?"], [blame, drift])
    script = Script("Pool exhausted", "In short.", ["ana", "bo"], [part])
    part_json = {
        "key": "what-happened",
        "title": "What happened",
        "start_minute": 5,
        "minutes": 20,
        "guide": "/handbook/facilitation#what-happened",
        "say": ["Walk the timeline."],
        "ask": ["What did you see?"],
        "prompts": ["blame", "drift"],
    }
    _same(part.to_json(), part_json)
    _same(
        script.to_json(),
        {
            "title": "Pool exhausted",
            "summary": "In short.",
            "responders": ["ana", "bo"],
            "parts": [part_json],
            "prompts": [{"key": p.key, "moment": p.moment, "say": p.say} for p in PROMPTS],
        },
    )
