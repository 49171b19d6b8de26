"""The whole schema: imports every slice's tables so that metadata is complete."""

from __future__ import annotations

from sqlalchemy import MetaData


def metadata() -> MetaData:
    """Metadata with every slice's tables registered."""
    from kintsugi.actions import models as _actions  # noqa: F401
    from kintsugi.audit import models as _audit  # noqa: F401
    from kintsugi.core.db import Base
    from kintsugi.people import models as _people  # noqa: F401
    from kintsugi.postmortems import models as _postmortems  # noqa: F401
    from kintsugi.timeline import models as _timeline  # noqa: F401

    return Base.metadata
