"""``kintsugi draft`` of one incident whose timeline has 5,000 events from four sources
(quick: 500), against the sources' own response time measured in the same run.

The sources: PagerDuty (the incident and its log entries, served over HTTP by a local server
that follows the REST API v2, paginated 100 at a time) and three event files (chat messages,
deploys, alerts). The anchor is what the sources cost by themselves: every PagerDuty page
fetched with a plain HTTP client and the three files read and parsed as JSON. The figure that
matters is the time beyond the anchor (fetching through the sources, merging, the document,
the one transaction that stores it); the aim is under 2 s. A refresh with nothing new is
measured too (it writes nothing). Each figure is the best of three rounds, each on a fresh
database.
"""

from __future__ import annotations

import json
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.migrations import upgrade
from kintsugi.demo.standins import pagerduty_standin
from kintsugi.incidents.draft import draft_incident
from kintsugi.people.principal import SYSTEM

INCIDENT = "PBENCH1"
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TOKEN = "bench-token"
PEOPLE = ["Ana Lima", "Ben Okafor", "Chen Wu", "Dara Singh", "Eli Moss"]
ROUNDS = 3


def _log_entries(count: int, span: timedelta) -> list[dict[str, Any]]:
    """A trigger, pages, an acknowledgement, notes, and the resolution at the end."""
    step = span / count
    entries = []
    for i in range(count):
        at = START + step * i
        if i == 0:
            kind, summary = "trigger_log_entry", "Triggered through the API"
        elif i == count - 1:
            kind, summary = "resolve_log_entry", f"Resolved by {PEOPLE[0]}"
        elif i < 4:
            kind, summary = "notify_log_entry", f"Notified {PEOPLE[i % 5]} by SMS"
        elif i == 4:
            kind, summary = "acknowledgement_log_entry", f"Acknowledged by {PEOPLE[0]}"
        else:
            kind, summary = "annotate_log_entry", "Note added"
        entries.append(
            {
                "id": f"R{i:06d}",
                "type": kind,
                "summary": summary,
                "created_at": at.isoformat().replace("+00:00", "Z"),
                "note": f"Checked shard {i % 40}: lag {i % 17} s"
                if kind.startswith("annotate")
                else None,
                "agent": {"type": "user_reference", "summary": PEOPLE[i % 5]},
                "channel": {"type": "web_trigger"},
            }
        )
    return entries


def _incident(span: timedelta) -> dict[str, Any]:
    return {
        "id": INCIDENT,
        "type": "incident",
        "title": "[FIRING:1] CheckoutErrors checkout (production)",
        "created_at": START.isoformat(),
        "status": "resolved",
        "resolved_at": (START + span).isoformat(),
        "last_status_change_at": (START + span).isoformat(),
        "urgency": "high",
        "html_url": f"https://acme.pagerduty.com/incidents/{INCIDENT}",
        "service": {"summary": "checkout"},
    }


def _files(folder: Path, count: int, span: timedelta) -> list[Path]:
    """Chat messages, deploys and alerts, ``count`` events each."""
    step = span / count
    shapes = {
        "chat": lambda i: {"kind": "message", "title": f"Looking at shard {i % 40} now",
                           "actor": PEOPLE[i % 5]},
        "deploys": lambda i: {"kind": "deploy", "title": f"Deploy checkout@{i:07x}",
                              "actor": "deploy-bot"},
        "alerts": lambda i: {"kind": "alert", "title": f"Alert firing: Lag{i % 30}",
                             "alert": f"Lag{i % 30}"},
    }  # fmt: skip
    paths = []
    for name, shape in shapes.items():
        events = [
            {"id": f"{name}-{i}", "at": (START + step * i).isoformat(), **shape(i)}
            for i in range(count)
        ]
        path = folder / f"{name}.json"
        path.write_text(json.dumps(events))
        paths.append(path)
    return paths


def _anchor(url: str, paths: list[Path]) -> float:
    """The sources by themselves: every page over HTTP, every file read and parsed."""
    started = time.perf_counter()
    headers = {"Authorization": f"Token token={TOKEN}"}
    with urllib.request.urlopen(
        urllib.request.Request(f"{url}/incidents/{INCIDENT}", headers=headers)
    ) as r:
        json.loads(r.read())
    offset = 0
    while True:
        page = f"{url}/incidents/{INCIDENT}/log_entries?limit=100&offset={offset}"
        with urllib.request.urlopen(urllib.request.Request(page, headers=headers)) as r:
            data = json.loads(r.read())
        offset += len(data["log_entries"])
        if not data["more"]:
            break
    for path in paths:
        json.loads(path.read_text())
    return time.perf_counter() - started


def run(quick: bool) -> list[dict[str, Any]]:
    total = 500 if quick else 5_000
    per_source = total // 4
    span = timedelta(hours=3)
    best_anchor = best_draft = best_refresh = float("inf")
    stored = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = _files(folder, per_source, span)
        with pagerduty_standin(
            {"incident": _incident(span), "log_entries": _log_entries(per_source, span)}
        ) as url:
            env = {"PAGERDUTY_API_URL": url, "PAGERDUTY_API_TOKEN": TOKEN}
            specs = [f"file:{path}" for path in paths]
            for round_ in range(ROUNDS):
                best_anchor = min(best_anchor, _anchor(url, paths))
                engine = make_engine(f"sqlite:///{folder / f'draft{round_}.db'}")
                upgrade(engine)
                sessions = make_sessionmaker(engine)
                started = time.perf_counter()
                first = draft_incident(sessions, SYSTEM, f"pagerduty:{INCIDENT}",
                                       extra_sources=specs, env=env)  # fmt: skip
                best_draft = min(best_draft, time.perf_counter() - started)
                started = time.perf_counter()
                again = draft_incident(sessions, SYSTEM, f"pagerduty:{INCIDENT}", env=env)
                best_refresh = min(best_refresh, time.perf_counter() - started)
                if again.changed:
                    raise RuntimeError("a refresh with nothing new changed the draft")
                stored = first.saved.created
                engine.dispose()
    beyond = max(best_draft - best_anchor, 0.0)
    return [
        {
            "name": f"draft, {total:,} events from 4 sources ({stored:,} stored): beyond the sources",
            "value": beyond * 1000,
            "unit": "ms",
            "anchor": "the sources' own response time",
            "anchor_value": best_anchor * 1000,
            "ratio": best_draft / best_anchor if best_anchor else None,
            "target": "< 2000 ms beyond the sources",
        },
        {
            "name": f"draft, {total:,} events, in all",
            "value": best_draft * 1000,
            "unit": "ms",
            "anchor": None,
            "anchor_value": None,
            "ratio": None,
            "target": None,
        },
        {
            "name": "refresh with nothing new (writes nothing)",
            "value": best_refresh * 1000,
            "unit": "ms",
            "anchor": None,
            "anchor_value": None,
            "ratio": None,
            "target": None,
        },
    ]
