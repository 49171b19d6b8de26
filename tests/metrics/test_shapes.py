"""The checklist item, declared once (a pydantic dataclass), writes the JSON --json always wrote."""

from __future__ import annotations

import json

from kintsugi.metrics.checklist import RESULT_JSON, Result


def test_a_checklist_item_keeps_its_fields_and_order() -> None:
    item = Result("timeline", "facts", "Has a timeline", "failed", "no events", "ada")
    assert json.dumps(RESULT_JSON.dump_python(item, mode="json")) == json.dumps(
        {
            "key": "timeline",
            "group": "facts",
            "label": "Has a timeline",
            "state": "failed",
            "why": "no events",
            "answered_by": "ada",
        }
    )
