"""The migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from accounts.db import alembic_config, upgrade
from accounts.models import Base


def _modelled(name: str | None, type_: str, parent_names: Any) -> bool:
    # Compare only tables whose models are imported here: other modules (run history) add tables
    # to the same migrations and test their own.
    return type_ != "table" or name in Base.metadata.tables


def test_models_match_migrations(engine: Engine, db_url: str) -> None:
    upgrade(db_url)  # running again is a no-op
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False, "include_name": _modelled})
        assert compare_metadata(context, Base.metadata) == []
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert context.get_current_revision() == head


def test_pending_indexes_are_partial_and_unique(engine: Engine) -> None:
    indexes = {ix["name"]: ix for table in ("invitations", "transfers") for ix in inspect(engine).get_indexes(table)}
    assert indexes["uq_transfers_pending"]["unique"] and indexes["uq_invitations_pending"]["unique"]
    assert indexes["uq_transfers_pending"]["column_names"] == ["shop_id"]
    assert indexes["uq_invitations_pending"]["column_names"] == ["shop_id", "email"]
