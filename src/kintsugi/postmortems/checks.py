"""The checks the publish gate runs, provided by the slices that own them.

Publishing needs the blameless-language linter (``language``) and the quality checklist
(``metrics``), both above this slice. Each provides its check here through the composition
root (``kintsugi.wiring``); ``publishing`` calls them and never imports those slices. The gate
refuses to publish while a check is missing: a document is never published unchecked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from kintsugi.core.limits import Deadline
from kintsugi.postmortems.document import Document
from kintsugi.postmortems.parts import NotWiredError


class Finding(Protocol):
    """One piece of blameful language, where it is and what it says."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def rule(self) -> str: ...
    @property
    def message(self) -> str: ...


class LintCheck(Protocol):
    """The findings that block publishing ``text``; raises OutOfTimeError past ``deadline``."""

    def __call__(
        self, doc: Document, roster: Iterable[str] = (), *, deadline: Deadline | None = None
    ) -> Sequence[Finding]: ...


class ChecklistCheck(Protocol):
    """The quality checklist's part in publishing."""

    def text(self, session: Session, pk: int, doc: Document) -> Document:
        """``doc`` as people read it now: what the gate lints (items as tracked, the
        analysis's own words)."""
        ...

    def warning(
        self, session: Session, pk: int, doc: Document, *, lint_findings: int
    ) -> str | None:
        """Why ``doc`` is published with a warning (a score below the minimum), or None."""
        ...


@dataclass
class _Checks:
    lint: LintCheck | None = None
    checklist: ChecklistCheck | None = None


_checks = _Checks()


def install(*, lint: LintCheck | None = None, checklist: ChecklistCheck | None = None) -> None:
    """Install the checks the composition root provides (again replaces one)."""
    if lint is not None:
        _checks.lint = lint
    if checklist is not None:
        _checks.checklist = checklist


def lint_check() -> LintCheck:
    """The blameless-language check."""
    if _checks.lint is None:
        raise NotWiredError(_NOT_WIRED.format(check="blameless-language"))
    return _checks.lint


def checklist_check() -> ChecklistCheck:
    """The quality checklist's check."""
    if _checks.checklist is None:
        raise NotWiredError(_NOT_WIRED.format(check="quality checklist"))
    return _checks.checklist


_NOT_WIRED = (
    "the {check} check of publishing is not installed: call kintsugi.wiring.wire() where the "
    "program starts"
)
