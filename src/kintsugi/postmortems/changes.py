"""What other slices change of a post-mortem besides its document: its cause categories.

A root cause analysis names cause categories; they are labels of the post-mortem, searched
and counted with it like its tags (the library's facets and filters). Setting them counts
the post-mortem as changed, so that copies keyed on its ``updated_at`` refresh.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from kintsugi.core.types import utcnow
from kintsugi.postmortems.models import CauseCategoryRow, PostmortemRow


def _mark_changed(session: Session, postmortem_pk: int) -> None:
    """Count post-mortem ``postmortem_pk`` as changed now (its ``updated_at``), without a new
    version of its document."""
    session.execute(
        update(PostmortemRow)
        .where(PostmortemRow.pk == postmortem_pk)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def set_cause_categories(session: Session, postmortem_pk: int, categories: Iterable[str]) -> None:
    """Replace the cause categories of post-mortem ``postmortem_pk`` and mark it changed."""
    session.execute(delete(CauseCategoryRow).where(CauseCategoryRow.postmortem_pk == postmortem_pk))
    wanted = sorted(set(categories))
    if wanted:
        session.execute(
            insert(CauseCategoryRow),
            [{"postmortem_pk": postmortem_pk, "category": c} for c in wanted],
        )
    _mark_changed(session, postmortem_pk)
