"""Work a server process does once before it takes requests, so that its first users don't."""

from __future__ import annotations

from contextlib import ExitStack

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from kintsugi.core.db import is_sqlite
from kintsugi.web.templating import templates


def warm_up(engine: Engine, connections: int) -> None:
    """Compile every page template, and open ``connections`` PostgreSQL connections (one for
    each thread that will use one), which the pool then keeps."""
    for name in templates.env.list_templates(extensions=["html"]):
        templates.env.get_template(name)
    if is_sqlite(engine):
        return  # opening a SQLite connection costs next to nothing
    try:
        with ExitStack() as held:  # all at once, or the pool would hand out the same one
            for _ in range(connections):
                held.enter_context(engine.connect()).exec_driver_sql("SELECT 1")
    except SQLAlchemyError:
        pass  # the database is not there yet: requests say so, and connect when it is
