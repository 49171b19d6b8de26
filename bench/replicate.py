"""Grow a generated PostgreSQL library to N times its size, in SQL (for the 1,000,000 figures).

``python -m bench.replicate URL --times 10`` copies every generated post-mortem (its row, tags,
services, library text and stored tsvector) ``times - 1`` more times under new pks and ids
(``<id>-r<k>``). The copies are made by ``INSERT ... SELECT`` with the full-text trigger off
and the GIN index rebuilt once at the end: generating and parsing a million documents in Python
and running ``to_tsvector`` on each would take hours on the development machine, copying takes
minutes. The generated library's words are drawn from a small vocabulary at random
(``bench/generate.py``), so a copy has the frequencies a larger generation would have; what
differs is that every text occurs ``times`` times (ties in score are broken by pk, as always).
"""

from __future__ import annotations

import argparse
import time

import psycopg

_COPIES = (
    (
        "postmortems",
        "pk, id, title, kind, status, severity, started_at, detected_at, resolved_at, timezone, "
        "visibility, team_id, extra, version, created_at, updated_at, published_at, deleted_at",
        "pk + {shift}, id || '-r{k}', title, kind, status, severity, started_at, detected_at, "
        "resolved_at, timezone, visibility, team_id, extra, version, created_at, updated_at, "
        "published_at, deleted_at",
        "pk",
    ),
    ("postmortem_tags", "postmortem_pk, tag", "postmortem_pk + {shift}, tag", "postmortem_pk"),
    (
        "postmortem_services",
        "postmortem_pk, service",
        "postmortem_pk + {shift}, service",
        "postmortem_pk",
    ),
    (
        "library_documents",
        "postmortem_pk, year, indexed_at, title, summary, keywords, body",
        "postmortem_pk + {shift}, year, indexed_at, title, summary, keywords, body",
        "postmortem_pk",
    ),
    (
        "library_fts",
        "postmortem_pk, document",
        "postmortem_pk + {shift}, document",
        "postmortem_pk",
    ),
)


def replicate(url: str, times: int) -> None:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        (last,) = conn.execute("SELECT max(pk) FROM postmortems").fetchone() or (0,)
        conn.execute("ALTER TABLE library_documents DISABLE TRIGGER library_fts_refresh")
        conn.execute("DROP INDEX IF EXISTS library_fts_document")
        conn.commit()
        for k in range(1, times):
            started = time.perf_counter()
            for table, columns, values, key in _COPIES:
                source = values.format(shift=k * last, k=k)
                conn.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {source} FROM {table} "
                    f"WHERE {key} <= %s",
                    [last],
                )
            conn.commit()
            print(f"copy {k}: {time.perf_counter() - started:.0f} s", flush=True)
        conn.execute("CREATE INDEX library_fts_document ON library_fts USING gin (document)")
        conn.execute("ALTER TABLE library_documents ENABLE TRIGGER library_fts_refresh")
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('postmortems', 'pk'), max(pk)) FROM postmortems"
        )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.replicate")
    parser.add_argument("url", help="a PostgreSQL library made by bench_library.load_library")
    parser.add_argument("--times", type=int, default=10)
    args = parser.parse_args()
    replicate(args.url, args.times)
