"""The linter stops at its time budget with a clear error, and its passes stay linear in
the findings (each finding is no longer compared with every earlier one)."""

from __future__ import annotations

import pytest

from kintsugi.core.limits import Deadline, OutOfTimeError
from kintsugi.language.linter import Linter


def test_the_linter_stops_once_its_deadline_passes() -> None:
    with pytest.raises(OutOfTimeError, match="the text is too large to finish within"):
        Linter().lint("John deployed the wrong version.", deadline=Deadline(0))


def test_lines_and_columns_are_counted_as_before() -> None:
    # two findings on one line, then one spanning a line break
    text = (
        "John deployed the wrong version. Bob deployed the wrong version too.\n"
        "Intro.\n\nJohn deployed the\nwrong version. He blamed Bob for it."
    )
    findings = Linter().lint(text, deadline=Deadline(None))
    assert [(f.line, f.column, f.end_line, f.end_column) for f in findings] == [
        (1, 1, 1, 24),
        (1, 34, 1, 56),
        (4, 1, 5, 6),
    ]
