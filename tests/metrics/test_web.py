"""The dashboard, charts, overdue page, checklist fragment, admin policy page, the JSON API
and ``GET /metrics`` (auth), through the app on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems.document import ActionItem, Severity, Visibility
from kintsugi.rca import service as rca
from kintsugi.rca.model import Analysis
from tests.metrics.helpers import incident
from tests.web.conftest import PASSWORD


def _recurring_world(sessions: sessionmaker[Session]) -> None:
    for id, started in (("first", "2026-03-01 10:00"), ("again", "2026-04-01 10:00")):
        incident(
            sessions, id, severity=Severity.SEV1, started=started, resolved=started,
            authors=["ana"], items=[ActionItem(title="Update the runbook")],
        )  # fmt: skip
        with sessions.begin() as session:
            rca.save_analysis(
                session,
                id,
                Analysis.model_validate(
                    {"factors": [{"text": "x", "classification": "primary", "category": "deploy"}]}
                ),
                SYSTEM,
                base_version=None,
            )


def test_dashboard_shows_metrics_charts_pairs_and_overdue(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    _recurring_world(app_sessions)
    page = client.get("/metrics/dashboard?since=2026-01-01&until=2026-07-01")
    assert page.status_code == 200
    # the page answers at once and loads its computed figures with htmx
    assert 'hx-get="/metrics/dashboard/figures?since=2026-01-01&amp;until=2026-07-01"' in page.text
    figures = client.get("/metrics/dashboard/figures?since=2026-01-01&until=2026-07-01")
    assert figures.status_code == 200
    html = page.text + figures.text
    for key in ("post_mortem_completion_rate", "mttr_minutes", "documentation_updates"):
        assert f'src="/metrics/charts/{key}.svg?since=2026-01-01&amp;until=2026-07-01"' in html
        assert f"/metrics/charts/{key}.png?" in html
    pairs = html[html.index('id="recurring-pairs"') :]
    assert "Incident first" in pairs and "Incident again" in pairs
    assert "Deploy or release" in pairs
    overdue = html[html.index('id="overdue"') :]
    assert "Incident first" in overdue and "ana" in overdue
    assert 'href="/metrics/dashboard"' in html  # the nav link
    assert "style=" not in html and "<script>" not in html


@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("png", b"\x89PNG")])
def test_charts_are_images_with_axes_and_the_target(
    client: TestClient, app_sessions: sessionmaker[Session], fmt: str, magic: bytes
) -> None:
    _recurring_world(app_sessions)
    response = client.get(f"/metrics/charts/recurring_incident_rate.{fmt}?since=2026-01-01")
    assert response.status_code == 200
    assert response.content.startswith(magic)
    assert response.headers["content-type"].startswith(f"image/{fmt}")
    if fmt == "svg":
        svg = response.text
        for text in ("Recurring incidents", "Percent", "Month (UTC)", "Target"):
            assert f"<!-- {text}" in svg  # matplotlib names each text element in a comment
    download = client.get(f"/metrics/charts/mttr_minutes.{fmt}?download=1")
    assert download.headers["content-disposition"] == (
        f'attachment; filename="kintsugi-mttr_minutes.{fmt}"'
    )
    assert client.get("/metrics/charts/nothing.svg").status_code == 404
    assert client.get("/metrics/charts/mttr_minutes.gif").status_code == 404


def test_api_gives_the_issue_json_shape(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    _recurring_world(app_sessions)
    body = client.get("/api/v1/metrics?since=2026-01-01&until=2026-07-01").json()
    keys = [m["key"] for m in body["metrics"]]
    assert keys == [
        "post_mortem_completion_rate",
        "action_item_on_time_rate",
        "time_to_post_mortem_hours",
        "recurring_incident_rate",
        "mttr_minutes",
        "learning_sessions_per_month",
        "documentation_updates",
    ]
    for metric in body["metrics"]:
        assert {"key", "definition", "target", "current", "unit", "trend"} <= set(metric)
    recurring = next(m for m in body["metrics"] if m["key"] == "recurring_incident_rate")
    assert recurring["trend"] == [["2026-03", 0.0], ["2026-04", 100.0]]
    pairs = client.get("/api/v1/metrics/recurring?since=2026-01-01").json()["pairs"]
    assert [(p["earlier"]["id"], p["later"]["id"]) for p in pairs] == [("first", "again")]
    overdue = client.get("/api/v1/metrics/overdue").json()["overdue"]
    assert [o["id"] for o in overdue] == ["first", "again"]
    assert client.get("/api/v1/metrics?since=yesterday").status_code == 422
    assert client.get("/api/v1/metrics?team=nobody").status_code == 422


def test_prometheus_endpoint_needs_a_token_unless_public(
    app: FastAPI,
    anonymous: TestClient,
    make_user: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refused = anonymous.get("/metrics", follow_redirects=False)
    assert refused.status_code == 401 and "location" not in refused.headers
    token = make_user("prometheus", Role.VIEWER, "read")
    scraped = anonymous.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE kintsugi_postmortems_overdue gauge" in scraped.text
    assert 'kintsugi_learning_target{metric="action_item_on_time_rate"} 90.0' in scraped.text
    monkeypatch.setenv("KINTSUGI_METRICS_PUBLIC", "true")
    assert anonymous.get("/metrics").status_code == 200


def test_prometheus_labels_by_team_and_severity_and_hides_restricted(
    app_sessions: sessionmaker[Session], anonymous: TestClient, make_user: Callable[..., str]
) -> None:
    from datetime import timedelta

    from kintsugi.core.types import utcnow
    from kintsugi.people import service as people

    admin = make_user("root", Role.ADMIN, "read")
    viewer = make_user("vic", Role.VIEWER, "read")
    with app_sessions.begin() as session:
        people.create_team(session, SYSTEM, "payments")
    start = (utcnow() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    incident(app_sessions, "open", severity=Severity.SEV2, started=start, resolved=start,
             team="payments")  # fmt: skip
    incident(app_sessions, "secret", severity=Severity.SEV1, started=start, resolved=start,
             visibility=Visibility.RESTRICTED)  # fmt: skip

    def scrape(token: str) -> str:
        return anonymous.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text

    as_admin, as_viewer = scrape(admin), scrape(viewer)
    assert 'kintsugi_incidents{severity="SEV2",team="payments"} 1.0' in as_admin
    assert 'kintsugi_incidents{severity="all",team="all"} 2.0' in as_admin
    assert 'kintsugi_postmortems_overdue{severity="SEV1",team="none"} 1.0' in as_admin
    assert 'kintsugi_incidents{severity="all",team="all"} 1.0' in as_viewer
    assert 'kintsugi_incidents{severity="SEV1",team="all"} 0.0' in as_viewer
    assert 'kintsugi_incidents{severity="SEV1",team="all"} 1.0' in as_admin
    assert 'kintsugi_postmortems_overdue{severity="SEV1"' not in as_viewer
    assert 'kintsugi_postmortems_overdue{severity="SEV1"' in as_admin


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_checklist_fragment_and_reviewer_answers(
    app: FastAPI, app_sessions: sessionmaker[Session], make_user: Callable[..., str]
) -> None:
    make_user("eddie", Role.EDITOR)
    incident(app_sessions, "pm", started="2026-05-01 10:00", resolved="2026-05-01 11:00")
    with TestClient(app) as browser:
        signed = browser.post(
            "/login",
            data={"username": "eddie", "password": PASSWORD, "next": "/metrics/dashboard"},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        fragment = browser.get("/postmortems/pm/checklist")
        assert fragment.status_code == 200
        assert 'id="quality-checklist"' in fragment.text
        assert 'id="check-reviewed_by_leadership"' in fragment.text
        token = _csrf(fragment.text)
        forged = browser.post(
            "/postmortems/pm/checklist", data={"item": "reviewed_by_leadership", "answer": "passed"}
        )
        assert forged.status_code == 403
        answered = browser.post(
            "/postmortems/pm/checklist",
            data={
                "item": "reviewed_by_leadership",
                "answer": "passed",
                "note": "reviewed at the ops review",
                "csrf_token": token,
            },
        )
        assert answered.status_code == 200
        item = answered.text[answered.text.index('id="check-reviewed_by_leadership"') :]
        assert "reviewer: reviewed at the ops review" in item.split("</li>")[0]
        api = browser.get("/api/v1/postmortems/pm/checklist").json()
        state = {i["key"]: i["state"] for i in api["items"]}
        assert state["reviewed_by_leadership"] == "passed"
        assert state["published"] == "failed"


def test_admin_policy_page_overrides_and_validates(
    app: FastAPI, client: TestClient, make_user: Callable[..., str]
) -> None:
    page = client.get("/admin/metrics-policy")
    assert page.status_code == 200 and 'name="deadlines.sev1_hours"' in page.text
    saved = client.put(
        "/api/v1/metrics/policy", json={"overrides": {"deadlines": {"sev1_hours": 24}}}
    )
    assert saved.status_code == 200
    assert saved.json()["effective"]["deadlines"]["sev1_hours"] == 24
    bad = client.put(
        "/api/v1/metrics/policy", json={"overrides": {"deadlines": {"sev1_hours": -1}}}
    )
    assert bad.status_code == 422
    assert "deadlines.sev1_hours" in bad.json()["detail"]
    assert client.get("/api/v1/metrics/policy").json()["overrides"] == {
        "deadlines": {"sev1_hours": 24}
    }
    editor = make_user("ed", Role.EDITOR)
    with TestClient(app, headers={"Authorization": f"Bearer {editor}"}) as other:
        assert other.get("/admin/metrics-policy").status_code == 403
        refused = other.put("/api/v1/metrics/policy", json={"overrides": {}})
        assert refused.status_code == 403


def test_publishing_below_the_score_warns_in_the_api_and_on_the_page(
    app: FastAPI, client: TestClient, make_user: Callable[..., str]
) -> None:
    markdown = "---\nid: thin\nseverity: SEV2\n---\n# Thin post-mortem\n\n## Summary\n\nShort.\n"
    assert client.post("/api/v1/postmortems", json={"markdown": markdown}).status_code == 201
    review = client.post("/api/v1/postmortems/thin/status", json={"status": "in_review"})
    assert review.status_code == 200 and review.json()["warnings"] == []
    # the admin wrote it: a SEV2 post-mortem is published by someone else
    own = client.post("/api/v1/postmortems/thin/status", json={"status": "published"})
    assert own.status_code == 403 and "authors" in own.json()["detail"]
    token = make_user("rita", Role.EDITOR)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as reviewer:
        published = reviewer.post("/api/v1/postmortems/thin/status", json={"status": "published"})
        assert published.status_code == 200, published.text
        assert published.json()["status"] == "published"
        assert published.json()["warnings"][0].startswith("quality checklist score ")

        reviewer.post("/api/v1/postmortems/thin/status", json={"status": "in_review"})
        page = reviewer.get("/postmortems/thin")
        csrf = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
        version = re.search(r'name="base_version" value="(\d+)"', page.text)
        assert version is not None
        form = {
            "status": "published",
            "base_version": version.group(1),
            "csrf_token": csrf.group(1) if csrf else "",
        }
        # without the confirmation, the form leads to the confirm page (score first)
        unconfirmed = reviewer.post("/postmortems/thin/status", data=form, follow_redirects=False)
        assert unconfirmed.status_code == 303
        assert unconfirmed.headers["location"] == "/postmortems/thin/publish"
        confirm = reviewer.get("/postmortems/thin/publish")
        assert 'id="confirm-below-minimum"' in confirm.text
        assert 'id="confirm-score"' in confirm.text
        posted = reviewer.post(
            "/postmortems/thin/status", data={**form, "confirmed": "true"}, follow_redirects=False
        )
        assert posted.status_code == 303
        assert posted.headers["location"].endswith("?published_below_checklist=1")
        shown = reviewer.get(posted.headers["location"])
        assert 'id="checklist-warning"' in shown.text
        assert 'hx-get="/postmortems/thin/checklist"' in shown.text
        assert 'id="review-approval"' in shown.text
    assert 'id="checklist-warning"' not in client.get("/postmortems/thin").text
