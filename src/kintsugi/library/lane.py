"""Searches run on a lane of threads of their own (``webkit.limits.WorkLane``).

A search of a common word in a large library takes seconds of CPU; a crowd searching at once
(everyone during an incident) would otherwise take every thread of the server's pool, and
every other page would wait behind them. ``KINTSUGI_SEARCH_AT_ONCE`` searches work at once per
server process, the next wait their turn without holding a thread, and only past
``core.limits.SEARCH_WAITING`` waiting is one refused (429)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.requests import Request

from kintsugi.core.config import Settings
from kintsugi.core.limits import SEARCH_WAITING
from kintsugi.webkit.limits import WorkLane

T = TypeVar("T")


async def in_search_lane(request: Request, work: Callable[[], T]) -> T:
    """``work()`` (a search, and its page or JSON) on the app's search lane."""
    state = request.app.state
    lane: WorkLane | None = getattr(state, "search_lane", None)
    if lane is None:
        settings: Settings = getattr(state, "settings", None) or Settings()
        lane = state.search_lane = WorkLane(settings.search_at_once, SEARCH_WAITING)
    return await lane.run("search", work)
