"""The report's SQL figures against the same figures computed in Python on generated data."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.models import ActionItemRow
from kintsugi.actions.report import NO_PRIORITY, UNASSIGNED, build_report
from kintsugi.core.types import utcnow
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems.models import PostmortemRow
from tests.actions.helpers import grant, make_user

TODAY = date(2026, 12, 1)
OWNERS = ["ana", "ben", "sre", "payments", None]
STATUSES = ["open", "in_progress", "completed", "wont_do"]
PRIORITIES = ["P0", "P1", "P2", None]


@dataclass
class Generated:
    pm: str
    visibility: str
    deleted: bool
    priority: str | None
    owner: str | None
    status: str
    due: date | None
    completed_at: datetime | None


def _generate(sessions: sessionmaker[Session], seed: int) -> list[Generated]:
    rng = random.Random(seed)
    made: list[Generated] = []
    with sessions.begin() as session:
        for n in range(30):
            visibility = rng.choice(["organisation"] * 4 + ["restricted"])
            deleted = rng.random() < 0.1
            pm = PostmortemRow(
                id=f"pm-{n}",
                title=f"Incident {n}",
                visibility=visibility,
                deleted_at=utcnow() if deleted else None,
            )
            session.add(pm)
            session.flush()
            for position in range(rng.randint(0, 12)):
                status = rng.choice(STATUSES)
                due = TODAY + timedelta(days=rng.randint(-40, 40)) if rng.random() < 0.8 else None
                completed_at = None
                if status == "completed":
                    base = due or TODAY
                    # on the due day's last second, the next day's first, or a few days off
                    completed_at = rng.choice(
                        [
                            datetime.combine(base, time(23, 59, 59), UTC),
                            datetime.combine(base + timedelta(days=1), time(0, 0, 1), UTC),
                            datetime.combine(
                                base + timedelta(days=rng.randint(-9, 9)), time(12), UTC
                            ),
                        ]
                    )
                g = Generated(
                    pm=pm.id,
                    visibility=visibility,
                    deleted=deleted,
                    priority=rng.choice(PRIORITIES),
                    owner=rng.choice(OWNERS),
                    status=status,
                    due=due,
                    completed_at=completed_at,
                )
                made.append(g)
                session.add(
                    ActionItemRow(
                        postmortem_pk=pm.pk,
                        position=position,
                        title=f"item {len(made)}",
                        owner=g.owner,
                        owner_kind="team" if g.owner in ("sre", "payments") else "person",
                        priority=g.priority,
                        due=g.due,
                        status=g.status,
                        wont_do_reason="no" if status == "wont_do" else None,
                        completed_at=g.completed_at,
                    )
                )
    return made


def _expected(rows: list[Generated]) -> dict[str, object]:
    def counts(group: list[Generated]) -> dict[str, object]:
        completed = [g for g in group if g.status == "completed"]
        with_due = [g for g in completed if g.due is not None]
        on_time = [g for g in with_due if g.completed_at and g.completed_at.date() <= g.due]  # type: ignore[operator]
        doable = len(group) - sum(g.status == "wont_do" for g in group)
        return {
            "total": len(group),
            "open": sum(g.status == "open" for g in group),
            "in_progress": sum(g.status == "in_progress" for g in group),
            "completed": len(completed),
            "wont_do": sum(g.status == "wont_do" for g in group),
            "overdue": sum(
                g.status in ("open", "in_progress") and g.due is not None and g.due < TODAY
                for g in group
            ),
            "completion_rate": round(len(completed) / doable, 4) if doable else None,
            "on_time_completion_rate": round(len(on_time) / len(with_due), 4) if with_due else None,
        }

    result = counts(rows)
    result["by_priority"] = {
        key: counts([g for g in rows if (g.priority or NO_PRIORITY) == key])
        for key in ["P0", "P1", "P2", NO_PRIORITY]
    }
    owners = {g.owner or UNASSIGNED for g in rows}
    result["by_owner"] = {
        owner: counts([g for g in rows if (g.owner or UNASSIGNED) == owner]) for owner in owners
    }
    return result


def _check(report: dict[str, object], rows: list[Generated]) -> None:
    expected = _expected(rows)
    for key in [
        "total",
        "open",
        "in_progress",
        "completed",
        "wont_do",
        "overdue",
        "completion_rate",
        "on_time_completion_rate",
        "by_priority",
    ]:
        assert report[key] == expected[key], key
    by_owner = report["by_owner"]
    assert isinstance(by_owner, list)
    got = {
        o["owner"]: {k: v for k, v in o.items() if k not in ("owner", "owner_kind")}
        for o in by_owner
    }
    assert got == expected["by_owner"]
    overdue = [o["overdue"] for o in by_owner]
    assert overdue == sorted(overdue, reverse=True)


def test_report_matches_python_figures(sessions: sessionmaker[Session]) -> None:
    rows = _generate(sessions, seed=7)
    alive = [g for g in rows if not g.deleted]
    assert len(alive) > 100
    with sessions.begin() as session:
        report = build_report(session, SYSTEM, today=TODAY, overdue_limit=500).to_json()
    _check(report, alive)
    oldest = report["oldest_overdue"]
    assert isinstance(oldest, list)
    assert len(oldest) == report["overdue"]
    dues = [item["due"] for item in oldest]
    assert dues == sorted(dues)


def test_report_counts_only_what_the_viewer_may_see(sessions: sessionmaker[Session]) -> None:
    rows = _generate(sessions, seed=11)
    viewer = make_user(sessions, "vic")
    with sessions.begin() as session:
        report = build_report(session, viewer, today=TODAY, overdue_limit=500).to_json()
    _check(report, [g for g in rows if not g.deleted and g.visibility == "organisation"])
    restricted = sorted({g.pm for g in rows if g.visibility == "restricted" and not g.deleted})
    assert restricted, "the generated data has restricted post-mortems"
    grant(sessions, restricted[0], viewer)
    with sessions.begin() as session:
        widened = build_report(session, viewer, today=TODAY).to_json()
    _check(
        widened,
        [
            g
            for g in rows
            if not g.deleted and (g.visibility == "organisation" or g.pm == restricted[0])
        ],
    )


def test_empty_report_has_no_rates(sessions: sessionmaker[Session]) -> None:
    nobody = Principal(user_id=None, username="anon", role=Role.VIEWER)
    _generate(sessions, seed=3)
    with sessions.begin() as session:
        report = build_report(session, nobody, today=TODAY).to_json()
    assert report["total"] == 0
    assert report["completion_rate"] is None
    assert report["on_time_completion_rate"] is None
    assert report["by_owner"] == []
