"""All learning metrics over 100,000 incidents and 1,000,000 action items (quick: 10k / 100k)
in SQLite, against an anchor measured in the same run: the same aggregates as hand-written SQL
(the grouped scans of incidents, of completed action items, of time to post-mortem, of
acknowledgements and of near misses; the generated data has no RCA categories or library
vectors, so the recurrence check has nothing to pair and costs the same on both sides) over the same visible post-mortems and period.

Also the dashboard page (``GET /metrics/dashboard`` through the app, the metrics cache emptied
before each request so that every figure is computed) and the Prometheus exposition. Each
figure is the best of 5 runs after a warm-up, anchor and metrics alternating.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.migrations import upgrade
from kintsugi.metrics.policy import Policy
from kintsugi.metrics.queries import Scope
from kintsugi.metrics.service import compute_metrics
from kintsugi.people.principal import SYSTEM

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
SCOPE = Scope(since=datetime(2025, 12, 1, tzinfo=UTC), until=NOW)
RUNS = 5
TEAMS = 12
WORDS = ["Add a load test gate", "Update the runbook for", "Alert on", "Fix the retry in",
         "Document the failover in the wiki for", "Review the process for"]  # fmt: skip

# The same figures as metrics.queries, written by hand for SQLite.
WHEN = "COALESCE(p.started_at, p.detected_at, p.resolved_at, p.created_at)"
EPOCH = "((julianday({}) - 2440587.5) * 86400.0)"
SCOPED = f"p.deleted_at IS NULL AND p.kind = 'postmortem' AND {WHEN} >= :since AND {WHEN} < :until"
ANCHOR_INCIDENTS = f"""
SELECT substr({WHEN}, 1, 7), p.severity, p.team_id, COUNT(*),
  SUM(CASE WHEN p.status = 'published' THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.status != 'published' AND (p.resolved_at IS NULL OR
      :now - {EPOCH.format("p.resolved_at")} < CASE p.severity WHEN 'SEV3' THEN 604800.0
      WHEN 'SEV1' THEN 172800.0 WHEN 'SEV2' THEN 172800.0 END
      OR p.severity IS NULL) THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.resolved_at >= COALESCE(p.detected_at, p.started_at) THEN
      {EPOCH.format("p.resolved_at")} - {EPOCH.format("COALESCE(p.detected_at, p.started_at)")}
      ELSE 0 END),
  SUM(CASE WHEN p.resolved_at >= COALESCE(p.detected_at, p.started_at) THEN 1 ELSE 0 END),
  SUM(CASE WHEN p.detected_at >= p.started_at THEN
      {EPOCH.format("p.detected_at")} - {EPOCH.format("p.started_at")} ELSE 0 END),
  SUM(CASE WHEN p.detected_at >= p.started_at THEN 1 ELSE 0 END)
FROM postmortems AS p WHERE {SCOPED}
GROUP BY 1, 2, 3
"""
ANCHOR_TIME_TO_PM = f"""
SELECT substr({WHEN}, 1, 7), p.severity, p.team_id,
  ({EPOCH.format("p.published_at")} - {EPOCH.format("p.resolved_at")}) / 3600.0
FROM postmortems AS p
WHERE p.status = 'published' AND p.published_at >= p.resolved_at AND {SCOPED}
"""
ANCHOR_ITEMS = """
SELECT substr(i.completed_at, 1, 7), p.severity, p.team_id,
  SUM(CASE WHEN i.due IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN i.due IS NOT NULL AND substr(i.completed_at, 1, 10) <= i.due THEN 1 ELSE 0 END),
  SUM(CASE WHEN i.kind = 'documentation' OR (i.kind IS NULL AND (lower(i.title) LIKE '%runbook%'
      OR lower(i.title) LIKE '%playbook%' OR lower(i.title) LIKE '%documentation%'
      OR lower(i.title) LIKE '%docs%' OR lower(i.title) LIKE '%wiki%'
      OR lower(i.title) LIKE '%readme%' OR lower(i.title) LIKE '%guide%')) THEN 1 ELSE 0 END)
