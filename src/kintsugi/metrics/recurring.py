"""Recurring incidents: pairs of incidents close in time that share a root-cause category
(from the root cause analyses) or read alike (the library's similarity vectors).

An incident *recurs* when an earlier incident within ``recurrence.window_days`` before it
shares a category of a root cause or contributing factor with it, or when the cosine
similarity of their library vectors is at least ``recurrence.similarity_threshold``. The pairs
are listed so that people can check them; only incidents the viewer may see take part.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from kintsugi.library.embeddings import MODEL_NAME
from kintsugi.library.vectors import CACHE
from kintsugi.metrics.policy import Recurrence
from kintsugi.metrics.queries import Incident, Scope, incident_list
from kintsugi.people.principal import Principal
from kintsugi.rca.service import recurring_causes


@dataclass(frozen=True)
class RecurringPair:
    """An incident and an earlier one it may repeat, and why."""

    earlier: Incident
    later: Incident
    reason: str  # "category" or "similarity"
    detail: str  # the category's label, or the similarity score

    @property
    def days_apart(self) -> float:
        return round((self.later.at - self.earlier.at).total_seconds() / 86400, 1)

    def to_json(self) -> dict[str, Any]:
        # each incident is named by id and title only; ``days_apart`` is derived, added last
        wire = _WIRE.dump_python(self, mode="json", include=_INCLUDE)
        return {**wire, "days_apart": self.days_apart}


_WIRE = TypeAdapter(RecurringPair)
_INCLUDE: dict[str, set[str] | bool] = {
    "earlier": {"id", "title"},
    "later": {"id", "title"},
    "reason": True,
    "detail": True,
}


@dataclass
class RecurrenceResult:
    """The incidents in scope that recur (pk -> their incident) and the pairs found."""

    recurred: dict[int, Incident]
    pairs: list[RecurringPair]


def _categories(session: Session, viewer: Principal) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Post-mortem id -> categories of its causes; category -> label."""

    by_doc: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for recurrence in recurring_causes(session, viewer, min_count=2):
        labels[recurrence.category] = recurrence.label
        for pm_id, _title, _causes in recurrence.postmortems:
            by_doc[pm_id].add(recurrence.category)
    return by_doc, labels


def _vector_pks(session: Session) -> set[int]:
    """The post-mortems that have a library vector."""
    pks, _matrix = CACHE.matrix(session, MODEL_NAME)
    return {int(pk) for pk in pks}


def _vectors(session: Session, pks: list[int]) -> dict[int, Any]:
    """The library's vectors of ``pks`` (empty without stored vectors)."""
    all_pks, matrix = CACHE.matrix(session, MODEL_NAME)
    if not len(all_pks):
        return {}
    wanted = set(pks)
    return {int(pk): matrix[i] for i, pk in enumerate(all_pks) if int(pk) in wanted}


def _earlier_within(
    chain: list[Incident], times: list[Any], later: Incident, window: timedelta
) -> list[Incident]:
    """The incidents of time-ordered ``chain`` in the window before ``later`` (same moment:
    only those with a lower pk, so that each pair is counted once)."""
    found = []
    for earlier in chain[bisect.bisect_left(times, later.at - window) :]:
        if earlier.at > later.at:
            break
        if earlier.at == later.at and earlier.pk >= later.pk:
            continue
        found.append(earlier)
    return found


def find_recurrences(
    session: Session, viewer: Principal, scope: Scope, rules: Recurrence
) -> RecurrenceResult:
    """Which incidents in ``scope`` recur, with the pairs (newest first)."""
    window = timedelta(days=rules.window_days)
    categories, labels = _categories(session, viewer)
    vector_pks = _vector_pks(session)
    if not categories and not vector_pks:
        return RecurrenceResult({}, [])  # nothing to match on: no incident can recur
    incidents = [
        i
        for i in incident_list(session, viewer, scope, lookback_days=rules.window_days)
        if i.id in categories or i.pk in vector_pks
    ]
    in_scope = [i for i in incidents if scope.since <= i.at < scope.until]
    if not in_scope:
        return RecurrenceResult({}, [])
    by_category: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:  # oldest first, so every chain is in time order
        for category in categories.get(incident.id, ()):
            by_category[category].append(incident)
    category_times = {c: [i.at for i in chain] for c, chain in by_category.items()}
    vectors = _vectors(session, [i.pk for i in incidents])
    with_vector = [i for i in incidents if i.pk in vectors]
    vector_times = [i.at for i in with_vector]
    pairs: dict[tuple[int, int], RecurringPair] = {}
    for later in in_scope:
        for category in sorted(categories.get(later.id, ())):
            chain = by_category[category]
            for earlier in _earlier_within(chain, category_times[category], later, window):
                key = (earlier.pk, later.pk)
                if key not in pairs:
                    label = labels.get(category, category)
                    pairs[key] = RecurringPair(earlier, later, "category", label)
        vector = vectors.get(later.pk)
        if vector is None:
            continue
        for earlier in _earlier_within(with_vector, vector_times, later, window):
            key = (earlier.pk, later.pk)
            if key in pairs:
                continue
            score = float(vector @ vectors[earlier.pk])
            if score >= rules.similarity_threshold:
                pairs[key] = RecurringPair(earlier, later, "similarity", f"{score:.2f}")
    found = sorted(pairs.values(), key=lambda p: (p.later.at, p.earlier.at), reverse=True)
    return RecurrenceResult({p.later.pk: p.later for p in found}, found)
