"""Merge 1,000,000 events from 4 sources into one timeline and render it as Markdown.

Anchor: a plain ``sorted()`` over the same events as tuples, in the same run. The merge is
pure Python and has no speed target (an incident has hundreds or thousands of events); the
throughput figure is measured so that a change that slows it down shows.

- throughput: the four sources as sorted lists in memory (what ``build`` holds after fetching),
  merged (with duplicate alerts folded) and rendered to a sink; events per second. The best of
  three rounds, for the anchor and the pipeline alike.
- peak memory: the same in a fresh process, against a fresh process that only builds the
  tuples and sorts them (peak RSS).
- streaming: the four sources as lazy iterators (as paginated fetching gives them), merged
  with ``heapq.merge`` and rendered in a fresh process; its peak memory stays small whatever
  the count.

The sources: Slack messages (40%), GitHub deploys and statuses (10%), Prometheus alert
firings and resolutions (25%) and Alertmanager's reports of the same alerts (25%), which fold
into the Prometheus ones.
"""

from __future__ import annotations

import gc
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from kintsugi.timeline.events import AlertKey, Event, Kind
from kintsugi.timeline.merge import merge
from kintsugi.timeline.render import write_table

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 5, 1, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Paris")
PEOPLE = ["ana", "ben", "chen", "dara", "eli", "fatima", "gus", "hana", "ivan", "jo"]
WORDS = ["checkout", "latency", "rollback", "db", "pool", "cache", "deploy", "errors", "p99", "ok"]
ALERTS = [f"Alert{i:03d}" for i in range(500)]
SERVICES = ["api", "web", "worker", "search"]
ROUNDS = 3


