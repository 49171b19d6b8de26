"""The whole schema: imports every slice's tables so that metadata is complete."""

from __future__ import annotations

from sqlalchemy import MetaData


def metadata() -> MetaData:
    """Metadata with every slice's tables registered."""
    from kintsugi.actions import models as _actions  # noqa: F401
    from kintsugi.audit import models as _audit  # noqa: F401
    from kintsugi.core.db import Base
    from kintsugi.handbook import models as _handbook  # noqa: F401
    from kintsugi.incidents import models as _incidents  # noqa: F401
    from kintsugi.jobs import models as _jobs  # noqa: F401
    from kintsugi.library import models as _library  # noqa: F401
    from kintsugi.meetings import models as _meetings  # noqa: F401
    from kintsugi.metrics import models as _metrics  # noqa: F401
    from kintsugi.people import models as _people  # noqa: F401
    from kintsugi.postmortems import models as _postmortems  # noqa: F401
    from kintsugi.rca import models as _rca  # noqa: F401
    from kintsugi.timeline import models as _timeline  # noqa: F401

    return Base.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name``: objects the ORM does not declare (full-text indexes, the
    list's index) are managed by hand-written migrations and left out of autogenerate and
    comparisons."""
    from kintsugi.library.ddl import include_name as library_include_name
    from kintsugi.postmortems.models import LISTED_INDEX

    if type_ == "index" and name == LISTED_INDEX:
        return False
    return library_include_name(name, type_, parent_names)
