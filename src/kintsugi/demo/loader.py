"""Load the demo documents (shipped with the package) into a database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems.importer import ImportResult, import_paths
from kintsugi.postmortems.models import PostmortemRow

DOCUMENTS = Path(__file__).resolve().parent / "documents"


def database_is_empty(sessions: sessionmaker[Session]) -> bool:
    """True when no post-mortem has been stored yet."""
    with sessions() as session:
        return not session.scalar(select(func.count(PostmortemRow.pk)))


def load_demo(sessions: sessionmaker[Session]) -> ImportResult:
    """Import the demo post-mortems (again: they update in place)."""
    return import_paths(sessions, [DOCUMENTS], SYSTEM, strict=True)
