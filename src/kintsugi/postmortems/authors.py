"""The authors of post-mortems, for slices that list many documents at once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.postmortems.models import AuthorRow

_BATCH = 500
"""Post-mortems per query (SQLite limits the parameters of one statement)."""


def authors_of(session: Session, postmortem_pks: Sequence[int]) -> dict[int, list[str]]:
    """Post-mortem pk -> its authors in the document's order (only those that have any).

    The caller has already applied visibility to ``postmortem_pks``.
    """
    authors: dict[int, list[str]] = {}
    for start in range(0, len(postmortem_pks), _BATCH):
        for pk, name in session.execute(
            select(AuthorRow.postmortem_pk, AuthorRow.name)
            .where(AuthorRow.postmortem_pk.in_(postmortem_pks[start : start + _BATCH]))
            .order_by(AuthorRow.postmortem_pk, AuthorRow.position)
        ):
            authors.setdefault(pk, []).append(name)
    return authors
