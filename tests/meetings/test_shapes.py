"""Wire shapes declared once (pydantic dataclasses) write the JSON that --json always wrote."""

from __future__ import annotations

import json

from kintsugi.meetings.agenda import PART_JSON, agenda
from kintsugi.meetings.live import FINISH_JSON, FinishResult


def test_an_agenda_part_keeps_its_fields_and_order() -> None:
    part = agenda("postmortem", 90)[2]
    written = json.dumps(PART_JSON.dump_python(part, mode="json"))
    expected = {
        "key": part.key,
        "title": part.title,
        "start_minute": part.start_minute,
        "minutes": part.minutes,
        "guide": f"/handbook/facilitation#{part.key}",
    }
    assert written == json.dumps(expected)


def test_a_finish_result_keeps_its_fields_and_order() -> None:
    result = FinishResult(7, "INC-1", None, ["what_went_well"], [3, 4])
    assert json.dumps(FINISH_JSON.dump_python(result, mode="json")) == json.dumps(
        {
            "meeting_id": 7,
            "postmortem_id": "INC-1",
            "version": None,
            "sections": ["what_went_well"],
            "action_items": [3, 4],
        }
    )
