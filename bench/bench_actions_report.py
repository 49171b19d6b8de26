"""The action items report over 1,000,000 items and 100,000 post-mortems (quick: 100k / 10k) in
SQLite, against an anchor measured in the same run: one hand-written SQL query computing the same
aggregates (counts by status, overdue, completed on time, grouped by priority and owner) over the
same visible post-mortems.

Two viewers: the local operator (every post-mortem not deleted) and a signed-in viewer (the
organisation-wide post-mortems plus those granted to them). Each figure is the best of 5 runs
after a warm-up, so both sides read from a warm page cache; anchor and report runs
alternate, so a busy machine slows both alike.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from kintsugi.actions.report import build_report
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.migrations import upgrade
from kintsugi.people.principal import SYSTEM, Principal, Role

TODAY = date(2026, 12, 1)
RUNS = 5
VIEWER_ID = 1

ANCHOR_SQL = """
SELECT i.priority, i.owner, i.owner_kind,
       COUNT(*),
       SUM(CASE WHEN i.status = 'open' THEN 1 ELSE 0 END),
       SUM(CASE WHEN i.status = 'in_progress' THEN 1 ELSE 0 END),
       SUM(CASE WHEN i.status = 'completed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN i.status = 'wont_do' THEN 1 ELSE 0 END),
       SUM(CASE WHEN i.status IN ('open', 'in_progress') AND i.due < :today THEN 1 ELSE 0 END),
       SUM(CASE WHEN i.status = 'completed' AND i.due IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN i.status = 'completed' AND i.due IS NOT NULL
                 AND substr(i.completed_at, 1, 10) <= i.due THEN 1 ELSE 0 END)
FROM action_items AS i JOIN postmortems AS p ON p.pk = i.postmortem_pk
WHERE {visible}
GROUP BY i.priority, i.owner, i.owner_kind
"""
VISIBLE_TO_SYSTEM = "p.deleted_at IS NULL"
VISIBLE_TO_VIEWER = (
    "p.deleted_at IS NULL AND (p.visibility = 'organisation' OR EXISTS ("
    "SELECT 1 FROM postmortem_access AS a WHERE a.postmortem_pk = p.pk AND a.user_id = :viewer))"
)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(url: str, items: int, postmortems: int, seed: int = 42) -> None:
    """Fill a migrated SQLite database fast, with executemany on the raw connection."""
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    now = _stamp(datetime(2026, 11, 1, tzinfo=UTC))
    owners = [f"person{n}" for n in range(2000)] + [f"team{n}" for n in range(100)]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")  # the engine's connections are in autocommit mode
        cursor.execute(
            "INSERT INTO users (id, username, display_name, role, is_active, created_at) "
            "VALUES (?, 'viewer', '', 'viewer', 1, ?)",
            (VIEWER_ID, now),
        )
        pm_rows = []
        grants = []
        for pk in range(1, postmortems + 1):
            visibility = "organisation" if rng.random() < 0.9 else "restricted"
            deleted = now if rng.random() < 0.01 else None
            pm_rows.append(
                (pk, f"pm-{pk}", f"Incident {pk}", "postmortem", "published", "UTC",
                 visibility, "{}", 1, now, now, deleted)
            )  # fmt: skip
            if visibility == "restricted" and rng.random() < 0.2:
                grants.append((pk, VIEWER_ID))
        cursor.executemany(
            "INSERT INTO postmortems (pk, id, title, kind, status, timezone, visibility, extra, "
            "version, created_at, updated_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            pm_rows,
        )
        cursor.executemany(
            "INSERT INTO postmortem_access (postmortem_pk, user_id) VALUES (?, ?)", grants
        )
        statuses = ["open"] * 3 + ["in_progress"] * 2 + ["completed"] * 4 + ["wont_do"]
        priorities = ["P0", "P1", "P1", "P2", "P2", None]
        base = TODAY.toordinal()
        batch = []
        for n in range(1, items + 1):
            status = rng.choice(statuses)
            due = date.fromordinal(base + rng.randint(-200, 120)) if rng.random() < 0.85 else None
            completed = None
            if status == "completed":
                done = (due or TODAY) + timedelta(days=rng.randint(-20, 15))
                completed = _stamp(datetime(done.year, done.month, done.day, 12, tzinfo=UTC))
            owner = rng.choice(owners) if rng.random() < 0.95 else None
            batch.append(
                (n, rng.randint(1, postmortems), n % 12, f"Action item {n}", owner,
                 "team" if owner and owner.startswith("team") else "person",
                 rng.choice(priorities), due.isoformat() if due else None, status,
                 "not worth it" if status == "wont_do" else None, 1, now, now, completed)
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
        "priority, due, status, wont_do_reason, version, created_at, updated_at, completed_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def _best_of_both(
    anchor: Callable[[], Any], report: Callable[[], Any]
) -> tuple[float, Any, float, Any]:
    """Best times of ``anchor`` and ``report``, run alternately after a warm-up of each."""
    anchor()
    report()
    anchor_times, report_times = [], []
    anchor_result = report_result = None
    for _ in range(RUNS):
        started = time.perf_counter()
        anchor_result = anchor()
        anchor_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        report_result = report()
        report_times.append(time.perf_counter() - started)
    return min(anchor_times), anchor_result, min(report_times), report_result


def run(quick: bool) -> list[dict[str, Any]]:
    items, postmortems = (100_000, 10_000) if quick else (1_000_000, 100_000)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        started = time.perf_counter()
        generate(url, items, postmortems)
        generated = time.perf_counter() - started
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        viewer = Principal(user_id=VIEWER_ID, username="viewer", role=Role.VIEWER)
        for label, principal, visible, params in (
            ("operator", SYSTEM, VISIBLE_TO_SYSTEM, {}),
            ("viewer", viewer, VISIBLE_TO_VIEWER, {"viewer": VIEWER_ID}),
        ):
            sql = text(ANCHOR_SQL.format(visible=visible))

            def anchor(sql: Any = sql, params: dict[str, Any] = params) -> int:
                with engine.connect() as conn:
                    groups = conn.execute(sql, {"today": TODAY, **params}).all()
                return sum(int(g[3]) for g in groups)

            def report(principal: Principal = principal) -> int:
                with sessions() as session:
                    return build_report(session, principal, today=TODAY).totals.total

            anchor_time, anchor_total, report_time, report_total = _best_of_both(anchor, report)
            if anchor_total != report_total:
                raise RuntimeError(f"report total {report_total} != anchor total {anchor_total}")
            rows.append(
                {
                    "name": f"report, {label}, {items:,} items / {postmortems:,} post-mortems",
                    "value": report_time * 1000,
                    "unit": "ms",
                    "anchor": "hand-written grouped SQL",
                    "anchor_value": anchor_time * 1000,
                    "ratio": report_time / anchor_time,
                    "target": "<= 2x anchor, < 1000 ms",
                }
            )
        engine.dispose()
    rows.append(
        {
            "name": f"generate {items:,} items (executemany)",
            "value": generated,
            "unit": "s",
            "anchor": None,
            "anchor_value": None,
            "ratio": None,
            "target": "setup only",
        }
    )
    return rows
