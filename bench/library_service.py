"""Search through the service (no HTTP) against the raw statement, query by query, printing
as it goes (for a library too slow for the whole HTTP run; docs/performance-search.md):

    python -m bench.library_service URL FIRST STOP          # queries FIRST..STOP-1 of the set
    python -m bench.library_service URL QUERY [QUERY ...]    # the given queries, no filters

Searches run in the web app's reading sessions (autocommit on PostgreSQL), after one untimed
search that follows the columns' load. Run it with ``KINTSUGI_SEARCH_CACHE_ENTRIES=0`` to
leave the match cache out."""

import sys
import time
from typing import Any

from bench.library_queries import query_set, raw_postgres
from bench.library_search import percentile
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.library import search as S
from kintsugi.library.facets import fresh_columns
from kintsugi.people.principal import Principal, Role

url = sys.argv[1]
asked: list[tuple[str, dict[str, Any]]]
if len(sys.argv) == 4 and sys.argv[2].isdigit() and sys.argv[3].isdigit():
    asked = query_set(120)[int(sys.argv[2]) : int(sys.argv[3])]
else:
    asked = [(query, {}) for query in sys.argv[2:]]
raw = raw_postgres(url)
engine = make_engine(url)
sessions = make_sessionmaker(engine, reads_only=True)
viewer = Principal(user_id=1, username="bench", role=Role.VIEWER)
t = time.perf_counter()
with sessions() as s:
    fresh_columns(s)
print(f"columns loaded in {time.perf_counter() - t:.1f} s", flush=True)
with sessions() as s:
    S.search(s, viewer, "database timeout")  # the first statement after the load, untimed
a, r = [], []
for q, f in asked:
    with sessions() as s:
        t = time.perf_counter()
        res = S.search(s, viewer, q, S.SearchFilters(**f))
        a.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    raw(q, f)
    r.append((time.perf_counter() - t) * 1000)
    print(f"{a[-1]:8.0f} {r[-1]:8.0f} {res.total:7d} {q!r} {f}", flush=True)
print(
    f"service p50 {percentile(a, 0.5):.0f} p95 {percentile(a, 0.95):.0f}; raw p50 {percentile(r, 0.5):.0f} p95 {percentile(r, 0.95):.0f}; ratio p50 {percentile(a, 0.5) / percentile(r, 0.5):.2f} p95 {percentile(a, 0.95) / percentile(r, 0.95):.2f}",
    flush=True,
)
