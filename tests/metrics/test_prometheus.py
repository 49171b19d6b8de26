"""A real Prometheus (the Debian package) scrapes ``GET /metrics`` with a bearer token and
answers a query with the value Kintsugi exported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.types import utcnow
from kintsugi.people.principal import Role
from kintsugi.postmortems.document import Severity
from tests.metrics.helpers import incident
from tests.support.servers import serve
from tests.timeline.services import PROMETHEUS_BINARY, _start, free_port, require_binary, wait_until

CONFIG = """
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: kintsugi
    metrics_path: /metrics
    authorization:
      type: Bearer
      credentials: {token}
    static_configs:
      - targets: ["{target}"]
"""


def _query(url: str, expression: str) -> list[dict[str, object]]:
    response = httpx.get(f"{url}/api/v1/query", params={"query": expression}, timeout=5)
    response.raise_for_status()
    result: list[dict[str, object]] = response.json()["data"]["result"]
    return result


def test_prometheus_scrapes_the_learning_metrics(
    app: FastAPI,
    app_sessions: sessionmaker[Session],
    make_user: Callable[..., str],
    tmp_path: Path,
) -> None:
    binary = require_binary(PROMETHEUS_BINARY)
    token = make_user("prometheus", Role.ADMIN, "read")
    start = (utcnow() - timedelta(days=5)).strftime("%Y-%m-%d %H:%M")
    incident(app_sessions, "one", severity=Severity.SEV1, started=start, resolved=start)
    incident(app_sessions, "two", severity=Severity.SEV2, started=start, resolved=start)
    with serve(app) as base:
        target = base.removeprefix("http://")
        config = tmp_path / "prometheus.yml"
        config.write_text(CONFIG.format(token=token, target=target))
        port = free_port()
        prometheus = _start(
            "prometheus",
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            tmp_path,
            port,
        )
        try:
            found = wait_until(
                lambda: _query(prometheus.url, 'kintsugi_incidents{team="all",severity="all"}'),
                "Prometheus to scrape Kintsugi",
            )
            assert found[0]["value"][1] == "2"  # type: ignore[index]
            overdue = _query(prometheus.url, 'kintsugi_postmortems_overdue{severity="SEV1"}')
            assert {r["metric"]["team"]: r["value"][1] for r in overdue} == {  # type: ignore[index]
                "all": "1",
                "none": "1",
            }
            up = _query(prometheus.url, 'up{job="kintsugi"}')
            assert up[0]["value"][1] == "1"  # type: ignore[index]
        finally:
            prometheus.stop()
