"""Limits on what one request may ask of the server: sizes of fields, and time budgets.

Field sizes are part of the API's schema (``maxLength`` in the OpenAPI document), so they
are fixed here; the limits a deployment may tune (the request body, the linter's size, time
budget and rate) are settings (``core.config.Settings``) whose defaults live here too.
"""

from __future__ import annotations

import time

from kintsugi.core.errors import KintsugiError

MAX_REQUEST_BYTES = 1_048_576
"""Largest request body (1 MiB): a whole post-mortem, with room to spare."""
MAX_DOCUMENT_CHARS = 1_000_000
"""Longest Markdown of a whole document given at once (import, editor)."""
MAX_SECTION_CHARS = 200_000
"""Longest section body (the index keeps at most this much of a field, too)."""
MAX_HEADING_CHARS = 500
MAX_LINE_CHARS = 20_000
"""Longest one-line text: a timeline event, an action item's title, a training answer."""

LINT_MAX_CHARS = 100_000
LINT_SECONDS = 10.0
LINT_PER_MINUTE = 60
LINT_AT_ONCE = 2
SEARCH_AT_ONCE = 2
"""Searches one server process works on at once, on threads of their own."""
SEARCH_WAITING = 50
"""Searches that may wait their turn beyond those; one more gets 429."""
TIMELINE_SECONDS = 120.0
"""Time one timeline build or preview may take: every source's fetch, the merge, the save."""
INDEX_SECONDS = 5.0
"""Time the library spends turning one document into index text before it indexes the part
done (a document within the size limits takes a small fraction of this)."""


class OutOfTimeError(KintsugiError):
    """Work on one request's input ran past its time budget."""

    status_code = 422


class Deadline:
    """A point in time that loops over user input check, so that no request runs for long."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._at = None if seconds is None else time.monotonic() + seconds

    def expired(self) -> bool:
        """True once the budget is spent."""
        return self._at is not None and time.monotonic() >= self._at

    def remaining(self) -> float | None:
        """Seconds left (never below 0), or None without a budget."""
        return None if self._at is None else max(0.0, self._at - time.monotonic())

    def check(self, what: str) -> None:
        """Raise OutOfTimeError naming ``what`` once the budget is spent."""
        if self.expired():
            raise OutOfTimeError(
                f"{what} is too large to finish within the time budget of {self.seconds:g} s;"
                " send it in smaller parts"
            )
