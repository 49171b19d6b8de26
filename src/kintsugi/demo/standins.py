"""The demo's incident drafted through ``kintsugi draft``, from local vendor stand-ins.

A PagerDuty stand-in (the REST API v2's incident and log entries, from a file shipped with the
demo) is served on the loopback interface for the time of the draft, and a file of changes is
the second source: the demo's newest post-mortem is made exactly as a team's would be.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.incidents.draft import DraftResult, draft_incident
from kintsugi.people.principal import SYSTEM

VENDORS = Path(__file__).resolve().parent / "vendors"
INCIDENT = "PDEMO42"
REFERENCE = f"pagerduty:{INCIDENT}"
STANDIN_TOKEN = "demo-standin"  # the stand-in checks nothing; the source wants a token


class _PagerDutyStandIn(BaseHTTPRequestHandler):
    """``GET /incidents/{id}`` and ``/incidents/{id}/log_entries`` (offset pagination)."""

    data: ClassVar[dict[str, Any]] = {}

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        incident = f"/incidents/{self.data['incident']['id']}"
        if url.path == incident:
            body: dict[str, Any] = {"incident": self.data["incident"]}
        elif url.path == f"{incident}/log_entries":
            entries = self.data["log_entries"]
            offset = int(query.get("offset", ["0"])[0])
            limit = int(query.get("limit", ["100"])[0])
            body = {
                "log_entries": entries[offset : offset + limit],
                "offset": offset,
                "limit": limit,
                "more": offset + limit < len(entries),
                "total": None,
            }
        else:
            self.send_error(404)
            return
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@contextmanager
def pagerduty_standin(data: dict[str, Any] | None = None) -> Iterator[str]:
    """Serve a PagerDuty incident on 127.0.0.1 (``{"incident": ..., "log_entries": [...]}``; by
    default the one shipped with the demo); yields the base URL."""
    _PagerDutyStandIn.data = data or json.loads(
        (VENDORS / f"pagerduty-{INCIDENT}.json").read_text()
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PagerDutyStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def draft_demo_incident(sessions: sessionmaker[Session]) -> DraftResult:
    """Draft (or refresh: nothing new is written) the demo's PagerDuty incident."""
    with pagerduty_standin() as url:
        env = {"PAGERDUTY_API_URL": url, "PAGERDUTY_API_TOKEN": STANDIN_TOKEN}
        return draft_incident(
            sessions,
            SYSTEM,
            REFERENCE,
            extra_sources=[f"file:{VENDORS / 'changes-search.json'}"],
            env=env,
        )