FROM action_items AS i JOIN postmortems AS p ON p.pk = i.postmortem_pk
WHERE i.status = 'completed' AND i.completed_at >= :since AND i.completed_at < :until
  AND p.deleted_at IS NULL
GROUP BY 1, 2, 3
"""
ANCHOR_OTHERS = [
    f"""SELECT substr({WHEN}, 1, 7), p.severity, p.team_id, SUM(1), COUNT(*)
    FROM postmortems AS p JOIN (SELECT postmortem_pk AS pk, MIN(at) AS at FROM timeline_events
      WHERE kind = 'acknowledge' AND at IS NOT NULL GROUP BY postmortem_pk) AS a ON a.pk = p.pk
    WHERE {SCOPED} GROUP BY 1, 2, 3""",
    f"""SELECT substr({WHEN}, 1, 7), p.severity, p.team_id, COUNT(*) FROM postmortems AS p
    WHERE p.deleted_at IS NULL AND p.kind = 'near_miss' AND {WHEN} >= :since AND {WHEN} < :until
    GROUP BY 1, 2, 3""",
]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(url: str, incidents: int, items: int, seed: int = 42) -> None:
    """Fill a migrated SQLite database fast, with executemany on the raw connection."""
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    raw = engine.raw_connection()
    start = datetime(2024, 12, 1, tzinfo=UTC)
    span = (NOW - start).total_seconds()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        cursor.executemany(
            "INSERT INTO teams (id, name) VALUES (?, ?)",
            [(n, f"team-{n}") for n in range(1, TEAMS + 1)],
        )
        rows = []
        for pk in range(1, incidents + 1):
            began = start + timedelta(seconds=rng.random() * span)
            detected = began + timedelta(minutes=rng.randint(1, 60))
            resolved = detected + timedelta(minutes=rng.randint(10, 600))
            published = rng.random() < 0.8 and resolved + timedelta(hours=rng.randint(2, 200))
            kind = "near_miss" if rng.random() < 0.03 else "postmortem"
            rows.append(
                (pk, f"pm-{pk}", f"Incident {pk}", kind,
                 "published" if published else "draft", rng.choice(["SEV1", "SEV2", "SEV3"]),
                 _stamp(began), _stamp(detected), _stamp(resolved), "UTC",
                 "organisation" if rng.random() < 0.9 else "restricted",
                 rng.randint(1, TEAMS) if rng.random() < 0.9 else None, "{}", 1,
                 _stamp(began), _stamp(resolved),
                 _stamp(published) if published else None)
            )  # fmt: skip
        cursor.executemany(
            "INSERT INTO postmortems (pk, id, title, kind, status, severity, started_at, "
            "detected_at, resolved_at, timezone, visibility, team_id, extra, version, "
            "created_at, updated_at, published_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        kinds = [None] * 6 + ["fix", "documentation", "prevention", "process"]
        batch = []
        for n in range(1, items + 1):
            done = rng.random() < 0.5
            due = start + timedelta(seconds=rng.random() * span)
            completed = due + timedelta(days=rng.randint(-20, 15)) if done else None
            batch.append(
                (n, rng.randint(1, incidents), n % 8, f"{rng.choice(WORDS)} service {n % 97}",
                 f"person{n % 500}", "person", rng.choice(["P0", "P1", "P2"]),
                 due.date().isoformat(), "completed" if done else "open", 1,
                 _stamp(start), _stamp(start), _stamp(completed) if completed else None,
                 rng.choice(kinds))
            )  # fmt: skip
            if len(batch) == 50_000:
                _insert_items(cursor, batch)
                batch = []
        if batch:
            _insert_items(cursor, batch)
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()


def _insert_items(cursor: Any, rows: list[tuple[Any, ...]]) -> None:
    cursor.executemany(
        "INSERT INTO action_items (id, postmortem_pk, position, title, owner, owner_kind, "
        "priority, due, status, version, created_at, updated_at, completed_at, kind) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def _best(*functions: Callable[[], Any]) -> list[tuple[float, Any]]:
    """Best time and last result of each function, run in turn after a warm-up of each."""
    for function in functions:
        function()
    times: list[list[float]] = [[] for _ in functions]
    results: list[Any] = [None] * len(functions)
    for _ in range(RUNS):
        for index, function in enumerate(functions):
            started = time.perf_counter()
            results[index] = function()
            times[index].append(time.perf_counter() - started)
    return [(min(t), r) for t, r in zip(times, results, strict=True)]


def run(quick: bool) -> list[dict[str, Any]]:
    incidents, items = (10_000, 100_000) if quick else (100_000, 1_000_000)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        started = time.perf_counter()
        generate(url, incidents, items)
        generated = time.perf_counter() - started
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        params = {"since": _stamp(SCOPE.since), "until": _stamp(SCOPE.until),
                  "now": NOW.timestamp()}  # fmt: skip

        def anchor() -> float:
            with engine.connect() as conn:
                groups = conn.execute(text(ANCHOR_INCIDENTS), params).all()
                conn.execute(text(ANCHOR_TIME_TO_PM), params).all()
                conn.execute(text(ANCHOR_ITEMS), params).all()
                for sql in ANCHOR_OTHERS:
                    conn.execute(text(sql), params).all()
            total, published, not_due = (sum(float(g[i] or 0) for g in groups) for i in (3, 4, 5))
            return round(published / (total - not_due) * 100, 2)

        def metrics() -> float | None:
            with sessions() as session:
                report = compute_metrics(session, SYSTEM, SCOPE, Policy(), now=NOW)
            return report.metric("post_mortem_completion_rate").current

        (anchor_time, expected), (metrics_time, found) = _best(anchor, metrics)
        if expected != found:
            raise RuntimeError(f"completion rate {found} != anchor {expected}")
        rows.append(
            {
                "name": f"all 7 metrics, {incidents:,} incidents / {items:,} items, 12 months",
                "value": metrics_time * 1000,
                "unit": "ms",
                "anchor": "the same aggregates as hand-written SQL",
                "anchor_value": anchor_time * 1000,
                "ratio": metrics_time / anchor_time,
                "target": "<= 2x anchor, < 2000 ms",
            }
        )
        rows += _web(url)
        engine.dispose()
    rows.append(
        {
            "name": f"generate {incidents:,} incidents and {items:,} items (executemany)",
            "value": generated,
            "unit": "s",
            "anchor": None,
            "anchor_value": None,
            "ratio": None,
            "target": None,
        }
    )
    return rows


def _web(url: str) -> list[dict[str, Any]]:
    """The dashboard page (metrics computed every time) and the Prometheus exposition."""
    from fastapi.testclient import TestClient

    from kintsugi.core.config import Settings
    from kintsugi.metrics import pages
    from kintsugi.people import service as people
    from kintsugi.people.principal import Role
    from kintsugi.web.app import create_app

    app = create_app(Settings(database_url=url))
    with app.state.writing_sessions.begin() as session:
        people.create_user(session, SYSTEM, "bench", role=Role.ADMIN, password="x" * 12)
        token = people.create_token(session, SYSTEM, "bench", "bench", "read").secret
    rows = []
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:

        def dashboard() -> int:
            pages.CACHE._entries.clear()
            response = client.get("/metrics/dashboard?since=2025-12-01")
            assert response.status_code == 200, response.text[:500]
            return len(response.content)

        def warm_dashboard() -> int:
            return len(client.get("/metrics/dashboard?since=2025-12-01").content)

        def exposition() -> int:
            response = client.get("/metrics")
            assert response.status_code == 200
            return len(response.content)

        def chart() -> int:
            return len(client.get("/metrics/charts/mttr_minutes.svg?since=2025-12-01").content)

        (cold, _), (warm, _), (scrape, _), (svg, _) = _best(
            dashboard, warm_dashboard, exposition, chart
        )
    app.state.engine.dispose()
    for name, value, target in (
        ("dashboard page, metrics computed", cold, "< 300 ms"),
        ("dashboard page, metrics cached (30 s)", warm, "< 300 ms"),
        ("one chart (SVG), metrics cached", svg, None),
        ("GET /metrics (Prometheus, 90 days, per team and severity)", scrape, None),
    ):
        rows.append(
            {"name": name, "value": value * 1000, "unit": "ms", "anchor": None,
             "anchor_value": None, "ratio": None, "target": target}
        )  # fmt: skip
    return rows
