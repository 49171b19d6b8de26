"""Jira (REST API v2 or v3): create an issue in a project, read its status category back.

Auth: Jira Cloud uses Basic ``JIRA_USER`` (an email) and ``JIRA_API_TOKEN``; Jira Data Center
a personal access token sent as ``Bearer`` (give ``JIRA_API_TOKEN`` without ``JIRA_USER``).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from kintsugi.actions.tracker import DONE, OPEN, WONT_DO, RemoteIssue, TrackerError, error_text

_PROJECT = re.compile(r"^[A-Z][A-Z0-9_]{0,19}$")
_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")
WONT_DO_RESOLUTIONS = frozenset(
    {"won't do", "won't fix", "declined", "duplicate", "cannot reproduce", "obsolete"}
)


def adf(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document Format document (API v3 descriptions)."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()] or [" "]
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs
        ],
    }


class JiraTracker:
    """Issues of one Jira project."""

    name = "jira"

    def __init__(
        self,
        base_url: str,
        project: str,
        token: str,
        *,
        user: str | None = None,
        issue_type: str = "Task",
        api_version: int = 2,
        timeout: float = 15,
    ) -> None:
        if not _PROJECT.match(project):
            raise ValueError(f"{project!r} is not a Jira project key (e.g. OPS)")
        if api_version not in (2, 3):
            raise ValueError("the Jira REST API version is 2 or 3")
        self.project = project
        self.base = base_url.rstrip("/")
        self.api = f"{self.base}/rest/api/{api_version}"
        self.api_version = api_version
        self.issue_type = issue_type
        auth: httpx.Auth | None = httpx.BasicAuth(user, token) if user else None
        headers = {"Accept": "application/json"}
        if not user:
            headers["Authorization"] = f"Bearer {token}"
        self.client = httpx.Client(timeout=timeout, auth=auth, headers=headers)

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise TrackerError(f"Jira {self.project}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise TrackerError(
                f"Jira {self.project}: HTTP {response.status_code} {error_text(response)}".rstrip()
            )
        return response

    def _issue(self, data: dict[str, Any]) -> RemoteIssue:
        fields = data.get("fields") or {}
        status = fields.get("status") or {}
        category = (status.get("statusCategory") or {}).get("key", "new")
        resolution = ((fields.get("resolution") or {}).get("name") or "").strip()
        if category == "done":
            state = WONT_DO if resolution.lower() in WONT_DO_RESOLUTIONS else DONE
        else:
            state = OPEN
        raw = str(status.get("name", category))
        if resolution:
            raw += f" ({resolution})"
        return RemoteIssue(
            tracker=self.name,
            project=self.project,
            external_id=str(data["key"]),
            url=f"{self.base}/browse/{data['key']}",
            state=state,
            raw_state=raw,
            updated=str(fields.get("updated", "")),
        )

    def create(self, title: str, body: str) -> RemoteIssue:
        description: Any = adf(body) if self.api_version == 3 else body
        fields = {
            "project": {"key": self.project},
            "summary": title[:250],
            "description": description,
            "issuetype": {"name": self.issue_type},
        }
        created = self._request("POST", f"{self.api}/issue", json={"fields": fields}).json()
        return self.get(str(created["key"]))

    def get(self, key: str) -> RemoteIssue:
        if not _KEY.match(key):
            raise TrackerError(f"Jira: {key!r} is not an issue key")
        response = self._request(
            "GET", f"{self.api}/issue/{key}", params={"fields": "status,resolution,updated"}
        )
        return self._issue(response.json())

    def fetch(self, external_ids: list[str], since: str | None) -> dict[str, RemoteIssue]:
        """Each issue by key (Jira has no cheap 'changed since' listing without JQL search)."""
        return {key: self.get(key) for key in external_ids}
