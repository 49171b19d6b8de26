from __future__ import annotations

from datetime import timedelta

from kintsugi.timeline.events import Kind
from kintsugi.timeline.sources.base import RetryPolicy, Window
from kintsugi.timeline.sources.github import GitHubSource
from tests.timeline.conftest import GITHUB_TOKEN
from tests.timeline.fakes.github import GitHubFake, deployment, deployment_status
from tests.timeline.helpers import at


def seed(fake: GitHubFake, count: int = 3) -> None:
    deployments = []
    for i in range(count):
        created = (at(-5 * (count - i))).isoformat().replace("+00:00", "Z")
        environment = "staging" if i % 5 == 4 else "production"
        deployments.append(
            deployment(
                1000 + i, f"{i:07x}abcdef0123456789", "main", environment, created, "deploy-bot"
            )
        )
        fake.statuses[1000 + i] = [
            deployment_status(5000 + 2 * i, "in_progress", created, "ci"),
            deployment_status(
                5001 + 2 * i,
                "success" if i % 2 == 0 else "failure",
                (at(-5 * (count - i)) + timedelta(minutes=2)).isoformat(),
                "ci",
                "Deployed" if i % 2 == 0 else "Health checks failed",
            ),
        ]
    fake.deployments["acme/api"] = deployments


def source(
    fake: GitHubFake,
    retry: RetryPolicy,
    environment: str | None = None,
    token: str | None = GITHUB_TOKEN,
) -> GitHubSource:
    env = {"GITHUB_API_URL": fake.url}
    if token:
        env["GITHUB_TOKEN"] = token
    spec = "github:acme/api" + (f"@{environment}" if environment else "")
    return GitHubSource(spec, "acme/api", environment, env=env, retry=retry)


def test_deployments_and_statuses(github: GitHubFake, retry: RetryPolicy) -> None:
    seed(github, count=3)
    events = sorted(
        source(github, retry).events(Window(at(-60), at(60))), key=lambda e: (e.at, e.kind)
    )
    deploys = [e for e in events if e.kind == Kind.DEPLOY]
    statuses = [e for e in events if e.kind == Kind.DEPLOY_STATUS]
    assert len(deploys) == 3 and len(statuses) == 6
    assert deploys[0].title == "Deploy main@0000000 to production"
    assert deploys[0].actor == "deploy-bot"
    failed = [s for s in statuses if s.title.startswith("Deploy failure")]
    assert failed and failed[0].detail == "Health checks failed"
    assert failed[0].link and failed[0].link.startswith("https://ci.example.com/runs/")
    sent = github.requests[0]
    assert sent.headers["accept"] == "application/vnd.github+json"
    assert sent.headers["x-github-api-version"] == "2022-11-28"


def test_link_header_pagination_stops_at_the_window_start(
    github: GitHubFake, retry: RetryPolicy
) -> None:
    seed(github, count=250)  # one deployment every 5 minutes, newest first
    events = list(source(github, retry).events(Window(at(-600), at(0))))
    deploys = [e for e in events if e.kind == Kind.DEPLOY]
    assert len(deploys) == 120  # the last 600 minutes
    pages = [r for r in github.requests if r.path.endswith("/deployments")]
    assert [r.arg("page") for r in pages] == [None, "2"]  # page 3 is older than the window


def test_environment_filter(github: GitHubFake, retry: RetryPolicy) -> None:
    seed(github, count=10)
    events = list(source(github, retry, environment="staging").events(Window(at(-600), at(0))))
    deploys = [e for e in events if e.kind == Kind.DEPLOY]
    assert deploys and all(e.title.endswith("to staging") for e in deploys)
    assert github.requests[0].arg("environment") == "staging"


def test_public_repositories_need_no_token(github: GitHubFake, retry: RetryPolicy) -> None:
    seed(github)
    github.public.add("acme/api")
    events = list(source(github, retry, token=None).events(Window(at(-60), at(60))))
    assert len(events) == 9
