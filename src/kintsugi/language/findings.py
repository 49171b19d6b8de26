"""What the linter reports: findings located by line and column, and the fixes they carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, TypeAdapter


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
    guideline: Annotated[
        str | None,
        Field(description="The handbook guideline the finding applies (/handbook/policy#...)"),
    ] = None

    def guideline_url(self, base_url: str | None = None) -> str | None:
        """The guideline's link, absolute on ``base_url`` when given."""
        if self.guideline is None or not base_url:
            return self.guideline
        return base_url.rstrip("/") + self.guideline

    def to_dict(self, base_url: str | None = None) -> dict[str, Any]:
        """The file-oriented JSON shape (``kintsugi lint --json``): without the offsets and the
        fix, the guideline as a link, absolute on ``base_url`` when given."""
        data: dict[str, Any] = _WIRE.dump_python(self, mode="json", exclude=_EDITOR_ONLY)
        data["guideline"] = self.guideline_url(base_url)
        return data

    def to_api_dict(self) -> dict[str, Any]:
        """The whole shape, with the offsets and the sentence-level fix the editor applies (the
        API's ``findings``)."""
        data: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return data


_WIRE = TypeAdapter(Finding)
_EDITOR_ONLY = {"start", "end", "fix"}
