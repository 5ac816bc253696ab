"""The migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, update

from accounts import create_project, create_shop, register_user, save_revision, verify_email
from accounts.db import alembic_config, make_engine, make_session_factory, upgrade
from accounts.errors import ExportTargetTaken
from accounts.models import Base, ProjectRevision, PublishTarget, User
from feeds.project import ExportSpec, ProjectSpec


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


def test_publish_targets_are_filled_from_current_revisions(tmp_path: Path) -> None:
    """0003 claims each current revision's targets; a target two projects already share stays the older's."""
    url = f"sqlite:///{tmp_path / 'accounts.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)

    def spec(*uris: str) -> ProjectSpec:
        exports = [ExportSpec(name=f"e{i}", format="google", uri=uri) for i, uri in enumerate(uris)]
        return ProjectSpec(source="https://shop.test/feed.xml", exports=exports)

    with sessions() as session:
        user, token = register_user(session, email="owner@example.com", password="correct horse battery")
        verify_email(session, token)
        shop = create_shop(session, user, name="Bikes")
        older = create_project(session, user, shop.id, name="A", spec=spec("s3://feeds/a.xml", "s3://feeds/old.xml"))
        save_revision(session, user, older.id, spec("s3://feeds/a.xml"))  # old.xml is no longer a target
        newer = create_project(session, user, shop.id, name="B", spec=spec("s3://feeds/b.xml"))
        session.commit()
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0002_runs")
        shared = ProjectSpec.model_dump(spec("S3://FEEDS/a.xml", "s3://feeds/b.xml"), mode="json")
        connection.execute(  # as two racing saves could have left it before 0003
            update(ProjectRevision).where(ProjectRevision.project_id == newer.id).values(spec=shared)
        )
    upgrade(url)
    with sessions() as session:
        claimed = dict(session.execute(select(PublishTarget.uri, PublishTarget.project_id)).tuples().all())
        assert claimed == {"s3://feeds/a.xml": older.id, "s3://feeds/b.xml": newer.id}
        with pytest.raises(ExportTargetTaken):
            create_project(session, session.get_one(User, user.id), shop.id, name="C", spec=spec("s3://feeds/a.xml"))
    engine.dispose()
