"""What the issue tracker clients share: the issue as sync sees it, and their error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from kintsugi.core.errors import KintsugiError

OPEN = "open"
DONE = "done"
WONT_DO = "wont_do"


class TrackerError(KintsugiError):
    """The tracker refused or could not be reached; the message says which and why."""

    status_code = 502


@dataclass(frozen=True)
class RemoteIssue:
    """An issue in a tracker, reduced to what sync needs.

    ``state`` is ``open``, ``done`` or ``wont_do``; ``raw_state`` the tracker's own words;
    ``updated`` the tracker's last-update stamp, compared as text.
    """

    tracker: str
    project: str
    external_id: str
    url: str
    state: str
    raw_state: str
    updated: str

    @property
    def ref(self) -> str:
        """How people name it: ``owner/repo#12`` or ``OPS-12``."""
        if self.tracker == "github":
            return f"{self.project}#{self.external_id}"
        return self.external_id


class Tracker(Protocol):
    """A GitHub repository or a Jira project that items can be exported to."""

    name: str
    project: str

    def create(self, title: str, body: str) -> RemoteIssue:
        """Open an issue."""
        ...

    def fetch(self, external_ids: list[str], since: str | None) -> dict[str, RemoteIssue]:
        """The current state of these issues (those changed since ``since`` at least)."""
        ...


def error_text(response: httpx.Response) -> str:
    """The error message a tracker put in its JSON reply (GitHub ``message``, Jira
    ``errorMessages``/``errors``), or the start of the body."""
    try:
        data: Any = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(data, dict):
        if data.get("message"):
            return str(data["message"])
        messages = [str(m) for m in data.get("errorMessages") or []]
        errors = data.get("errors")
        if isinstance(errors, dict):
            messages += [f"{k}: {v}" for k, v in errors.items()]
        if messages:
            return "; ".join(messages)
    return str(data)[:200]