class _Sink:
    """Counts what is written (the rendered Markdown would go to a file or a pipe)."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def slack(count: int, span: float, seed: int = 1) -> Iterator[Event]:
    rnd = random.Random(seed)
    step = span / max(count, 1)
    for i in range(count):
        at = T0 + timedelta(seconds=i * step + rnd.random() * step * 0.5)
        ts = f"{int(at.timestamp())}.{i % 1_000_000:06d}"
        words = " ".join(rnd.choice(WORDS) for _ in range(6))
        yield Event(
            at=at,
            source="slack",
            source_id=f"C0123/{ts}",
            kind=Kind.MESSAGE,
            title=f"{words} #{i}",
            detail="",
            actor=PEOPLE[i % len(PEOPLE)],
            link=f"https://slack.com/archives/C0123/p{ts.replace('.', '')}",
        )


def github(count: int, span: float, seed: int = 2) -> Iterator[Event]:
    rnd = random.Random(seed)
    step = span / max(count, 1)
    for i in range(count):
        at = T0 + timedelta(seconds=i * step + rnd.random() * step * 0.5)
        deploy = i % 3 == 0
        yield Event(
            at=at,
            source="github",
            source_id=f"acme/api/deployment{'' if deploy else '_status'}/{i}",
            kind=Kind.DEPLOY if deploy else Kind.DEPLOY_STATUS,
            title=f"Deploy main@{i:07x} to production"
            if deploy
            else f"Deploy success: main@{i:07x} to production",
            detail="canary then all" if deploy else "",
            actor="deploy-bot",
            link=f"https://ci.example.com/runs/{i}",
        )


def _alert_times(count: int, span: float, seed: int) -> Iterator[tuple[int, datetime, bool]]:
    """(alert number, time, is-resolution) in time order; each alert fires then resolves."""
    rnd = random.Random(seed)
    pairs = count // 2
    step = span / max(pairs, 1)
    pending: list[tuple[datetime, int]] = []
    import heapq

    for i in range(pairs):
        at = T0 + timedelta(seconds=i * step)
        while pending and pending[0][0] <= at:
            resolved, number = heapq.heappop(pending)
            yield number, resolved, True
        yield i, at, False
        heapq.heappush(pending, (at + timedelta(seconds=60 + rnd.random() * 600), i))
    while pending:
        resolved, number = heapq.heappop(pending)
        yield number, resolved, True


def _alert_event(source: str, number: int, at: datetime, resolved: bool, extra: bool) -> Event:
    name = ALERTS[number % len(ALERTS)]
    labels = {"service": SERVICES[number % len(SERVICES)], "severity": "page"}
    if extra:
        labels["cluster"] = "eu-1"  # Alertmanager sees Prometheus' external labels
    state = "resolved" if resolved else "firing"
    return Event(
        at=at,
        source=source,
        source_id=f"{name}/{number}/{state}",
        kind=Kind.ALERT_RESOLVED if resolved else Kind.ALERT,
        title=f"Alert {state}: {name}",
        detail=f"service={labels['service']}, severity=page",
        link=f"https://prometheus.example.com/graph?g0.expr=ALERTS&n={number}",
        alert=AlertKey.of(name, labels),
    )


def prometheus(count: int, span: float) -> Iterator[Event]:
    for number, at, resolved in _alert_times(count, span, 3):
        yield _alert_event("prometheus", number, at, resolved, extra=False)


def alertmanager(count: int, span: float) -> Iterator[Event]:
    """The same alerts a few seconds later (its own clock and delays), still in time order."""
    delay = timedelta(seconds=7)
    for number, at, resolved in _alert_times(count, span, 3):
        yield _alert_event("alertmanager", number, at + delay, resolved, extra=True)


def sources(total: int) -> list[Iterator[Event]]:
    """Four lazily generated sources, each in time order, ``total`` events in all."""
    span = float(total)  # one event a second on average
    return [
        slack(total * 40 // 100, span),
        github(total * 10 // 100, span),
        prometheus(total * 25 // 100, span),
        alertmanager(total - total * 75 // 100, span),
    ]


def pipeline(streams: list[Any], out: TextIO | _Sink) -> int:
    """Merge and render: what ``kintsugi timeline build`` does after fetching."""
    return write_table(merge(streams), ZONE, out)  # type: ignore[arg-type]


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: ru_maxrss would include the parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, total: int) -> None:
    """Run one measurement in this (fresh) process and print JSON."""
    started = time.perf_counter()
    if mode == "anchor":
        lists = [list(s) for s in sources(total)]
        tuples = [(e.at, e.source, e.source_id, e.title) for s in lists for e in s]
        del lists
        gc.collect()
        started = time.perf_counter()
        rows = len(sorted(tuples))
    elif mode == "lists":
        lists = [list(s) for s in sources(total)]
        started = time.perf_counter()
        rows = pipeline(lists, _Sink())  # type: ignore[arg-type]
    else:  # streaming
        rows = pipeline(sources(total), _Sink())  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    print(json.dumps({"rows": rows, "seconds": elapsed, "peak_mb": _peak_rss_mb()}))


def _in_child(mode: str, total: int) -> dict[str, Any]:
    code = f"from bench.bench_timeline import child; child({mode!r}, {total})"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench child {mode} failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(quick: bool) -> list[dict[str, Any]]:
    total = 100_000 if quick else 1_000_000
    label = f"{total:,} events, 4 sources"

    # throughput, in this process: the same events for the anchor and the pipeline; the best
    # of ROUNDS for each (the machine may be busy), fresh events every round (merging folds
    # duplicates into the events it is given)
    anchor = elapsed = float("inf")
    rows = 0
    for _ in range(ROUNDS):
        lists = [list(s) for s in sources(total)]
        tuples = [(e.at, e.source, e.source_id, e.title) for s in lists for e in s]
        gc.collect()
        started = time.perf_counter()
        sorted(tuples)
        anchor = min(anchor, time.perf_counter() - started)
        del tuples
        gc.collect()
        sink = _Sink()
        started = time.perf_counter()
        rows = pipeline(lists, sink)  # type: ignore[arg-type]
        elapsed = min(elapsed, time.perf_counter() - started)
        del lists
        gc.collect()

    anchor_child = _in_child("anchor", total)
    lists_child = _in_child("lists", total)
    streaming_child = _in_child("streaming", total)
    return [
        {
            "name": f"merge + render {label} ({rows:,} rows after folding)",
            "value": total / elapsed,
            "unit": "events/s",
            "anchor": "sorted() over the same events as tuples",
            "anchor_value": total / anchor,
            "ratio": elapsed / anchor,
            "target": "none (measured)",
        },
        {
            "name": f"peak memory, {label} in memory",
            "value": lists_child["peak_mb"],
            "unit": "MB",
            "anchor": "sorted() over tuples, own process",
            "anchor_value": anchor_child["peak_mb"],
            "ratio": lists_child["peak_mb"] / anchor_child["peak_mb"],
            "target": "< 1024 MB",
        },
        {
            "name": f"peak memory, {label} streamed (lazy sources, heapq.merge)",
            "value": streaming_child["peak_mb"],
            "unit": "MB",
            "anchor": "sorted() over tuples, own process",
            "anchor_value": anchor_child["peak_mb"],
            "ratio": streaming_child["peak_mb"] / anchor_child["peak_mb"],
            "target": "< 1024 MB",
        },
    ]


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        print(row)
