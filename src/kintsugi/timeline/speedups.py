"""Which implementation of the timeline's per-event loops runs: compiled, or pure Python.

``native`` is the Cython extension ``kintsugi.timeline._native`` (built by the install when a
C compiler is there) or None: then merge.py and render.py run their pure Python, which gives
the same results. ``KINTSUGI_PURE_PYTHON=1`` forces the pure Python; merge.py and render.py
read ``native`` on every call, so a test can set it to None.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import timedelta, tzinfo
from typing import Protocol

from kintsugi.timeline.events import Event


class Writer(Protocol):
    """Where rows go: a text file, or anything with ``write``."""

    def write(self, text: str, /) -> object: ...


class Loops(Protocol):
    """What the extension provides (see ``_native.pyx``)."""

    SOURCE_SHA256: str

    def merged(self, lists: Iterable[list[Event]]) -> list[Event] | None: ...

    def fold(self, events: list[Event], window: timedelta) -> list[Event]: ...

    def write_rows(
        self,
        events: Iterable[Event],
        zone: tzinfo,
        out: Writer,
        row_rest: Callable[[Event], str],
        chunk: int,
        detail_limit: int,
    ) -> int: ...


def _load() -> Loops | None:
    if os.environ.get("KINTSUGI_PURE_PYTHON"):
        return None
    try:
        from kintsugi.timeline import _native
    except ImportError:
        return None
    return _native


native: Loops | None = _load()
"""The compiled loops, or None when running pure Python."""
