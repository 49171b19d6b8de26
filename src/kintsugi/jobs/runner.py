"""The worker loop: run the due jobs, wait, again, until told to stop."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import TypeVar

R = TypeVar("R")


def worker_id() -> str:
    """A name for this worker process, unique across hosts and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_forever(
    run_once: Callable[[], R],
    interval_seconds: float,
    stop: threading.Event | None = None,
    on_run: Callable[[R], None] | None = None,
) -> None:
    """Call ``run_once`` every ``interval_seconds`` until ``stop`` is set."""
    stop = stop or threading.Event()
    while not stop.is_set():
        report = run_once()
        if on_run is not None:
            on_run(report)
        stop.wait(interval_seconds)
