"""Alembic environment: runs on the connection that ``kintsugi.core.migrations`` hands in."""

from __future__ import annotations

from alembic import context

from kintsugi.schema import include_name, metadata

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through kintsugi.core.migrations.upgrade()")
    context.configure(
        connection=connection,
        target_metadata=metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
