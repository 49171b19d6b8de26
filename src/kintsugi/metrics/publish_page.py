"""The publish confirmation page: before a post-mortem is published, the person publishing sees
its quality checklist score, what failed, and the blameless-language findings, and confirms.

The confirmation posts to the post-mortem's status form (``confirmed=1``); the service applies
the same rules whatever the page showed (``postmortems.publishing``, ``postmortems.review``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.core.types import utcnow
from kintsugi.language.linter import blocking_findings
from kintsugi.metrics import checklist as checklists
from kintsugi.metrics.policy import effective_policy
from kintsugi.people.permissions import Action, can, require
from kintsugi.people.principal import Principal
from kintsugi.postmortems import review
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Status
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)


def publish_context(session: Session, id: str, viewer: Principal) -> dict[str, Any]:
    """What the confirmation shows: the document, its checklist, the language findings, and
    why this person may not publish it (None: they may)."""
    row = postmortems.find_row(session, id, viewer)
    doc = postmortems.get_document(session, row.id, viewer)
    text = checklists.current_text(session, row.pk, doc)[0]
    findings = blocking_findings(text, postmortems.roster(session))
    facts = checklists.gather_facts(session, row.pk, doc, lint_findings=len(findings))
    try:
        policy = effective_policy(session)
        checklist: checklists.Checklist | None = checklists.evaluate(
            doc, facts, checklists.load_answers(session, row.pk), policy, utcnow()
        )
        policy_error = None
    except InputError as exc:  # publishing is never blocked on a bad policy file
        checklist, policy_error = None, str(exc)
    about = review.subject(session, row.pk)
    refused = review.refusal(session, viewer, about, "Publishing")
    if refused is None and doc.status != Status.IN_REVIEW:
        refused = (
            f"only a post-mortem in review can be published (this one is "
            f"{doc.status.value.replace('_', ' ')}): send it for review first"
        )
    return {
        "doc": doc,
        "checklist": checklist,
        "policy_error": policy_error,
        "failed": [r for r in checklist.results if r.state == checklists.FAILED]
        if checklist
        else [],
        "findings": findings,
        "may_override": can(viewer, Action.PUBLISH_OVER_FINDINGS),
        "refused": refused,
        "rule_applies": review.applies(about),
    }


@router.get("/postmortems/{id}/publish", response_class=HTMLResponse)
def confirm_page(request: Request, id: str, db: Db, viewer: CurrentPrincipal) -> Response:
    """Confirm publishing: the checklist's score and the language findings, then one button."""
    require(viewer, Action.EDIT_POSTMORTEMS)
    with db() as session:
        context = publish_context(session, id, viewer)
    return templates.TemplateResponse(request, "postmortems/publish.html", context)
