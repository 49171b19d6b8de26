"""The load benchmark's anchor: a minimal FastAPI endpoint returning a constant."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/constant")
def constant() -> dict[str, str]:
    return {"status": "ok"}
