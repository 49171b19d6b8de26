"""Cursor against offset paging, and the bounded total, of the post-mortem list.

``python -m bench.list_paging URL`` on a library from ``bench_library.load_library``: per
call through the service (best of 5), as a viewer who sees the organisation's post-mortems,
a deep page by offset and the same page by cursor, the first page, the exact total and the
total bounded at ``COUNT_CAP`` (docs/performance-search.md).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.people.principal import Principal, Role
from kintsugi.postmortems import service
from kintsugi.postmortems.listing import list_page


def main(url: str) -> None:
    sessions = make_sessionmaker(make_engine(url))
    viewer = Principal(user_id=1, username="bench", role=Role.VIEWER)
    for filters, offset in [
        (service.Filters(), 33_000),
        (service.Filters(severity="SEV1"), 3_000),
        (service.Filters(tag="capacity"), 3_000),
    ]:
        _case(sessions, viewer, filters, offset)


def _case(sessions: Any, viewer: Principal, filters: service.Filters, offset: int) -> None:
    def best(call: Callable[[Any], object]) -> str:
        times = []
        for _ in range(5):
            with sessions() as session:
                started = time.perf_counter()
                call(session)
                times.append((time.perf_counter() - started) * 1000)
        return f"{min(times):.1f} ms"

    with sessions() as session:
        deep = list_page(session, viewer, filters, limit=50, offset=offset - 50).next
        total = service.count_documents(session, viewer, filters)
    cap = service.COUNT_CAP + 1
    print(f"{filters} ({total:,} post-mortems)")
    print(
        f"  page by offset {offset}:",
        best(lambda s: list_page(s, viewer, filters, limit=50, offset=offset)),
    )
    print(
        "  the same page by cursor:",
        best(lambda s: list_page(s, viewer, filters, limit=50, after=deep)),
    )
    print("  first page:", best(lambda s: list_page(s, viewer, filters, limit=50)))
    print("  exact total:", best(lambda s: service.count_documents(s, viewer, filters)))
    print("  bounded total:", best(lambda s: service.count_documents(s, viewer, filters, cap=cap)))


if __name__ == "__main__":
    main(sys.argv[1])
