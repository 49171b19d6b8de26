"""The library benchmark's query set, and the raw full-text statements it is measured against.

At least 100 distinct queries drawn (for a seed) from the words of the generated library
(bench/generate.py): single words, phrases, prefixes and boolean forms; half of them with one
or two filters. Each is asked once, so the per-process match cache never answers.

The anchor of each query is the database's own full-text statement, written by hand: the
index's MATCH (SQLite FTS5, bm25) or ``@@`` (PostgreSQL, ts_rank_cd over the same tsquery the
library builds), joined to ``postmortems`` for the filters and the deleted ones, best 20 first.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Callable
from typing import Any

from bench.generate import ACTIONS, CAUSES, SERVICES, SYMPTOMS, TAGS

Query = tuple[str, dict[str, Any]]
RawRunner = Callable[[str, dict[str, Any]], list[Any]]

TEAMS = ("platform-team", "sre-team", "payments-team", "data-team")
"""The teams the benchmark library's post-mortems belong to (see ``bench_library``)."""
_STOP = {"a", "an", "the", "of", "to", "on", "its", "was", "that", "and", "for", "by", "in"}
_FILTERS: list[tuple[str, list[Any]]] = [
    ("severity", ["SEV1", "SEV2", "SEV3"]),
    ("status", ["draft", "published"]),
    ("tag", TAGS),
    ("service", SERVICES),
    ("year", [2020, 2021, 2022, 2023, 2024]),
    ("kind", ["postmortem", "near_miss"]),
    ("team", list(TEAMS)),
]


def _vocabulary() -> tuple[list[str], list[str]]:
    """(words, two- and three-word phrases) of the generated library's sentences."""
    sentences = [*SYMPTOMS, *CAUSES, *ACTIONS, *(s.replace("-", " ") for s in SERVICES)]
    words: set[str] = set()
    phrases: set[str] = set()
    for sentence in sentences:
        tokens = [t for t in re.findall(r"[a-z0-9]+", sentence.lower())]
        words.update(t for t in tokens if t not in _STOP and len(t) > 2)
        for n in (2, 3):
            for i in range(len(tokens) - n + 1):
                chunk = tokens[i : i + n]
                if chunk[0] not in _STOP and chunk[-1] not in _STOP:
                    phrases.add(" ".join(chunk))
    return sorted(words), sorted(phrases)


def query_set(count: int = 120, seed: int = 5) -> list[Query]:
    """``count`` distinct (query, filters): a quarter each words, phrases, prefixes, boolean
    forms; every other one with one or two filters."""
    rng = random.Random(seed)
    words, phrases = _vocabulary()
    makers: list[Callable[[], str]] = [
        lambda: " ".join(rng.sample(words, rng.choice([1, 2, 2, 3]))),
        lambda: f'"{rng.choice(phrases)}"',
        lambda: rng.choice([w for w in words if len(w) >= 5])[: rng.randint(3, 5)] + "*",
        lambda: rng.choice(
            [
                "{a} OR {b}",
                "{a} AND {b}",
                "{a} NOT {b}",
                "({a} OR {b}) AND {c}",
                '"{p}" OR {a}',
                "{a} -{b}",
            ]
        ).format(
            a=rng.choice(words), b=rng.choice(words), c=rng.choice(words), p=rng.choice(phrases)
        ),
    ]
    seen: set[str] = set()
    queries: list[Query] = []
    while len(queries) < count:
        text = makers[len(queries) % 4]()
        filters: dict[str, Any] = {}
        if len(queries) % 2:
            for name, values in rng.sample(_FILTERS, rng.choice([1, 1, 2])):
                filters[name] = rng.choice(values)
        key = f"{text}|{sorted(filters.items())}"
        if key in seen or not _searchable(text):
            continue
        seen.add(key)
        queries.append((text, filters))
    return queries


def _searchable(text: str) -> bool:
    from kintsugi.core.errors import InputError
    from kintsugi.library.query import parse_query

    try:
        return parse_query(text) is not None
    except InputError:
        return False


# ----------------------------------------------------------------------------- raw statements


def _where(filters: dict[str, Any], param: str, year: str) -> tuple[str, list[Any]]:
    sql, args = "", []
    for name in ("severity", "status", "kind"):
        if name in filters:
            sql += f" AND p.{name} = {param}"
            args.append(filters[name])
    if "team" in filters:
        sql += f" AND p.team_id = (SELECT id FROM teams WHERE name = {param})"
        args.append(filters["team"])
    for name, table, column in (
        ("tag", "postmortem_tags", "tag"),
        ("service", "postmortem_services", "service"),
    ):
        if name in filters:
            sql += f" AND p.pk IN (SELECT postmortem_pk FROM {table} WHERE {column} = {param})"
            args.append(filters[name])
    if "year" in filters:
        sql += f" AND {year} = {param}"
        args.append(filters["year"])
    return sql, args


def raw_sqlite(path: str) -> RawRunner:
    """The anchor on SQLite: one hand-written FTS5 statement, filters joined in."""
    from kintsugi.library.query import parse_query, to_fts5

    conn = sqlite3.connect(path)

    def run(query: str, filters: dict[str, Any]) -> list[Any]:
        node = parse_query(query)
        assert node is not None
        year = "CAST(substr(coalesce(p.started_at, p.created_at), 1, 4) AS INTEGER)"
        where, args = _where(filters, "?", year)
        sql = (
            "SELECT f.rowid, bm25(library_fts, 10.0, 5.0, 5.0, 1.0) AS score FROM library_fts f "
            "JOIN postmortems p ON p.pk = f.rowid WHERE library_fts MATCH ? "
            f"AND p.deleted_at IS NULL{where} ORDER BY score LIMIT 20"
        )
        return conn.execute(sql, [to_fts5(node), *args]).fetchall()

    return run


def raw_postgres(url: str) -> RawRunner:
    """The anchor on PostgreSQL: one hand-written statement over the tsvector table (its GIN
    index), ranked by ts_rank_cd, with the tsquery the library builds for the query."""
    import psycopg
    from sqlalchemy.dialects import postgresql

    from kintsugi.library.query import parse_query, to_tsquery

    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]

    def run(query: str, filters: dict[str, Any]) -> list[Any]:
        node = parse_query(query)
        assert node is not None
        compiled = to_tsquery(node).compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        year = "CAST(extract(year FROM timezone('UTC', coalesce(p.started_at, p.created_at))) AS INTEGER)"
        where, args = _where(filters, "%s", year)
        sql = (
            f"SELECT f.postmortem_pk, ts_rank_cd(f.document, q.q, 1) AS score "
            f"FROM library_fts f JOIN postmortems p ON p.pk = f.postmortem_pk, "
            f"(SELECT {str(compiled).replace('%', '%%')} AS q) AS q "
            f"WHERE f.document @@ q.q AND p.deleted_at IS NULL{where} "
            "ORDER BY score DESC LIMIT 20"
        )
        return conn.execute(sql, args).fetchall()

    return run
