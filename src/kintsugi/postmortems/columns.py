"""Post-mortems' table pieces for other slices' single SQL statements: a published read API.

Other slices never import ``postmortems.models``. They call read functions (``lookups``,
``service``, ``listing``), except where one statement must join post-mortems to their own
rows for speed: an action-item list that shows each item's post-mortem and applies its
visibility, a grouped metrics scan, the library's search statement that finds, scores,
filters and applies visibility at once. For those, this module publishes the columns they
may select, filter and join on, read-only: ``POSTMORTEM`` (the post-mortem heads), ``TAGS``,
``SERVICES`` and ``CAUSES`` (their labels: cause categories from the root cause analysis);
join on ``POSTMORTEM.table``.

Who may see a post-mortem stays ``access.visible_to(viewer)``, a condition on these same
columns: never re-state that rule from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import FromClause
from sqlalchemy.orm import InstrumentedAttribute

from kintsugi.postmortems.models import CauseCategoryRow, PostmortemRow, ServiceRow, TagRow


@dataclass(frozen=True)
class PostmortemColumns:
    """The post-mortems table and the columns of a post-mortem's head."""

    table: FromClause
    pk: InstrumentedAttribute[int]
    id: InstrumentedAttribute[str]
    title: InstrumentedAttribute[str]
    kind: InstrumentedAttribute[str]
    status: InstrumentedAttribute[str]
    severity: InstrumentedAttribute[str | None]
    visibility: InstrumentedAttribute[str]
    team_id: InstrumentedAttribute[int | None]
    started_at: InstrumentedAttribute[datetime | None]
    detected_at: InstrumentedAttribute[datetime | None]
    resolved_at: InstrumentedAttribute[datetime | None]
    created_at: InstrumentedAttribute[datetime]
    updated_at: InstrumentedAttribute[datetime]
    published_at: InstrumentedAttribute[datetime | None]
    version: InstrumentedAttribute[int]


@dataclass(frozen=True)
class LabelColumns:
    """A table of a post-mortem's labels (tags, services, cause categories): one row per
    (post-mortem, value)."""

    table: FromClause
    postmortem_pk: InstrumentedAttribute[int]
    value: InstrumentedAttribute[str]


POSTMORTEM = PostmortemColumns(
    table=PostmortemRow.__table__,
    pk=PostmortemRow.pk,
    id=PostmortemRow.id,
    title=PostmortemRow.title,
    kind=PostmortemRow.kind,
    status=PostmortemRow.status,
    severity=PostmortemRow.severity,
    visibility=PostmortemRow.visibility,
    team_id=PostmortemRow.team_id,
    started_at=PostmortemRow.started_at,
    detected_at=PostmortemRow.detected_at,
    resolved_at=PostmortemRow.resolved_at,
    created_at=PostmortemRow.created_at,
    updated_at=PostmortemRow.updated_at,
    published_at=PostmortemRow.published_at,
    version=PostmortemRow.version,
)
TAGS = LabelColumns(table=TagRow.__table__, postmortem_pk=TagRow.postmortem_pk, value=TagRow.tag)
SERVICES = LabelColumns(
    table=ServiceRow.__table__, postmortem_pk=ServiceRow.postmortem_pk, value=ServiceRow.service
)
CAUSES = LabelColumns(
    table=CauseCategoryRow.__table__,
    postmortem_pk=CauseCategoryRow.postmortem_pk,
    value=CauseCategoryRow.category,
)
