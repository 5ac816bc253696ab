"""The migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

import importlib
import pkgutil
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Table, create_engine, inspect, make_url, select, text, update
from sqlalchemy.orm import Session

import accounts
from accounts import (
    Shop,
    create_api_token,
    create_project,
    create_shop,
    delete_project,
    register_user,
    save_revision,
    verify_email,
)
from accounts.db import alembic_config, make_engine, make_session_factory, migrate, upgrade
from accounts.errors import ExportTargetTaken
from accounts.models import Base, ProjectRevision, PublishTarget, User
from feeds.project import ExportSpec, ProjectSpec


def _modelled(name: str | None, type_: str, parent_names: Any) -> bool:
    # Compare only tables whose models are imported here: other modules (run history) add tables
    # to the same migrations and test their own.
    return type_ != "table" or name in Base.metadata.tables


def test_models_match_migrations(engine: Engine, db_url: str) -> None:
    import accounts.idempotency  # noqa: F401 - its table joins Base.metadata on import
    import accounts.run_queue  # noqa: F401 - its tables too

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


AUTH_TABLES = {"login_sessions", "login_attempts", "password_resets", "api_tokens"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blank_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of the test's own: migrating down and up must not disturb the shared one."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'accounts.db'}"
        return
    url = make_url(request.getfixturevalue("postgres_url"))
    schema = f"fh_mig_{secrets.token_hex(4)}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    options = re.sub(r"search_path=\S+", f"search_path={schema}", str(url.query["options"]))
    yield url.update_query_dict({"options": options}).render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_auth_migration_goes_down_and_up(blank_db_url: str) -> None:
    """0004 down drops the auth tables and the account-level audit entries (shop_id is required again)."""
    upgrade(blank_db_url)
    engine = make_engine(blank_db_url)
    with make_session_factory(engine)() as session:
        user, token = register_user(session, email="owner@example.com", password="correct horse battery")
        verify_email(session, token)
        create_shop(session, user, name="Bikes")  # audited on the shop
        create_api_token(session, user, name="ci")  # audited on the account
        session.commit()
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0003_targets")
    inspector = inspect(engine)
    assert not AUTH_TABLES & set(inspector.get_table_names())
    assert [column["nullable"] for column in inspector.get_columns("audit_log") if column["name"] == "shop_id"] == [
        False
    ]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT action FROM audit_log")).scalars().all() == ["shop.created"]
    upgrade(blank_db_url)
    with engine.connect() as connection:
        assert AUTH_TABLES <= set(inspect(connection).get_table_names())
        context = MigrationContext.configure(connection, opts={"compare_type": False, "include_name": _modelled})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_invoices_issued_before_0010_take_the_supplier_of_the_settings(blank_db_url: str) -> None:
    from datetime import date

    from accounts import issue_invoice
    from accounts.billing_settings import load_billing_settings

    upgrade(blank_db_url)
    engine = make_engine(blank_db_url)
    with make_session_factory(engine).begin() as session:
        user, token = register_user(session, email="owner@example.com", password="correct horse battery")
        verify_email(session, token)
        shop = create_shop(session, user, name="Bikes")
        issue_invoice(session, shop.id, period_start=date.today())
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0009_billing_cycle")
    upgrade(blank_db_url)
    with make_session_factory(engine)() as session:
        supplier = session.scalars(select(accounts.Invoice.supplier)).one()
        assert supplier == load_billing_settings(session).supplier and supplier["name"] == "Feedhub"
    engine.dispose()


def _modelled_tables_with_integer_ids() -> list[Table]:
    """Every model table with an integer id; modules other than models (runs, served links) add theirs on import."""
    for module in pkgutil.iter_modules(accounts.__path__):
        importlib.import_module(f"accounts.{module.name}")
    return [table for table in Base.metadata.sorted_tables if table.autoincrement_column is not None]


def _stored_tables_with_integer_ids(engine: Engine) -> set[str]:
    """Every table of the database keyed by an INTEGER `id`, however it was created (not by a year, say)."""
    found = inspect(engine)
    return {
        name
        for name in found.get_table_names()
        if found.get_pk_constraint(name)["constrained_columns"] == ["id"]
        and [str(c["type"]) for c in found.get_columns(name) if c["name"] == "id"] == ["INTEGER"]
    }


def _schema(engine: Engine) -> dict[str, Any]:
    """Everything a rebuild must keep, per table, in a comparable form (the primary key's name aside:
    SQLite keeps no name for an INTEGER PRIMARY KEY AUTOINCREMENT)."""
    found = inspect(engine)
    return {
        name: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(name)],
            found.get_pk_constraint(name)["constrained_columns"],
            sorted(repr(fk) for fk in found.get_foreign_keys(name)),
            sorted(repr(uq) for uq in found.get_unique_constraints(name)),
            sorted(repr({**ix, "dialect_options": {k: str(v) for k, v in ix.get("dialect_options", {}).items()}})
                   for ix in found.get_indexes(name)),  # a partial index's WHERE as text
            sorted(repr(ck) for ck in found.get_check_constraints(name)),
        )
        for name in found.get_table_names()
        if name != "sqlite_sequence"
    }


def _rows(engine: Engine) -> dict[str, list[Any]]:
    """Every row of every table, as stored (the migration's own bookkeeping aside)."""
    names = [name for name in inspect(engine).get_table_names() if name != "alembic_version"]
    with engine.connect() as connection:
        return {name: sorted(connection.exec_driver_sql(f'SELECT * FROM "{name}"').all(), key=repr) for name in names}


def _autoincrement_tables(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        return {name for name, sql in rows if "AUTOINCREMENT" in sql.upper()}


T = "2026-12-01 09:00:00"
# A shop with a member, an invitation, a transfer, a project with a revision and a served link, an
# audit entry and a login session: children of every parent 0005 rebuilds, which a cascade would empty.
ROWS_AT_0004: dict[str, list[dict[str, Any]]] = {
    "users": [
        {"id": id_, "email": f"u{id_}@example.com", "password_hash": "x", "verified": 1, "created_at": T,
         "billing_name": "", "billing_address": "", "company_id": "", "vat_id": "", "invoice_email": ""}
        for id_ in (1, 5)  # a gap: the deleted newest rows are what AUTOINCREMENT remembers, not these
    ],
    "shops": [{"id": 3, "name": "Bikes", "owner_id": 1, "status": "trial", "billing_period": "monthly",
               "exported_products": 0, "created_at": T, "trial_ends_at": T}],
    "memberships": [{"id": 1, "shop_id": 3, "user_id": 5, "level": "read", "created_at": T}],
    "invitations": [{"id": 2, "shop_id": 3, "email": "x@example.com", "level": "write", "token_hash": "i",
                     "status": "pending", "invited_by_id": 1, "created_at": T, "expires_at": T}],
    "transfers": [{"id": 4, "shop_id": 3, "from_user_id": 1, "to_user_id": 5, "token_hash": "t",
                   "status": "pending", "created_at": T, "expires_at": T}],
    "projects": [{"id": 7, "shop_id": 3, "name": "A", "head": 1, "created_at": T}],
    "project_revisions": [{"id": 9, "project_id": 7, "number": 1, "spec": "{}", "author_id": 1, "created_at": T,
                           "note": ""}],
    "export_links": [{"id": 2, "project_id": 7, "export_name": "google", "token": "tok", "created_at": T}],
    "audit_log": [{"id": 6, "shop_id": 3, "actor_id": 1, "action": "shop.created", "details": "{}", "created_at": T}],
    "login_sessions": [{"id": 8, "user_id": 5, "token_hash": "s", "created_at": T, "last_seen_at": T,
                        "expires_at": T, "client_ip": "", "user_agent": ""}],
}


class TestNeverReuseIds:
    def test_a_deleted_newest_project_id_is_not_given_again(self, session: Session, owner: User, shop: Shop) -> None:
        spec = ProjectSpec(source="https://shop.test/feed.xml")
        first = create_project(session, owner, shop.id, name="A", spec=spec).id
        newest = create_project(session, owner, shop.id, name="B", spec=spec).id
        delete_project(session, owner, newest)
        session.flush()
        assert create_project(session, owner, shop.id, name="C", spec=spec).id > max(first, newest)

    def test_every_model_with_an_integer_id_asks_sqlite_for_autoincrement(self) -> None:
        tables = _modelled_tables_with_integer_ids()
        assert {"users", "shops", "projects", "project_runs", "export_links"} <= {t.name for t in tables}
        assert [t.name for t in tables if not t.dialect_options["sqlite"]["autoincrement"]] == []

    def test_every_migrated_sqlite_table_with_an_integer_id_says_autoincrement(self, engine: Engine) -> None:
        # Also catches a later migration whose batch mode rebuilt a table without
        # table_kwargs={"sqlite_autoincrement": True}: reflection does not carry AUTOINCREMENT over.
        if engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL sequences never reuse a value")
        stored = _stored_tables_with_integer_ids(engine)
        assert {"users", "projects", "project_runs"} <= stored
        assert stored - _autoincrement_tables(engine) == set()

    def test_the_sqlite_rebuild_keeps_rows_keys_indexes_and_constraints(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'accounts.db'}"
        upgrade(url, "0004_auth")
        engine = make_engine(url)
        with engine.begin() as connection:  # plain SQL: the 0004 schema never changes, the models do
            for table, rows in ROWS_AT_0004.items():
                columns = ", ".join(rows[0])
                connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES (:{', :'.join(rows[0])})"), rows)
        schema, rows = _schema(engine), _rows(engine)
        migrate(engine, "0005_ids")
        assert (_schema(engine), _rows(engine)) == (schema, rows)  # nothing cascaded away, nothing changed
        assert _stored_tables_with_integer_ids(engine) <= _autoincrement_tables(engine)
        with engine.connect() as connection:  # migrate hands the connection back with foreign keys on
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            sequences = dict(connection.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").tuples().all())
        assert (sequences["users"], sequences["projects"]) == (5, 7)  # counting on from the largest id
        engine.dispose()

    def test_the_rebuild_refuses_to_run_with_foreign_keys_on(self, tmp_path: Path) -> None:
        # Dropping the old copy of a parent table would cascade deletes into every child table.
        url = f"sqlite:///{tmp_path / 'accounts.db'}"
        upgrade(url, "0004_auth")
        engine = make_engine(url)
        with engine.begin() as connection, pytest.raises(RuntimeError, match="needs SQLite foreign keys off"):
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0005_ids")
        engine.dispose()


def test_memberships_before_0014_keep_exactly_what_their_level_allowed(blank_db_url: str) -> None:
    """0014 gives each membership and pending invitation its level's profile, unscoped; what each member may
    do is the same before and after, for every action."""
    from datetime import datetime, timedelta

    from accounts.access import access_shop
    from accounts.errors import LevelTooLow
    from accounts.models import Invitation, Membership
    from accounts.roles import Action, Level, allows

    upgrade(blank_db_url)
    engine = make_engine(blank_db_url)
    with make_session_factory(engine).begin() as session:
        people = []
        for email in ("owner@example.com", "write@example.com", "read@example.com", "invited@example.com"):
            user, token = register_user(session, email=email, password="correct horse battery")
            verify_email(session, token)
            people.append(user.id)
        shop_id = create_shop(session, session.get_one(User, people[0]), name="Bikes").id
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0013_run_heartbeat")
        now = datetime(2026, 12, 1)
        for user_id, level in ((people[1], "write"), (people[2], "read")):
            connection.execute(text("INSERT INTO memberships (shop_id, user_id, level, created_at) "
                                    "VALUES (:shop, :user, :level, :now)"),
                               {"shop": shop_id, "user": user_id, "level": level, "now": now})
        connection.execute(text("INSERT INTO invitations (shop_id, email, level, token_hash, status, invited_by_id, "
                                "created_at, expires_at) VALUES (:shop, 'invited@example.com', 'read', 'h', "
                                "'pending', :by, :now, :later)"),
                           {"shop": shop_id, "by": people[0], "now": now, "later": now + timedelta(days=7)})
    upgrade(blank_db_url)
    with make_session_factory(engine)() as session:
        rows = session.execute(select(Membership.user_id, Membership.profiles, Membership.project_ids)).all()
        assert sorted(rows) == [(people[1], ["write"], None), (people[2], ["read"], None)]
        assert session.execute(select(Invitation.profiles, Invitation.project_ids)).all() == [(["read"], None)]
        for user_id, level in ((people[1], Level.WRITE), (people[2], Level.READ)):
            user = session.get_one(User, user_id)
            for action in (a for a in Action if a is not Action.RESTORE):
                try:
                    access_shop(session, user, shop_id, action)
                    allowed = True
                except LevelTooLow as refused:
                    allowed = False
                    assert type(refused).__name__ == "LevelTooLow"  # told in levels, as before
                assert allowed is allows(level, action), (level, action)
    engine.dispose()
