"""The pages offer what the review rule allows: the author of a SEV2 post-mortem sees no
publish button and no checklist answers; a reviewer sees both, and confirms before publishing."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kintsugi.people.principal import Role

MARKDOWN = """---
id: pool
severity: SEV2
---
# Connection pool ran dry

## Summary

The checkout service's connection pool was too small for the sale traffic.
"""


def _as(app: FastAPI, token: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def test_the_author_is_offered_neither_publishing_nor_the_judgement_items(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    with (
        _as(app, make_user("ann", Role.ADMIN)) as author,
        _as(app, make_user("rob", Role.EDITOR)) as reviewer,
    ):
        assert author.post("/api/v1/postmortems", json={"markdown": MARKDOWN}).status_code == 201
        author.post("/api/v1/postmortems/pool/status", json={"status": "in_review"})

        own = author.get("/postmortems/pool").text
        assert 'id="publish-link"' not in own and 'id="publish-needs-other-reviewer"' in own
        fragment = author.get("/postmortems/pool/checklist").text
        assert 'id="checklist-reviewer-only"' in fragment and "check-answer" not in fragment
        refused = author.post(
            "/postmortems/pool/checklist", data={"item": "executive_summary", "answer": "passed"}
        )
        assert 'id="checklist-error"' in refused.text and "authors" in refused.text
        confirm = author.get("/postmortems/pool/publish").text
        assert 'id="publish-refused"' in confirm and 'id="confirm-publish"' not in confirm

        theirs = reviewer.get("/postmortems/pool").text
        assert 'href="/postmortems/pool/publish"' in theirs
        assert "publish-needs-other-reviewer" not in theirs
        fragment = reviewer.get("/postmortems/pool/checklist").text
        assert 'value="passed" class="toggle" aria-pressed="false"' in fragment
        answered = reviewer.post(
            "/postmortems/pool/checklist", data={"item": "executive_summary", "answer": "passed"}
        ).text
        summary = answered.split('id="check-executive_summary"')[1].split("</li>")[0]
        assert 'value="passed" class="toggle" aria-pressed="true"' in summary
        assert 'value="failed" class="toggle" aria-pressed="false"' in summary
        confirm = reviewer.get("/postmortems/pool/publish").text
        assert 'id="confirm-score"' in confirm and "Approve and publish" in confirm


def test_the_document_leads_and_the_review_aids_sit_beside_it(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    with _as(app, make_user("ann", Role.EDITOR)) as author:
        author.post("/api/v1/postmortems", json={"markdown": MARKDOWN})
        page = author.get("/postmortems/pool").text
    article, aside = page.split('<aside class="doc-aside"')
    assert "connection pool was too small" in article
    assert "/postmortems/pool/checklist" not in article
    assert 'hx-get="/postmortems/pool/checklist"' in aside
    assert 'hx-get="/library/similar/pool"' in aside
