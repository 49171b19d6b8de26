"""The RCA page: every technique shown, edits through htmx forms, conflicts, roles, XSS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kintsugi.people.principal import SYSTEM, Role
from kintsugi.rca import service
from tests.rca.conftest import PM_ID, full_analysis, make_token
from tests.support.xss import PAYLOADS, injection_problems

PAGE = f"/postmortems/{PM_ID}/rca"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    token = make_token(app, "ed", Role.EDITOR)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client


def _version(app: FastAPI) -> int:
    with app.state.writing_sessions.begin() as session:
        return service.get_analysis(session, PM_ID, SYSTEM, lint=False).version


def test_the_page_shows_every_technique(client: TestClient) -> None:
    client.post(f"/api/v1/postmortems/{PM_ID}/rca/import", json=full_analysis())
    html = client.get(PAGE).text
    for heading in (
        "5 Whys", "Fishbone", "Change analysis", "Timeline analysis", "Contributing factors",
        "Causal factor tree", "Barrier analysis",
    ):  # fmt: skip
        assert f"<h2>{heading}</h2>" in html
    assert 'id="rca-fishbone-diagram"' in html and 'id="rca-tree-diagram"' in html
    assert "Consumer settings are not load tested before deploys" in html
    assert "QueueDepth alert fires" in html  # cited evidence shown beside its cause
    assert "Not addressed by any action item (2)" in html
    assert 'href="/static/rca.css"' in html
    assert " style=" not in html and "<style" not in html and "<script>" not in html


def test_an_htmx_edit_adds_a_why_step(app: FastAPI, client: TestClient) -> None:
    response = client.post(
        f"{PAGE}/whys/add-chain", data={"problem": "Why did orders stall?", "base_version": "0"},
        headers=HTMX,
    )  # fmt: skip
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="rca-whys"')
    assert 'id="rca-version" name="base_version" value="1" hx-swap-oob="true"' in response.text
    with app.state.writing_sessions.begin() as session:
        view = service.get_analysis(session, PM_ID, SYSTEM)
        chain = view.analysis.five_whys[0]
        event = next(e for e in view.events if e.text.startswith("Queue consumer"))
    response = client.post(
        f"{PAGE}/whys/add-step",
        data={
            "chain": chain.id, "why": "Why?", "because": "The prefetch was lowered",
            "evidence": [str(event.id)], "root_cause": "on", "category": "config-change",
            "base_version": "1",
        },
        headers=HTMX,
    )  # fmt: skip
    assert response.status_code == 200 and "The prefetch was lowered" in response.text
    with app.state.writing_sessions.begin() as session:
        steps = service.get_analysis(session, PM_ID, SYSTEM).analysis.five_whys[0].steps
    assert steps[0].root_cause and steps[0].category == "config-change"
    assert steps[0].evidence[0].event_id == event.id
    assert service_history(app)[0] == "added why step why-1"


def service_history(app: FastAPI) -> list[str]:
    with app.state.writing_sessions.begin() as session:
        return [v.change for v in service.versions(session, PM_ID, SYSTEM)]


def test_a_stale_form_is_refused_and_shows_the_latest(app: FastAPI, client: TestClient) -> None:
    client.post(f"/api/v1/postmortems/{PM_ID}/rca/import", json=full_analysis())
    response = client.post(
        f"{PAGE}/fishbone/add",
        data={"bone": "people", "text": "Stale cause", "base_version": "0"},
        headers=HTMX,
    )
    assert response.status_code == 200  # htmx swaps the message in
    assert "Someone else changed this analysis" in response.text
    assert "Stale cause" not in response.text
    assert _version(app) == 1


def test_invalid_edits_name_the_problem(app: FastAPI, client: TestClient) -> None:
    client.post(f"/api/v1/postmortems/{PM_ID}/rca/import", json=full_analysis())
    response = client.post(
        f"{PAGE}/tree/add",
        data={"kind": "root_cause", "text": "", "base_version": "1"},
        headers=HTMX,
    )
    assert "text: String should have at least 1 character" in response.text
    response = client.post(
        f"{PAGE}/whys/add-step",
        data={"chain": "chain-1", "because": "More", "base_version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200  # the earlier last step stops being the root cause
    assert _version(app) == 2
    no_js = client.post(f"{PAGE}/barriers/add", data={"name": "x", "type": "moat", "state": "held"})
    assert no_js.status_code == 422 and "type" in no_js.text


def test_without_javascript_a_form_post_redirects_back(client: TestClient) -> None:
    response = client.post(
        f"{PAGE}/factors/add",
        data={"text": "Prefetch lowered", "classification": "primary"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}#rca-factors"
    assert "Prefetch lowered" in client.get(PAGE).text


def test_links_and_deletes_through_forms(app: FastAPI, client: TestClient) -> None:
    client.post(f"/api/v1/postmortems/{PM_ID}/rca/import", json=full_analysis())
    with app.state.writing_sessions.begin() as session:
        view = service.get_analysis(session, PM_ID, SYSTEM)
    alert_item = next(a for a in view.action_items if a.title.startswith("Alert on"))
    linked = client.post(
        f"{PAGE}/links/link",
        data={"item": "fish-2", "action_item": str(alert_item.id), "section": "fishbone",
              "base_version": "1"},
        headers=HTMX,
    )  # fmt: skip
    assert linked.text.lstrip().startswith('<section id="rca-fishbone"')
    assert "Addressed by" in linked.text
    deleted = client.post(
        f"{PAGE}/tree/delete", data={"item": "node-1", "base_version": "2"}, headers=HTMX
    )
    assert deleted.status_code == 200
    with app.state.writing_sessions.begin() as session:
        view = service.get_analysis(session, PM_ID, SYSTEM)
    assert [(n.id, n.parent) for n in view.analysis.causal_tree] == [("node-2", None)]
    assert {(link.target) for link in view.analysis.links} >= {"fish-2"}


def test_viewers_see_no_forms(app: FastAPI, client: TestClient) -> None:
    client.post(f"/api/v1/postmortems/{PM_ID}/rca/import", json=full_analysis())
    token = make_token(app, "vi", Role.VIEWER)
    html = client.get(PAGE, headers={"Authorization": f"Bearer {token}"}).text
    assert "Prefetch of 1" in html and "<form" not in html
    refused = client.post(
        f"{PAGE}/fishbone/add", data={"bone": "people", "text": "x"},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert refused.status_code == 403


def test_the_summary_fragment_lists_what_is_unaddressed(client: TestClient) -> None:
    client.post(f"/api/v1/postmortems/{PM_ID}/rca/import", json=full_analysis())
    html = client.get(f"{PAGE}/summary").text
    assert html.lstrip().startswith('<div id="rca-summary"')
    assert "Prefetch of 1" in html and "No load test for consumer settings" in html


def test_payloads_stay_inert(client: TestClient) -> None:
    data = full_analysis()
    data["problem"] = PAYLOADS[3]
    for payload in PAYLOADS:
        data["fishbone"].append({"bone": "people", "text": payload, "root_cause": True})
        data["causal_tree"].append({"kind": "root_cause", "text": payload})
        data["barriers"].append(
            {
                "name": payload,
                "type": "process",
                "state": "failed",
                "why": payload,
                "strengthen": payload,
            }
        )
        data["five_whys"][0]["steps"].insert(0, {"why": payload, "because": payload})
        data["changes"].append({"kind": "process", "text": payload, "notes": payload})
        data["factors"].append({"text": payload, "classification": "primary"})
    data["timeline"]["notes"] = PAYLOADS[1]
    assert client.post(f"/api/v1/postmortems/{PM_ID}/rca/import", json=data).status_code == 200
    for path in (PAGE, f"{PAGE}/summary"):
        assert injection_problems(client.get(path).text) == [], path
