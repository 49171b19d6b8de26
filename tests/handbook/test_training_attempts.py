"""Attempts need a principal that may write; a first attempt does not give the answers away."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.handbook import training
from kintsugi.handbook.training import self_check
from kintsugi.people.principal import Role

URL = "/api/v1/training/attempts"


def _as(app: FastAPI, token: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def test_a_read_scope_token_cannot_record_an_attempt(
    app: FastAPI, make_user: Callable[..., str], app_sessions: sessionmaker[Session]
) -> None:
    with _as(app, make_user("rita", Role.FACILITATOR, scope="read")) as rita:
        refused = rita.post(URL, json={"answers": {}})
        assert refused.status_code == 403, refused.text
        assert "write-scope" in refused.json()["detail"]
        assert "correct_answer" not in refused.text
    with app_sessions() as session:
        assert training.status(session).attempts == 0


def test_feedback_gives_the_answers_only_once_passed(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    questions = self_check().questions
    with _as(app, make_user("fay", Role.EDITOR)) as fay:
        empty = fay.post(URL, json={"answers": {}})
        assert empty.status_code == 201, empty.text
        assert not empty.json()["passed"]
        for marked in empty.json()["answers"]:
            assert marked["correct_answer"] is None and marked["explanation"] is None
            assert marked["guide"] is None or marked["guide"].startswith("/handbook/")
        half = {q.id: q.correct for q in questions[: len(questions) // 2]}
        partial = fay.post(URL, json={"answers": half}).json()
        shown = {m["id"] for m in partial["answers"] if m["correct_answer"] is not None}
        assert not partial["passed"] and shown == set(half)  # only the ones answered right
        right = {q.id: q.correct for q in questions}
        passed = fay.post(URL, json={"answers": right}).json()
        assert passed["passed"]
        assert [m["correct_answer"] for m in passed["answers"]] == [q.correct for q in questions]
        assert all(m["explanation"] for m in passed["answers"])


def test_the_page_keeps_the_best_answer_until_passed(client: TestClient) -> None:
    check = self_check()
    first = check.questions[0]
    wrong = {f"q-{first.id}": str((first.correct + 1) % len(first.options))}
    graded = client.post("/training", data=wrong)
    assert graded.status_code == 200 and "not passed yet" in graded.text
    assert "The best answer" not in graded.text
    assert first.explanation.split(".")[0] not in graded.text
