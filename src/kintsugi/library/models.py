"""Tables of the library slice.

``library_documents`` holds the searchable text of each post-mortem, flattened; the engine's
own full-text index over it (``library_fts``: an FTS5 table on SQLite, a tsvector table with a
GIN index on PostgreSQL) is created by the migration in ``library/ddl.py`` and kept in step by
database triggers, so it is not declared here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kintsugi.core.db import Base
from kintsugi.core.types import UTCDateTime, utcnow


class LibraryDocumentRow(Base):
    """The text of one post-mortem as the search index sees it."""

    __tablename__ = "library_documents"

    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), primary_key=True
    )
    # short columns first: SQLite reads a row up to the column it needs
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")


class LibraryVectorRow(Base):
    """A post-mortem's meaning as a vector (float32, little-endian), for similar incidents."""

    __tablename__ = "library_vectors"

    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(80))
    dim: Mapped[int] = mapped_column(Integer)
    text_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    vector: Mapped[bytes] = mapped_column(LargeBinary)

    # counts and the newest change per model without reading the vectors themselves
    __table_args__ = (Index("ix_library_vectors_model_updated_at", "model", "updated_at"),)
