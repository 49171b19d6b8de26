"""Field types and settings for wire shapes (pydantic) that the API and ``--json`` share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import make_dataclass
from datetime import datetime
from typing import Annotated, Any, get_type_hints

from pydantic import ConfigDict, PlainSerializer, TypeAdapter, WithJsonSchema

IsoDatetime = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
"""A datetime written as ``datetime.isoformat()`` gives it (``+00:00``, not pydantic's ``Z``),
documented in the OpenAPI schema as a ``date-time`` string."""

EVERY_KEY_WRITTEN = ConfigDict(json_schema_serialization_defaults_required=True)
"""The config of a shape whose JSON always has every key: its response schema marks the fields
with defaults required too (pydantic's default would call them optional)."""


def object_schema(cls: Callable[..., tuple[Any, ...]]) -> WithJsonSchema:
    """The (serialization) JSON schema of NamedTuple ``cls`` written as an object of its fields
    (with ``PlainSerializer(cls._asdict)``: pydantic writes a NamedTuple as a list).

    Made from ``cls``'s type hints (fields of JSON types only: the schema is inlined). Not a
    dataclass as the serializer's return type: pydantic 2.14 loses that definition when two
    classes in one schema use it.
    """
    shape = make_dataclass(cls.__name__, list(get_type_hints(cls).items()))
    return WithJsonSchema(
        TypeAdapter(shape).json_schema(mode="serialization"), mode="serialization"
    )
