"""The handbook, self-check, digest and recognitions over HTTP: the JSON API and the pages
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.handbook.training import self_check
from kintsugi.people.principal import Role
from kintsugi.postmortems.document import Visibility
from tests.handbook.helpers import publish


def _as(app: FastAPI, token: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def test_pages_api_edit_conflict_history_and_restore(client: TestClient) -> None:
    pages = client.get("/api/v1/handbook").json()
    assert [p["slug"] for p in pages] == ["policy", "rca", "facilitation", "learning"]
    page = client.get("/api/v1/handbook/facilitation").json()
    assert page["is_default"] and page["version"] == 1
    assert 'id="someone-blames"' in page["html"] and 'id="premortem-actions"' in page["html"]

    edited = page["markdown"] + "\n## Local practice {#local}\n\nWe meet on Tuesdays.\n"
    saved = client.put(
        "/api/v1/handbook/facilitation",
        json={"markdown": edited, "base_version": 1, "change": "our day"},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2 and 'id="local"' in saved.json()["html"]

    stale = client.put(
        "/api/v1/handbook/facilitation", json={"markdown": page["markdown"], "base_version": 1}
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["current"]["version"] == 2 and "Tuesdays" in body["current"]["markdown"]
    assert body["submitted"]["markdown"] == page["markdown"]

    versions = client.get("/api/v1/handbook/facilitation/versions").json()
    assert [(v["version"], v["actor"], v["change"]) for v in versions] == [
        (2, "admin", "our day"),
        (1, "kintsugi", "the default text"),
    ]
    diff = client.get("/api/v1/handbook/facilitation/diff?from=1&to=2").json()["diff"]
    assert "+We meet on Tuesdays." in diff
    restored = client.post(
        "/api/v1/handbook/facilitation/restore", json={"version": 1, "base_version": 2}
    )
    assert restored.status_code == 200 and restored.json()["version"] == 3
    assert restored.json()["markdown"] == page["markdown"]

    broken = client.put(
        "/api/v1/handbook/facilitation", json={"markdown": "# Short\n", "base_version": 3}
    )
    assert broken.status_code == 422 and "{#welcome}" in broken.json()["detail"]
    assert client.get("/api/v1/handbook/nope").status_code == 404


def test_only_admins_edit_the_handbook(app: FastAPI, make_user: Callable[..., str]) -> None:
    with _as(app, make_user("fay", Role.FACILITATOR)) as facilitator:
        page = facilitator.get("/api/v1/handbook/policy").json()
        refused = facilitator.put(
            "/api/v1/handbook/policy", json={"markdown": page["markdown"], "base_version": 1}
        )
        assert refused.status_code == 403
        assert facilitator.get("/handbook/policy/edit").status_code == 403
        assert "Edit this page" not in facilitator.get("/handbook/policy").text


def test_the_editor_page_saves_and_shows_a_conflict(client: TestClient) -> None:
    form = client.get("/handbook/learning/edit")
    assert form.status_code == 200
    text = client.get("/api/v1/handbook/learning").json()["markdown"]
    preview = client.post("/handbook/preview", data={"markdown": "## Hi {#hi}\n<script>x</script>"})
    assert preview.text.startswith('<h2 id="hi">Hi</h2>') and "<script" not in preview.text
    saved = client.post(
        "/handbook/learning/edit",
        data={"markdown": text + "\nAdded here.\n", "base_version": "1"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/handbook/learning"
    assert "Added here." in client.get("/handbook/learning").text
    conflict = client.post(
        "/handbook/learning/edit", data={"markdown": text + "\nMine.\n", "base_version": "1"}
    )
    assert conflict.status_code == 409
    assert "Someone saved this page" in conflict.text
    assert "Mine." in conflict.text and "Added here." in conflict.text
    history = client.get("/handbook/learning/history?from=1&to=2")
    assert history.status_code == 200 and "+Added here." in history.text


def test_the_handbook_pages_have_anchors_and_a_table_of_contents(client: TestClient) -> None:
    index = client.get("/handbook")
    assert index.status_code == 200
    for slug in ("policy", "rca", "facilitation", "learning"):
        assert f'href="/handbook/{slug}"' in index.text
    page = client.get("/handbook/policy").text
    assert 'id="no-fault-labels"' in page
    assert 'href="#language-guidelines"' in page
    assert 'href="/handbook"' in client.get("/postmortems").text  # the nav link


def test_taking_the_self_check_over_the_api(app: FastAPI, make_user: Callable[..., str]) -> None:
    with _as(app, make_user("fay", Role.FACILITATOR)) as fay:
        questions = fay.get("/api/v1/training").json()["questions"]
        assert all("correct" not in q for q in questions)
        right = {q.id: q.correct for q in self_check().questions}
        result = fay.post("/api/v1/training/attempts", json={"answers": right})
        assert result.status_code == 201
        assert result.json()["passed"] and result.json()["score"] == len(questions)
        bad = fay.post("/api/v1/training/attempts", json={"answers": {"primary-goal": 7}})
        assert bad.status_code == 422
        assert fay.get("/api/v1/training/facilitators").json() == ["fay"]
        assert [r["username"] for r in fay.get("/api/v1/training/results").json()] == ["fay"]
    with _as(app, make_user("vera", Role.VIEWER)) as vera:
        assert vera.get("/api/v1/training/results").json() == []
        assert vera.get("/api/v1/training/results?username=fay").status_code == 403
        assert vera.get("/api/v1/training/status").json()["trained_facilitators"] == ["fay"]


def test_taking_the_self_check_in_the_page(client: TestClient) -> None:
    page = client.get("/training")
    assert page.status_code == 200
    check = self_check()
    for q in check.questions:
        assert f'name="q-{q.id}"' in page.text
    answers = {f"q-{q.id}": str(q.correct) for q in check.questions}
    answers[f"q-{check.questions[0].id}"] = str((check.questions[0].correct + 1) % 2)
    graded = client.post("/training", data=answers)
    assert graded.status_code == 200
    assert f"{len(check.questions) - 1} of {len(check.questions)}" in graded.text
    assert check.questions[0].explanation.split(".")[0] in graded.text
    assert 'id="trained-facilitators">admin' in graded.text


def test_recognitions_and_digest_honour_visibility(
    app: FastAPI, app_sessions: sessionmaker[Session], make_user: Callable[..., str]
) -> None:
    tokens = {
        "nadia": make_user("nadia", Role.EDITOR),
        "otto": make_user("otto", Role.EDITOR),
        "vera": make_user("vera", Role.VIEWER),
    }
    public = publish(app_sessions, "Open outage")
    secret = publish(
        app_sessions, "Breach", marker="zqx", visibility=Visibility.RESTRICTED, access=("nadia",)
    )
    with _as(app, tokens["nadia"]) as nadia:
        made = nadia.post(
            "/api/v1/learning/recognitions",
            json={"recipient": "nadia", "message": "Open about zqx", "postmortem_id": secret.id},
        )
        assert made.status_code == 201, made.text
        nadia.post(
            "/api/v1/learning/recognitions",
            json={"recipient": "ops", "recipient_kind": "team", "message": "Fast fix",
                  "reason": "improvement", "postmortem_id": public.id},
        )  # fmt: skip
        for path in ("/api/v1/learning/recognitions", "/api/v1/learning/digest", "/learning",
                     "/learning/recognition"):  # fmt: skip
            assert "zqx" in nadia.get(path).text, path
    with _as(app, tokens["vera"]) as vera:
        assert (
            vera.post(
                "/api/v1/learning/recognitions", json={"recipient": "x", "message": "y"}
            ).status_code
            == 403
        )
    for who in ("otto", "vera"):
        with _as(app, tokens[who]) as other:
            for path in ("/api/v1/learning/recognitions", "/api/v1/learning/digest",
                         "/learning", "/learning/recognition"):  # fmt: skip
                response = other.get(path)
                assert response.status_code == 200
                assert "zqx" not in response.text, (who, path)
                assert "Fast fix" in response.text or path.endswith("digest") or path == "/learning"
            digest = other.get("/api/v1/learning/digest").json()
            assert [d["title"] for d in digest["published"]] == ["Open outage"]


def test_recognising_in_the_page(client: TestClient) -> None:
    page = client.get("/learning/recognition")
    assert page.status_code == 200 and 'name="recipient"' in page.text
    made = client.post(
        "/learning/recognition",
        data={"recipient": "sre", "recipient_kind": "team", "reason": "improvement",
              "message": "Pool alerts shipped"},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303
    assert "Pool alerts shipped" in client.get("/learning/recognition").text
    bad = client.post("/learning/recognition", data={"recipient": "x", "message": "y",
                                                     "postmortem_id": "nope"})  # fmt: skip
    assert bad.status_code == 422 and "nope" in bad.text
