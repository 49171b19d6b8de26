"""Alembic migrations for every slice's tables."""
