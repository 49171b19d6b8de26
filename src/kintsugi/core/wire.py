"""Field types for wire shapes (pydantic) that the API and ``--json`` share."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import PlainSerializer

IsoDatetime = Annotated[
    datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")
]
"""A datetime written as ``datetime.isoformat()`` gives it (``+00:00``, not pydantic's ``Z``)."""
