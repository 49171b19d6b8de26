"""Types of the compiled timeline loops (``_native.pyx``)."""

from collections.abc import Callable, Iterable
from datetime import timedelta, tzinfo
from typing import Protocol

from kintsugi.timeline.events import Event

class _Writer(Protocol):
    def write(self, text: str, /) -> object: ...

SOURCE_SHA256: str

def merged(lists: Iterable[list[Event]]) -> list[Event] | None: ...
def fold(events: list[Event], window: timedelta) -> list[Event]: ...
def write_rows(
    events: Iterable[Event],
    zone: tzinfo,
    out: _Writer,
    row_rest: Callable[[Event], str],
    chunk: int,
    detail_limit: int,
) -> int: ...
