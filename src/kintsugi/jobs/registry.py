"""The jobs a worker runs, by name, in the order they were added."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Generic, TypeVar

R = TypeVar("R")

Job = Callable[[datetime, R], None]
"""A job: does whatever is due at ``now`` and notes what it did in the run's report."""


class JobRegistry(Generic[R]):
    """Named jobs; each run calls every one of them once, in order."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job[R]] = {}

    def add(self, name: str, job: Job[R]) -> None:
        """Add ``job`` under ``name``; a name may be added only once."""
        if name in self._jobs:
            raise ValueError(f"job {name!r} is registered twice")
        self._jobs[name] = job

    @property
    def names(self) -> list[str]:
        return list(self._jobs)

    def __iter__(self) -> Iterator[tuple[str, Job[R]]]:
        return iter(self._jobs.items())

    def run(self, now: datetime, report: R) -> R:
        """Run every job once at ``now``; the report they filled in."""
        for _name, job in self:
            job(now, report)
        return report
