"""The error shape every API route documents: ``{"detail": ...}`` with its status code."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorOut(BaseModel):
    """An error: one message, or one message per invalid field."""

    detail: str | list[str]
    current: dict[str, Any] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Bad request"},
    401: {"model": ErrorOut, "description": "Not signed in (send a bearer token)"},
    403: {"model": ErrorOut, "description": "Signed in, but not allowed"},
    404: {"model": ErrorOut, "description": "Not found, or not visible to you"},
    409: {"model": ErrorOut, "description": "Changed since the version you started from"},
    413: {"model": ErrorOut, "description": "Too large; the message names the field and limit"},
    429: {"model": ErrorOut, "description": "Too many requests; try again after Retry-After"},
    422: {"model": ErrorOut, "description": "Invalid input; the message names the field"},
    503: {"model": ErrorOut, "description": "The database cannot be written (read-only or full)"},
}
