"""Export to GitHub Issues and Jira, and pull status back, against local servers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kintsugi.actions import items
from kintsugi.actions.cli import register
from kintsugi.actions.config import TrackerSettings
from kintsugi.actions.items import ItemChanges, NewItem
from kintsugi.actions.sync import export_item, make_tracker, sync_items
from kintsugi.actions.tracker import Tracker, TrackerError
from kintsugi.actions.tracker_github import GitHubTracker, next_link
from kintsugi.actions.tracker_jira import JiraTracker
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.errors import ConflictError
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems.document import ActionItemStatus
from tests.actions.fake_trackers import FakeGitHub, FakeJira
from tests.actions.helpers import make_postmortem


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with FakeJira() as server:
        yield server


def _github(server: FakeGitHub, token: str = FakeGitHub.TOKEN) -> GitHubTracker:
    return GitHubTracker(server.REPO, token, api_url=server.url)


def _jira(server: FakeJira, version: int = 2, token: str = FakeJira.TOKEN) -> JiraTracker:
    return JiraTracker(server.url, server.PROJECT, token, user=server.USER, api_version=version)


def _item(sessions: sessionmaker[Session], title: str = "Alert on pool saturation") -> int:
    pm = make_postmortem(sessions, f"Outage {title}")
    assert pm.id is not None
    with sessions.begin() as session:
        return items.add_item(session, pm.id, NewItem(title=title, owner="sre"), SYSTEM).id


def _status(sessions: sessionmaker[Session], item_id: int) -> str:
    with sessions() as session:
        return items.get_item(session, item_id, SYSTEM).status


def _history(sessions: sessionmaker[Session], item_id: int) -> list[items.HistoryEntry]:
    with sessions() as session:
        return items.item_history(session, item_id, SYSTEM)


def _single(tracker: Tracker) -> object:
    return lambda kind, project: tracker


def test_github_export_keeps_the_link(sessions: sessionmaker[Session], github: FakeGitHub) -> None:
    item_id = _item(sessions)
    exported = export_item(sessions, item_id, _github(github), SYSTEM, base_url="https://k.example")
    assert exported.tracker is not None
    assert exported.tracker.url == f"https://github.example/{github.REPO}/issues/1"
    assert (exported.tracker.tracker, exported.tracker.external_id) == ("github", "1")
    issue = github.issues[1]
    assert issue["title"] == "Alert on pool saturation"
    assert f"action item #{item_id}" in issue["body"]
    assert "https://k.example/postmortems/" in issue["body"]
    assert _history(sessions, item_id)[-1].kind == "exported"
    with pytest.raises(ConflictError, match="already in"):
        export_item(sessions, item_id, _github(github), SYSTEM)
    assert len(github.issues) == 1


def test_github_closed_completes_and_not_planned_is_wont_do(
    sessions: sessionmaker[Session], github: FakeGitHub
) -> None:
    done_id, dropped_id, untouched_id = (_item(sessions, t) for t in ("a", "b", "c"))
    for item_id in (done_id, dropped_id, untouched_id):
        export_item(sessions, item_id, _github(github), SYSTEM)
    github.close(1)
    github.close(2, reason="not_planned")
    report = sync_items(sessions, _single(_github(github)))  # type: ignore[arg-type]
    assert report.conflicts == [] and report.errors == []
    assert sorted(c.item_id for c in report.updated) == [done_id, dropped_id]
    assert report.unchanged == 1
    assert _status(sessions, done_id) == "completed"
    assert _status(sessions, dropped_id) == "wont_do"
    with sessions() as session:
        dropped = items.get_item(session, dropped_id, SYSTEM)
    assert dropped.wont_do_reason == "GitHub acme/platform#2 was closed as closed (not_planned)"
    last = _history(sessions, done_id)[-1]
    assert (last.kind, last.actor) == ("synced", "tracker-sync")
    assert last.changes == {"status": ["open", "completed"]}
    assert last.comment == "GitHub acme/platform#1 is closed (completed)"
    again = sync_items(sessions, _single(_github(github)))  # type: ignore[arg-type]
    assert again.updated == [] and again.unchanged == 3
    github.reopen(1)
    reopened = sync_items(sessions, _single(_github(github)))  # type: ignore[arg-type]
    assert [c.item_id for c in reopened.updated] == [done_id]
    assert _status(sessions, done_id) == "open"


def test_changes_on_both_sides_are_reported_not_overwritten(
    sessions: sessionmaker[Session], github: FakeGitHub
) -> None:
    item_id = _item(sessions)
    export_item(sessions, item_id, _github(github), SYSTEM)
    with sessions.begin() as session:
        items.update_item(
            session,
            item_id,
            ItemChanges(status=ActionItemStatus.WONT_DO, wont_do_reason="superseded"),
            SYSTEM,
            base_version=None,
        )
    github.close(1)
    report = sync_items(sessions, _single(_github(github)))  # type: ignore[arg-type]
    assert [(c.item_id, c.local, c.remote) for c in report.conflicts] == [
        (item_id, "wont_do", "closed (completed)")
    ]
    assert _status(sessions, item_id) == "wont_do"
    assert sync_items(sessions, _single(_github(github))).conflicts  # type: ignore[arg-type]
    resolved = sync_items(sessions, _single(_github(github)), prefer="remote")  # type: ignore[arg-type]
    assert [c.item_id for c in resolved.updated] == [item_id]
    assert _status(sessions, item_id) == "completed"


def test_keeping_the_local_side_settles_the_conflict(
    sessions: sessionmaker[Session], github: FakeGitHub
) -> None:
    item_id = _item(sessions)
    export_item(sessions, item_id, _github(github), SYSTEM)
    with sessions.begin() as session:
        items.update_item(
            session,
            item_id,
            ItemChanges(status=ActionItemStatus.IN_PROGRESS),
            SYSTEM,
            base_version=None,
        )
    github.close(1)
    kept = sync_items(sessions, _single(_github(github)), prefer="local")  # type: ignore[arg-type]
    assert kept.conflicts == [] and kept.updated == []
    assert _status(sessions, item_id) == "in_progress"
    assert sync_items(sessions, _single(_github(github))).conflicts == []  # type: ignore[arg-type]


def test_github_listing_follows_link_pagination_and_skips_pull_requests(
    sessions: sessionmaker[Session], github: FakeGitHub
) -> None:
    item_id = _item(sessions)
    export_item(sessions, item_id, _github(github), SYSTEM)
    github.close(1)
    for n in range(230):
        github.add(f"other {n}", pull_request=n % 50 == 0)
    report = sync_items(sessions, _single(_github(github)))  # type: ignore[arg-type]
    assert [c.item_id for c in report.updated] == [item_id]
    listing = [r for r in github.requests if r.method == "GET" and r.path.endswith("/issues")]
    assert len(listing) == 3  # 231 issues, 100 per page
    assert "since=" in listing[0].query and "state=all" in listing[0].query
    assert "page=3" in listing[2].query
    assert next_link('<https://x/a?page=2>; rel="next", <https://x/a?page=9>; rel="last"') == (
        "https://x/a?page=2"
    )
    assert next_link('<https://x/a?page=1>; rel="first"') is None


def test_github_errors_are_clear(sessions: sessionmaker[Session], github: FakeGitHub) -> None:
    item_id = _item(sessions)
    with pytest.raises(TrackerError, match="GitHub acme/platform: HTTP 401 Bad credentials"):
        export_item(sessions, item_id, _github(github, token="wrong"), SYSTEM)
    with sessions() as session:
        assert items.get_item(session, item_id, SYSTEM).tracker is None
    export_item(sessions, item_id, _github(github), SYSTEM)
    report = sync_items(sessions, _single(_github(github, token="wrong")))  # type: ignore[arg-type]
    assert report.errors == ["GitHub acme/platform: GitHub acme/platform: HTTP 401 Bad credentials"]
    with pytest.raises(TrackerError, match="HTTP 404 Not Found"):
        GitHubTracker("acme/missing", FakeGitHub.TOKEN, api_url=github.url).get("1")


@pytest.mark.parametrize("version", [2, 3])
def test_jira_export_and_status_category_done(
    sessions: sessionmaker[Session], jira: FakeJira, version: int
) -> None:
    done_id, dropped_id, busy_id = (_item(sessions, t) for t in ("a", "b", "c"))
    tracker = _jira(jira, version)
    exported = export_item(sessions, done_id, tracker, SYSTEM)
    assert exported.tracker is not None
    assert exported.tracker.url == f"{jira.url}/browse/OPS-1"
    export_item(sessions, dropped_id, tracker, SYSTEM)
    export_item(sessions, busy_id, tracker, SYSTEM)
    description = jira.issues["OPS-1"]["description"]
    assert isinstance(description, dict if version == 3 else str)
    jira.transition("OPS-1", "Done", "Done")
    jira.transition("OPS-2", "Done", "Won't Do")
    jira.transition("OPS-3", "In Progress")
    report = sync_items(sessions, _single(tracker))  # type: ignore[arg-type]
    assert report.errors == []
    assert sorted(c.item_id for c in report.updated) == [done_id, dropped_id]
    assert _status(sessions, done_id) == "completed"
    assert _status(sessions, dropped_id) == "wont_do"
    assert _status(sessions, busy_id) == "open"
    assert _history(sessions, done_id)[-1].comment == "Jira OPS-1 is Done (Done)"


def test_jira_errors_are_clear(sessions: sessionmaker[Session], jira: FakeJira) -> None:
    item_id = _item(sessions)
    with pytest.raises(TrackerError, match="HTTP 401 You are not authenticated"):
        export_item(sessions, item_id, _jira(jira, token="wrong"), SYSTEM)
    wrong_project = JiraTracker(jira.url, "NOPE", jira.TOKEN, user=jira.USER)
    with pytest.raises(TrackerError, match="HTTP 400 project: valid project is required"):
        export_item(sessions, item_id, wrong_project, SYSTEM)
    with pytest.raises(TrackerError, match="Issue does not exist"):
        _jira(jira).get("OPS-99")


def test_cli_export_and_sync(
    sqlite_url: str, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = make_sessionmaker(make_engine(sqlite_url))
    item_id = _item(sessions)
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    monkeypatch.setenv("GITHUB_API_URL", github.url)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    result = runner.invoke(
        app,
        [
            "actions",
            "export",
            str(item_id),
            "--to",
            "github",
            "--repo",
            github.REPO,
            "--db",
            sqlite_url,
        ],
    )
    assert result.exit_code == 2
    assert "GITHUB_TOKEN" in result.stderr
    monkeypatch.setenv("GITHUB_TOKEN", github.TOKEN)
    result = runner.invoke(
        app,
        [
            "actions",
            "export",
            str(item_id),
            "--to",
            "github",
            "--repo",
            github.REPO,
            "--json",
            "--db",
            sqlite_url,
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["tracker"]["external_id"] == "1"
    github.close(1)
    result = runner.invoke(app, ["actions", "sync", "--json", "--db", sqlite_url])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["updated"][0]["item_id"] == item_id
    settings = TrackerSettings(github_token=None)
    with pytest.raises(Exception, match="GITHUB_TOKEN"):
        make_tracker(settings, "github", "a/b")
