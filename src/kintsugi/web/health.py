"""Probes for load balancers and orchestrators: ``/healthz`` (the process is alive) and
``/readyz`` (the database can be read and written)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from kintsugi.core.db_state import database_state

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: answers while the process serves requests, whatever the database does."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Readiness: 200 when the database reads and writes (a write rolled back), else 503
    naming the state: read-only, full or unavailable."""
    engine: Engine = request.app.state.engine
    state = database_state(engine)
    if state == "read-write":
        return JSONResponse({"status": "ready", "database": state})
    return JSONResponse({"status": "not ready", "database": state}, status_code=503)
