"""JSON API: ``/api/v1/metrics`` (metrics, overdue post-mortems, recurring pairs, policy) and
``/api/v1/postmortems/{id}/checklist``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from kintsugi.core.types import utcnow
from kintsugi.metrics import checklist as checklists
from kintsugi.metrics.deadlines import overdue_postmortems
from kintsugi.metrics.policy import effective_policy, save_overrides, stored_overrides
from kintsugi.metrics.recurring import find_recurrences
from kintsugi.metrics.service import compute_metrics, make_scope
from kintsugi.webkit.deps import CurrentPrincipal, Db

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])
checklist_router = APIRouter(prefix="/api/v1/postmortems", tags=["metrics"])
EXTRA_ROUTERS = (checklist_router,)

DAY = r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+([+-]\d{2}:\d{2}|Z)?)?$"
Since = Annotated[str | None, Query(pattern=DAY, description="From this date (YYYY-MM-DD)")]
Until = Annotated[str | None, Query(pattern=DAY, description="Up to this date, exclusive")]
Team = Annotated[str | None, Query(max_length=200)]
Service = Annotated[str | None, Query(max_length=200)]


class MetricOut(BaseModel):
    key: str
    title: str
    definition: str
    target: float | None
    current: float | None
    unit: str
    trend: list[tuple[str, float]]
    target_met: bool | None
    higher_is_better: bool
    breakdown: dict[str, Any]


class MetricsOut(BaseModel):
    since: str
    until: str
    team: str | None
    service: str | None
    metrics: list[MetricOut]
    near_misses: int


class OverdueOut(BaseModel):
    id: str
    title: str
    severity: str | None
    status: str
    team: str | None
    resolved_at: str
    deadline: str
    overdue_hours: float
    authors: list[str]


class OverdueList(BaseModel):
    as_of: str
    overdue: list[OverdueOut]


class IncidentRef(BaseModel):
    id: str
    title: str


class PairOut(BaseModel):
    earlier: IncidentRef
    later: IncidentRef
    reason: str
    detail: str
    days_apart: float


class PairList(BaseModel):
    pairs: list[PairOut]


class PolicyOut(BaseModel):
    effective: dict[str, Any]
    overrides: dict[str, Any]


class PolicyIn(BaseModel):
    """The admin page's values: a nested partial policy (sections and fields to override)."""

    overrides: dict[str, Any]


class ChecklistOut(BaseModel):
    id: str
    score: float
    minimum: float
    below_minimum: bool
    passed: int
    failed: int
    needs_review: int
    items: list[checklists.Result]


class AnswerIn(BaseModel):
    """A reviewer's answer; null clears it."""

    answer: Literal["passed", "failed"] | None
    note: str | None = Field(None, max_length=2000)


@router.get("", response_model=MetricsOut)
def metrics(
    db: Db,
    viewer: CurrentPrincipal,
    since: Since = None,
    until: Until = None,
    team: Team = None,
    service: Service = None,
) -> dict[str, Any]:
    """Every learning metric with definition, target, current value and monthly trend."""
    now = utcnow()
    with db() as session:
        scope = make_scope(now, since=since, until=until, team=team, service=service)
        report = compute_metrics(session, viewer, scope, effective_policy(session), now=now)
        return report.to_json()


@router.get("/overdue", response_model=OverdueList)
def overdue(db: Db, viewer: CurrentPrincipal, team: Team = None) -> dict[str, Any]:
    """Post-mortems past their deadline that the caller may see."""
    now = utcnow()
    with db() as session:
        found = overdue_postmortems(
            session, viewer, effective_policy(session).deadlines, now, team=team
        )
        return {"as_of": now.isoformat(), "overdue": [pm.to_json(now) for pm in found]}


@router.get("/recurring", response_model=PairList)
def recurring(
    db: Db,
    viewer: CurrentPrincipal,
    since: Since = None,
    until: Until = None,
    team: Team = None,
    service: Service = None,
) -> dict[str, Any]:
    """Pairs of incidents that may be the same problem coming back."""
    now = utcnow()
    with db() as session:
        scope = make_scope(now, since=since, until=until, team=team, service=service)
        result = find_recurrences(session, viewer, scope, effective_policy(session).recurrence)
        return {"pairs": [pair.to_json() for pair in result.pairs]}


@router.get("/policy", response_model=PolicyOut)
def get_policy(db: Db, _viewer: CurrentPrincipal) -> dict[str, Any]:
    """The effective policy and the admin page's overrides."""
    with db() as session:
        return {
            "effective": effective_policy(session).model_dump(mode="json"),
            "overrides": stored_overrides(session),
        }


@router.put("/policy", response_model=PolicyOut)
def put_policy(body: PolicyIn, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """Replace the admin page's overrides (admins)."""
    with db.begin() as session:
        policy = save_overrides(session, viewer, body.overrides)
        return {"effective": policy.model_dump(mode="json"), "overrides": body.overrides}


@checklist_router.get("/{id}/checklist", response_model=ChecklistOut)
def get_checklist(id: str, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """The post-mortem's quality checklist: score and every item with why."""
    with db() as session:
        return checklists.check_document(session, id, viewer, effective_policy(session)).to_json()


@checklist_router.put("/{id}/checklist/{item}", response_model=ChecklistOut)
def answer_item(
    id: str, item: str, body: AnswerIn, db: Db, viewer: CurrentPrincipal
) -> dict[str, Any]:
    """Record a reviewer's answer to one item (editors); null clears it."""
    with db.begin() as session:
        checklists.set_answer(session, id, item, body.answer, viewer, note=body.note)
        return checklists.check_document(session, id, viewer, effective_policy(session)).to_json()
