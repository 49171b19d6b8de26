"""Watch a running server's responsiveness while a test attacks it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

PROBE_TIMEOUT = 1.0
"""A health probe that gets no answer within this many seconds counts as a stall."""


@dataclass
class Probe:
    """What the probes saw: how many were made, and each one that failed (and why)."""

    made: int = 0
    failures: list[str] = field(default_factory=list)


@contextmanager
def probing(
    url: str, headers: dict[str, str] | None = None, interval: float = 0.1
) -> Iterator[Probe]:
    """GET ``url`` every ``interval`` seconds, each with a 1 s timeout, until the block ends
    (at least once after it ends, so that a stall the block caused is seen)."""
    probe = Probe()
    done = threading.Event()

    def run() -> None:
        with httpx.Client(timeout=PROBE_TIMEOUT, headers=headers) as client:
            while True:
                finished = done.is_set()
                try:
                    status = client.get(url).status_code
                    if status != 200:
                        probe.failures.append(f"{url} answered {status}")
                except httpx.HTTPError as exc:
                    probe.failures.append(f"{url}: {type(exc).__name__}")
                probe.made += 1
                if finished:
                    return
                done.wait(interval)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield probe
    finally:
        done.set()
        thread.join(timeout=30)
