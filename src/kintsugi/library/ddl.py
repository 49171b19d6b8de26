"""The engine's own full-text index, which the ORM cannot declare.

- SQLite: ``library_fts``, an FTS5 table whose content is ``library_documents`` (external
  content: the text is stored once), porter stemming, prefix indexes for 2 and 3 characters.
- PostgreSQL: ``library_fts``, one weighted ``tsvector`` per document with a GIN index, kept
  in the table's own pages (``POSTGRES_INLINE``).

Triggers on ``library_documents`` keep the index in step with every insert, update and delete
(including deletes cascading from ``postmortems``), in the same transaction as the write.
"""

from __future__ import annotations

from collections.abc import Callable

FTS_TABLE = "library_fts"
TEXT_CONFIG = "english"
"""PostgreSQL text search configuration (stemming and stop words)."""

COLUMNS = ("title", "summary", "keywords", "body")
SQLITE_TOKENIZE = "porter unicode61 remove_diacritics 2"

_SQLITE_COLUMNS = ", ".join(COLUMNS)
_SQLITE_NEW = ", ".join(f"new.{c}" for c in COLUMNS)
_SQLITE_OLD = ", ".join(f"old.{c}" for c in COLUMNS)

SQLITE_UPGRADE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({_SQLITE_COLUMNS}, "
    "content='library_documents', content_rowid='postmortem_pk', "
    f"tokenize='{SQLITE_TOKENIZE}', prefix='2 3')",
    f"CREATE TRIGGER library_fts_after_insert AFTER INSERT ON library_documents BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, {_SQLITE_COLUMNS}) VALUES (new.postmortem_pk, {_SQLITE_NEW}); "
    "END",
    f"CREATE TRIGGER library_fts_after_delete AFTER DELETE ON library_documents BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_SQLITE_COLUMNS}) "
    f"VALUES ('delete', old.postmortem_pk, {_SQLITE_OLD}); "
    "END",
    f"CREATE TRIGGER library_fts_after_update AFTER UPDATE ON library_documents BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_SQLITE_COLUMNS}) "
    f"VALUES ('delete', old.postmortem_pk, {_SQLITE_OLD}); "
    f"INSERT INTO {FTS_TABLE}(rowid, {_SQLITE_COLUMNS}) VALUES (new.postmortem_pk, {_SQLITE_NEW}); "
    "END",
    # index whatever was there before the library existed
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
)

SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS library_fts_after_update",
    "DROP TRIGGER IF EXISTS library_fts_after_delete",
    "DROP TRIGGER IF EXISTS library_fts_after_insert",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)


def postgres_vector_sql(row: str) -> str:
    """The weighted tsvector of a ``library_documents`` row named ``row`` (title A ... body C)."""
    config = f"'{TEXT_CONFIG}'::regconfig"
    return (
        f"setweight(to_tsvector({config}, coalesce({row}.title, '')), 'A') || "
        f"setweight(to_tsvector({config}, coalesce({row}.keywords, '')), 'A') || "
        f"setweight(to_tsvector({config}, coalesce({row}.summary, '')), 'B') || "
        f"setweight(to_tsvector({config}, coalesce({row}.body, '')), 'C')"
    )


POSTGRES_UPGRADE = (
    f"CREATE TABLE {FTS_TABLE} ("
    "postmortem_pk integer PRIMARY KEY "
    "REFERENCES library_documents (postmortem_pk) ON DELETE CASCADE, "
    "document tsvector NOT NULL)",
    f"CREATE INDEX {FTS_TABLE}_document ON {FTS_TABLE} USING gin (document)",
    "CREATE FUNCTION library_fts_refresh() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"INSERT INTO {FTS_TABLE} (postmortem_pk, document) "
    f"VALUES (NEW.postmortem_pk, {postgres_vector_sql('NEW')}) "
    "ON CONFLICT (postmortem_pk) DO UPDATE SET document = EXCLUDED.document; "
    "RETURN NEW; END $$",
    "CREATE TRIGGER library_fts_refresh AFTER INSERT OR UPDATE ON library_documents "
    "FOR EACH ROW EXECUTE FUNCTION library_fts_refresh()",
    f"INSERT INTO {FTS_TABLE} (postmortem_pk, document) "
    f"SELECT d.postmortem_pk, {postgres_vector_sql('d')} FROM library_documents AS d",
)

POSTGRES_INLINE = (
    # A search reads the tsvector of every match (``@@`` on a word in most documents, then
    # ``ts_rank_cd``). Out of line, in TOAST, each read is a lookup in the TOAST index and two
    # chunks: four times the cost of reading it from the row. So a vector stays in the row
    # up to a whole page (8,160 bytes; larger ones are compressed, then moved out as before),
    # and rows stored before are rewritten (``USING``: a new value, so it is stored anew).
    f"ALTER TABLE {FTS_TABLE} SET (toast_tuple_target = 8160), "
    "ALTER COLUMN document SET STORAGE MAIN, "
    "ALTER COLUMN document TYPE tsvector USING document || ''::tsvector",
    f"ANALYZE {FTS_TABLE}",  # the new column's statistics, for the planner's choice of index
)

POSTGRES_OUTLINE = (
    f"ALTER TABLE {FTS_TABLE} RESET (toast_tuple_target), "
    "ALTER COLUMN document SET STORAGE EXTENDED",
)

POSTGRES_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS library_fts_refresh ON library_documents",
    "DROP FUNCTION IF EXISTS library_fts_refresh()",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)


def upgrade_statements(dialect: str) -> tuple[str, ...]:
    """The DDL that creates the full-text index on ``dialect`` ('sqlite' or 'postgresql')."""
    return SQLITE_UPGRADE if dialect == "sqlite" else POSTGRES_UPGRADE


def downgrade_statements(dialect: str) -> tuple[str, ...]:
    """The DDL that removes it again."""
    return SQLITE_DOWNGRADE if dialect == "sqlite" else POSTGRES_DOWNGRADE


def create_index(execute: Callable[[str], object], dialect: str) -> None:
    """Run the upgrade DDL through ``execute`` (``op.execute`` in a migration)."""
    for statement in upgrade_statements(dialect):
        execute(statement)


def drop_index(execute: Callable[[str], object], dialect: str) -> None:
    """Run the downgrade DDL through ``execute``."""
    for statement in downgrade_statements(dialect):
        execute(statement)


def is_index_table(name: str | None) -> bool:
    """True for the tables of the full-text index (and SQLite's FTS5 shadow tables)."""
    return bool(name) and (name == FTS_TABLE or str(name).startswith(f"{FTS_TABLE}_"))


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic ``include_name`` hook: leave the full-text index out of autogenerate/compare."""
    return not (type_ == "table" and is_index_table(name))
