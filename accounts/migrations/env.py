"""Alembic environment: runs on the connection `accounts.db.upgrade` passes in."""

from __future__ import annotations

from alembic import context

from accounts.models import Base


def run_migrations_online() -> None:
    """Migrate over the caller's connection; the caller owns the transaction."""
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
