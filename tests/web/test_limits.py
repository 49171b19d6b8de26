"""Size limits (413 naming the limit and the field), the linter's limits (size, time, rate:
429 with Retry-After), deep search queries and lone surrogates: clear errors, never a 500."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from kintsugi.core.config import Settings
from kintsugi.core.errors import TooManyRequestsError
from kintsugi.people.principal import Role
from kintsugi.web.app import create_app
from kintsugi.webkit.limits import RateLimiter, WorkSlots

Client = Callable[..., TestClient]


@pytest.fixture
def client_with(db_url: str) -> Iterator[Client]:
    """A client, signed in as an editor, of an app with the given settings."""
    apps = []

    def make(**settings: object) -> TestClient:
        app = create_app(Settings(database_url=db_url, **settings))  # type: ignore[arg-type]
        apps.append(app)
        from kintsugi.people import service as people
        from kintsugi.people.principal import SYSTEM

        with app.state.writing_sessions.begin() as session:
            username = f"editor{len(apps)}"
            people.create_user(session, SYSTEM, username, role=Role.EDITOR, password="x" * 20)
            token = people.create_token(session, SYSTEM, username, "tests", "write").secret
        return TestClient(app, headers={"Authorization": f"Bearer {token}"})

    yield make
    for app in apps:
        app.state.engine.dispose()


def test_a_body_over_the_limit_gets_413_naming_it(client_with: Client) -> None:
    client = client_with(max_request_bytes=4096)
    body = {"title": "Big", "tags": ["x" * 100] * 50}
    declared = client.post("/api/v1/postmortems", json=body)
    assert declared.status_code == 413
    assert declared.json()["detail"] == ("body: the request body is too large: at most 4,096 bytes")
    # a body sent in chunks, without Content-Length, is cut off as it passes the limit
    chunks = (b"x" * 1000 for _ in range(10))
    streamed = client.post(
        "/api/v1/postmortems", content=chunks, headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert client.get("/api/v1/postmortems").json()["total"] == 0


def test_a_section_over_its_limit_gets_413_naming_it_and_nothing_is_stored(
    client_with: Client,
) -> None:
    # a 50 MB section used to be stored
    client = client_with()
    section = {"key": "summary", "heading": "Summary", "markdown": "x" * 200_001}
    response = client.post("/api/v1/postmortems", json={"title": "Long", "sections": [section]})
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "sections.0.markdown (Summary): too large: at most 200,000 characters"
        " (this one has 200,001)"
    )
    markdown = "# Long\n\n## Timeline\n\n- 10:00 " + "y" * 20_001 + "\n"
    imported = client.post("/api/v1/postmortems", json={"markdown": markdown})
    assert imported.status_code == 413
    assert imported.json()["detail"].startswith("timeline.0.text: too large: at most 20,000")
    assert client.get("/api/v1/postmortems").json()["total"] == 0
    section["markdown"] = "x" * 200_000
    assert (
        client.post(
            "/api/v1/postmortems", json={"title": "At the limit", "sections": [section]}
        ).status_code
        == 201
    )


def test_lint_refuses_a_text_over_its_size_limit_naming_it(client_with: Client) -> None:
    client = client_with(lint_max_chars=1000)
    response = client.post("/api/v1/lint", json={"text": "a" * 1001})
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "text: too large to lint: at most 1,000 characters (this text has 1,001); lint it in parts"
    )
    assert client.post("/api/v1/lint", json={"text": "a" * 1000}).status_code == 200
    preview = client.post("/lint/preview", data={"markdown": "a" * 1001})
    assert preview.status_code == 200
    assert "Not checked: markdown: too large to lint: at most 1,000 characters" in preview.text


def test_lint_stops_at_its_time_budget(client_with: Client) -> None:
    client = client_with(lint_seconds=1e-9)
    response = client.post("/api/v1/lint", json={"text": "John deployed the wrong version."})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "the text is too large to finish within the time budget of 1e-09 s;"
        " send it in smaller parts"
    )


def test_lint_limits_each_person_to_a_rate_with_retry_after(client_with: Client) -> None:
    client = client_with(lint_per_minute=2)
    for _ in range(2):
        assert client.post("/api/v1/lint", json={"text": "Fine."}).status_code == 200
    refused = client.post("/api/v1/lint", json={"text": "Fine."})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    assert refused.json()["detail"] == (
        "too many lint requests: at most 2 a minute per person; try again in 30 s"
    )
    other = client_with(lint_per_minute=2)  # another person (and app) is not affected
    assert other.post("/api/v1/lint", json={"text": "Fine."}).status_code == 200


def test_a_rate_limiter_refills_and_keeps_people_apart() -> None:
    limiter = RateLimiter(per_minute=60)
    for _ in range(60):
        limiter.take("alice", "lint")
    with pytest.raises(TooManyRequestsError, match="at most 60 a minute") as refused:
        limiter.take("alice", "lint")
    assert refused.value.retry_after == 1
    limiter.take("bob", "lint")


def test_work_slots_refuse_one_more_than_they_hold() -> None:
    slots = WorkSlots(1)
    with (
        slots.slot("lint"),
        pytest.raises(TooManyRequestsError, match="busy with other lint requests"),
        slots.slot("lint"),
    ):
        pass  # pragma: no cover
    with slots.slot("lint"):
        pass


def test_a_deeply_nested_search_is_a_clear_422(client_with: Client) -> None:
    # 331 nested "(" raised a RecursionError: a 500
    client = client_with()
    for query in ("(" * 240 + "a" + ")" * 240, "-" * 400 + "a", "NOT " * 100 + "a"):
        response = client.get("/api/v1/search", params={"q": query})
        assert response.status_code == 422, query
        assert response.json()["detail"] == (
            "q: the query nests too deeply (at most 20 levels of parentheses and NOTs)"
        )
    assert (
        client.get("/api/v1/search", params={"q": "(" * 20 + "dns" + ")" * 20}).status_code == 200
    )


def test_a_lone_surrogate_in_a_training_answer_is_a_422_naming_the_field(
    client_with: Client,
) -> None:
    client = client_with()
    for body, field in (
        (b'{"answers": {"\\ud800": 1}}', "answers.\\ud800"),
        (b'{"answers": {"primary-goal": 0, "x\\udc00": null}}', "answers.x\\udc00"),
    ):
        response = client.post(
            "/api/v1/training/attempts", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422
        assert response.json()["detail"] == (
            f"{field}: the text holds a lone surrogate (not valid Unicode)"
        )
    # a pair written escaped (an emoji) and an escaped backslash are fine
    fine = b'{"title": "Outage \\ud83d\\ude00 \\\\ud800"}'
    created = client.post(
        "/api/v1/postmortems", content=fine, headers={"Content-Type": "application/json"}
    )
    assert created.status_code == 201
    assert created.json()["title"] == "Outage \U0001f600 \\ud800"
