"""Field types for wire shapes (pydantic) that the API and ``--json`` share."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

IsoDatetime = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
"""A datetime written as ``datetime.isoformat()`` gives it (``+00:00``, not pydantic's ``Z``),
documented in the OpenAPI schema as a ``date-time`` string."""
