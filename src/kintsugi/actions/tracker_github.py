"""GitHub Issues (REST API v3): create an issue, read issues back with Link pagination.

Auth: ``Authorization: Bearer <GITHUB_TOKEN>``; ``GITHUB_API_URL`` overrides
https://api.github.com (GitHub Enterprise: https://HOST/api/v3).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from kintsugi.actions.tracker import DONE, OPEN, WONT_DO, RemoteIssue, TrackerError, error_text

API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 100
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of an RFC 8288 Link header."""
    if not header:
        return None
    for part in header.split(","):
        match = _NEXT.search(part)
        if match:
            return match.group(1)
    return None


class GitHubTracker:
    """Issues of one repository."""

    name = "github"

    def __init__(
        self, repo: str, token: str, *, api_url: str = "https://api.github.com", timeout: float = 15
    ) -> None:
        if not _REPO.match(repo):
            raise ValueError(f"{repo!r} is not a GitHub repository (owner/name)")
        self.project = repo
        self.base = api_url.rstrip("/")
        self.client = httpx.Client(
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "kintsugi",
            },
        )

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise TrackerError(f"GitHub {self.project}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            detail = error_text(response)
            if response.status_code == 403 and response.headers.get("x-ratelimit-remaining") == "0":
                detail = f"rate limit exceeded ({detail})"
            raise TrackerError(f"GitHub {self.project}: HTTP {response.status_code} {detail}")
        return response

    def _issue(self, data: dict[str, Any]) -> RemoteIssue:
        state = str(data.get("state", "open"))
        reason = data.get("state_reason")
        if state == "closed":
            normalised = WONT_DO if reason in ("not_planned", "duplicate") else DONE
        else:
            normalised = OPEN
        return RemoteIssue(
            tracker=self.name,
            project=self.project,
            external_id=str(data["number"]),
            url=str(data.get("html_url", "")),
            state=normalised,
            raw_state=f"{state} ({reason})" if reason else state,
            updated=str(data.get("updated_at", "")),
        )

    def create(self, title: str, body: str) -> RemoteIssue:
        response = self._request(
            "POST", f"{self.base}/repos/{self.project}/issues", json={"title": title, "body": body}
        )
        return self._issue(response.json())

    def get(self, number: str) -> RemoteIssue:
        response = self._request("GET", f"{self.base}/repos/{self.project}/issues/{number}")
        return self._issue(response.json())

    def fetch(self, external_ids: list[str], since: str | None) -> dict[str, RemoteIssue]:
        """Issues updated since ``since`` (all states), following ``Link: rel="next"``."""
        wanted = set(external_ids)
        params: dict[str, Any] = {"state": "all", "per_page": PER_PAGE, "sort": "updated"}
        if since:
            params["since"] = since
        url: str | None = f"{self.base}/repos/{self.project}/issues"
        found: dict[str, RemoteIssue] = {}
        pages = 0
        while url and pages < MAX_PAGES:
            response = self._request("GET", url, params=params if pages == 0 else None)
            pages += 1
            for data in response.json():
                if "pull_request" in data:  # the issues API lists pull requests too
                    continue
                issue = self._issue(data)
                if issue.external_id in wanted:
                    found[issue.external_id] = issue
            url = next_link(response.headers.get("link"))
        return found
