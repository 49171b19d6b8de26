"""The worker's people job: delete the web sessions that have expired.

A session past its ``expires_at`` no longer signs anyone in, but its row stayed forever (one
per sign-in). The worker runs this on every pass (``register`` adds it to its registry);
deleting expired rows is the same work whichever worker does it, so workers need no claim.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people.service import purge_expired_sessions

JOB = "sessions"


class _Worker(Protocol):
    """What this job needs of the worker (``kintsugi.actions.worker.Worker``)."""

    sessions: sessionmaker[Session]


class _Report(Protocol):
    jobs: dict[str, str]


R = TypeVar("R", bound=_Report)
R_co = TypeVar("R_co", bound=_Report, covariant=True)


class _Registry(Protocol[R_co]):
    """What this job needs of the registry (``kintsugi.jobs.registry.JobRegistry``)."""

    def add(self, name: str, job: Callable[[datetime, R_co], None]) -> None: ...


def run_due(worker: _Worker, now: datetime, report: _Report) -> None:
    """Delete the web sessions expired at ``now``; record how many in ``report.jobs``."""
    with worker.sessions.begin() as session:
        purged = purge_expired_sessions(session, now)
    report.jobs[JOB] = f"{purged} expired web session(s) deleted"


def register(registry: _Registry[R], worker: _Worker) -> None:
    """Add the purge of expired web sessions to the worker's ``registry``."""
    registry.add(JOB, lambda now, report: run_due(worker, now, report))
