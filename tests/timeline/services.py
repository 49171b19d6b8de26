"""Real Prometheus and Alertmanager (Debian's packages) for the tests, on free loopback ports.

Prometheus evaluates its rules every second: one alert fires from the start and keeps firing,
one fires and resolves every few seconds. It sends its alerts to the Alertmanager started
beside it. Without the binaries the fixtures fail (never skip): install them with
``apt-get install -y prometheus prometheus-alertmanager``.
"""

from __future__ import annotations

import itertools
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

PROMETHEUS_BINARY = "prometheus"
ALERTMANAGER_BINARY = "prometheus-alertmanager"
INSTALL_HINT = "install them with: apt-get install -y prometheus prometheus-alertmanager"

ALWAYS_FIRING = "KintsugiAlwaysFiring"
FLAPPING = "KintsugiFlapping"
FLAP_PERIOD = 4  # seconds: fires for the first half of each period

RULES = f"""
groups:
  - name: kintsugi-timeline-tests
    interval: 1s
    rules:
      - alert: {ALWAYS_FIRING}
        expr: vector(1) > 0
        for: 0s
        labels:
          severity: page
          service: checkout
        annotations:
          summary: Checkout error rate above 5%
      - alert: {FLAPPING}
        expr: vector(time() % {FLAP_PERIOD}) < {FLAP_PERIOD // 2}
        for: 0s
        labels:
          severity: ticket
          service: search
        annotations:
          summary: Search latency above its objective
"""

PROMETHEUS_CONFIG = """
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {rules}
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:{alertmanager_port}"]
scrape_configs: []
"""

ALERTMANAGER_CONFIG = """
route:
  receiver: incident-pager
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: incident-pager
"""


@dataclass
class Service:
    """A running server: its base URL and process."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def require_binary(name: str) -> str:
    """The binary's path; fails the test (never skips) when it is not installed."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; {INSTALL_HINT}", pytrace=False)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            last_error = exc
            value = None
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what} (last error: {last_error!r})", pytrace=False)


def _start(name: str, args: list[str], workdir: Path, port: int) -> Service:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    service = Service(name, f"http://127.0.0.1:{port}", process, log)

    def ready() -> bool:
        if process.poll() is not None:
            pytest.fail(
                f"{name} exited with {process.returncode}:\n{log.read_text()[-2000:]}",
                pytrace=False,
            )
        return httpx.get(f"{service.url}/-/ready", timeout=2).status_code == 200

    try:
        wait_until(ready, f"{name} to be ready")
    except BaseException:
        service.stop()
        raise
    return service


def start_alertmanager(workdir: Path) -> Service:
    binary = require_binary(ALERTMANAGER_BINARY)
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "alertmanager.yml"
    config.write_text(ALERTMANAGER_CONFIG)
    port = free_port()
    return _start(
        "alertmanager",
        [
            binary,
            f"--config.file={config}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        workdir,
        port,
    )


def start_prometheus(workdir: Path, alertmanager_port: int) -> Service:
    binary = require_binary(PROMETHEUS_BINARY)
    workdir.mkdir(parents=True, exist_ok=True)
    rules = workdir / "rules.yml"
    rules.write_text(RULES)
    config = workdir / "prometheus.yml"
    config.write_text(PROMETHEUS_CONFIG.format(rules=rules, alertmanager_port=alertmanager_port))
    port = free_port()
    return _start(
        "prometheus",
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--rules.alert.resend-delay=1s",  # resend at once, not after a minute
        ],
        workdir,
        port,
    )


@dataclass
class AlertingStack:
    prometheus: Service
    alertmanager: Service


@pytest.fixture(scope="session")
def alerting_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertingStack]:
    """Real Alertmanager and Prometheus; returns once an alert has fired and resolved once."""
    root = tmp_path_factory.mktemp("alerting")
    alertmanager = start_alertmanager(root / "alertmanager")
    try:
        port = int(alertmanager.url.rsplit(":", 1)[1])
        prometheus = start_prometheus(root / "prometheus", port)
    except BaseException:
        alertmanager.stop()
        raise
    try:
        wait_until(
            lambda: _alerts_in_alertmanager(alertmanager.url),
            "Alertmanager to receive the firing alert",
        )
        wait_until(
            lambda: _flapping_resolved_once(prometheus.url),
            "the flapping alert to fire and resolve once",
        )
        yield AlertingStack(prometheus, alertmanager)
    finally:
        prometheus.stop()
        alertmanager.stop()


def _alerts_in_alertmanager(url: str) -> bool:
    alerts = httpx.get(f"{url}/api/v2/alerts", timeout=2).json()
    return any(a["labels"].get("alertname") == ALWAYS_FIRING for a in alerts)


def _flapping_resolved_once(url: str) -> bool:
    """True once Prometheus has seen the flapping alert fire and then stop firing."""
    end = time.time()
    query = f'ALERTS{{alertname="{FLAPPING}",alertstate="firing"}}'
    params: dict[str, str | int] = {
        "query": query,
        "start": int(end) - 60,
        "end": int(end),
        "step": "1",
    }
    result = httpx.get(f"{url}/api/v1/query_range", params=params, timeout=2).json()
    for series in result["data"]["result"]:
        stamps = [float(v[0]) for v in series["values"]]
        if any(b - a > 1.5 for a, b in itertools.pairwise(stamps)):
            return True
    return False


def silence(url: str, *, created_by: str, comment: str, seconds: float = 3600) -> str:
    """Create a silence on the always-firing alert through Alertmanager's API; its id."""
    now = time.time()
    body = {
        "matchers": [{"name": "alertname", "value": ALWAYS_FIRING, "isRegex": False}],
        "startsAt": _rfc3339(now),
        "endsAt": _rfc3339(now + seconds),
        "createdBy": created_by,
        "comment": comment,
    }
    response = httpx.post(f"{url}/api/v2/silences", json=body, timeout=5)
    response.raise_for_status()
    return str(response.json()["silenceID"])


def _rfc3339(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"
