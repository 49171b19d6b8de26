"""What the linter reports: findings located by line and column, and the fixes they carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Fix:
    """Replace ``text[start:end]`` (the sentence) with ``replacement``."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Finding:
    """One piece of blameful language. Lines and columns are 1-based; the end is exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    severity: str
    message: str
    suggestion: str | None
    start: int
    end: int
    fix: Fix | None = None
    guideline: str | None = None  # the handbook guideline it applies: /handbook/policy#...

    def guideline_url(self, base_url: str | None = None) -> str | None:
        """The guideline's link, absolute on ``base_url`` when given."""
        if self.guideline is None or not base_url:
            return self.guideline
        return base_url.rstrip("/") + self.guideline

    def to_dict(self, base_url: str | None = None) -> dict[str, Any]:
        """The JSON shape: file, line, column, end_line, end_column, rule, severity, ...,
        guideline (a link, absolute on ``base_url`` when given)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "suggestion": self.suggestion,
            "guideline": self.guideline_url(base_url),
        }

    def to_api_dict(self) -> dict[str, Any]:
        """The JSON shape plus offsets and the sentence-level fix, for the editor."""
        data = self.to_dict()
        data["start"] = self.start
        data["end"] = self.end
        data["fix"] = (
            None
            if self.fix is None
            else {"start": self.fix.start, "end": self.fix.end, "replacement": self.fix.replacement}
        )
        return data
