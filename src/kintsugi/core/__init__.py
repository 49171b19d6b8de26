"""Shared foundations: settings, database, migrations, errors."""
