"""A worker process for the race tests: waits at a barrier, then runs the jobs once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kintsugi.actions.config import ActionSettings
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.notify.config import NotifySettings
from kintsugi.worker import build_worker


def run_worker(
    db_url: str,
    notify_values: dict[str, Any],
    action_values: dict[str, Any],
    now: datetime,
    barrier: Any,
    results: Any,
) -> None:
    engine = make_engine(db_url)
    worker = build_worker(
        make_sessionmaker(engine),
        NotifySettings.model_validate(notify_values),
        ActionSettings.model_validate(action_values),
    )
    barrier.wait(timeout=60)
    report = worker.run_once(now)
    results.put(report.to_json())
    engine.dispose()
