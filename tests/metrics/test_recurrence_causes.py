"""Recurring incidents share a root cause or a primary or secondary contributing factor; a
mitigating factor (what made an incident smaller) never makes a pair."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.metrics.policy import Policy
from kintsugi.metrics.recurring import find_recurrences
from kintsugi.metrics.service import make_scope
from kintsugi.people.principal import SYSTEM
from kintsugi.rca import service as rca
from kintsugi.rca.model import Analysis
from tests.metrics.helpers import NOW, incident


def _factors(sessions: sessionmaker[Session], id: str, *factors: tuple[str, str]) -> None:
    analysis = Analysis.model_validate(
        {
            "factors": [
                {"text": f"{kind} factor", "classification": kind, "category": category}
                for kind, category in factors
            ]
        }
    )
    with sessions.begin() as session:
        rca.save_analysis(session, id, analysis, SYSTEM, base_version=None)


def _pairs(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with sessions() as session:
        result = find_recurrences(
            session, SYSTEM, make_scope(NOW, since="2026-01-01"), Policy().recurrence
        )
    return [(p.earlier.id, p.later.id, p.detail) for p in result.pairs if p.reason == "category"]


def test_a_shared_mitigating_factor_is_no_recurrence(sessions: sessionmaker[Session]) -> None:
    incident(sessions, "db-failover", started="2026-03-01 10:00")
    incident(sessions, "cert-expiry", started="2026-03-20 10:00")
    # "Error alert paged in 4 minutes" helped both; their causes differ
    _factors(sessions, "db-failover", ("primary", "capacity"), ("mitigating", "monitoring-gap"))
    _factors(sessions, "cert-expiry", ("primary", "expiry"), ("mitigating", "monitoring-gap"))
    assert _pairs(sessions) == []


def test_a_shared_secondary_factor_is_a_recurrence(sessions: sessionmaker[Session]) -> None:
    incident(sessions, "db-failover", started="2026-03-01 10:00")
    incident(sessions, "cert-expiry", started="2026-03-20 10:00")
    _factors(sessions, "db-failover", ("primary", "capacity"), ("secondary", "runbook-gap"))
    _factors(sessions, "cert-expiry", ("primary", "expiry"), ("secondary", "runbook-gap"))
    assert [(a, b) for a, b, _ in _pairs(sessions)] == [("db-failover", "cert-expiry")]
