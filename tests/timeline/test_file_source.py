from __future__ import annotations

import json
from pathlib import Path

import pytest

from kintsugi.core.errors import InputError
from kintsugi.timeline.events import Event, Kind
from kintsugi.timeline.sources.base import Window
from kintsugi.timeline.sources.file import FileSource
from tests.timeline.helpers import at

WINDOW = Window(at(-600), at(600))


def read(path: Path) -> list[Event]:
    return list(FileSource(f"file:{path}", str(path)).events(WINDOW))


def test_json_events(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(
        json.dumps(
            {
                "events": [
                    {
                        "at": "2024-05-01T13:45:00Z",
                        "kind": "config_change",
                        "title": "Raised pool size",
                        "actor": "ops",
                        "id": "chg-1",
                    },
                    {
                        "time": "2024-05-01T16:10:00+02:00",
                        "text": "Status page updated",
                        "url": "https://status.example.com",
                    },
                    {
                        "timestamp": 1714572000,
                        "title": "HighErrorRate",
                        "kind": "alert",
                        "alert": "HighErrorRate",
                    },
                    {"at": "2020-01-01T00:00:00Z", "title": "long before the window"},
                ]
            }
        )
    )
    events = read(path)
    assert [e.kind for e in events] == [Kind.CONFIG_CHANGE, Kind.OTHER, Kind.ALERT]
    assert events[0].source_id == "chg-1" and events[0].actor == "ops"
    assert events[1].at == at(10) and events[1].link == "https://status.example.com"
    assert events[1].source_id.startswith("sha256:")
    assert events[2].alert is not None and events[2].alert.name == "higherrorrate"
    assert read(path)[1].source_id == events[1].source_id  # stable identity across builds


def test_csv_events(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "Time,Title,Kind,Actor,Detail\n"
        '2024-05-01T13:40:00Z,Deployed api v1.42,deploy,ci,"canary, then all"\n'
        "\n"
        "2024-05-01T14:20:00Z,Customer emails spike,note,support,\n"
    )
    events = read(path)
    assert [(e.title, e.kind, e.actor) for e in events] == [
        ("Deployed api v1.42", Kind.DEPLOY, "ci"),
        ("Customer emails spike", Kind.NOTE, "support"),
    ]
    assert events[0].detail == "canary, then all"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "bad.json",
            '{"events": [{"at": "2024-05-01T14:00:00", "title": "x"}]}',
            "events[0].at: '2024-05-01T14:00:00' is not a time with a zone",
        ),
        ("bad.json", '[{"at": "2024-05-01T14:00:00Z"}]', "events[0].title: is missing"),
        (
            "bad.json",
            '[{"at": "2024-05-01T14:00:00Z", "title": "x", "kind": "party"}]',
            "events[0].kind: 'party' is not a kind",
        ),
        ("bad.json", '{"events": [1, 2', "invalid JSON"),
        ("bad.csv", "when,what\n1,2\n", "the header must name a time column"),
        (
            "bad.csv",
            "at,title\n2024-05-01T14:00:00Z,fine\nnot-a-time,broken\n",
            ":3: at: 'not-a-time'",
        ),
    ],
)
def test_bad_files_say_where(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError) as caught:
        read(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No such file"):
        read(tmp_path / "nope.json")
