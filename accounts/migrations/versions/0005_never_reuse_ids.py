"""accounts: SQLite never gives a deleted row's id to a new one (AUTOINCREMENT)

Revision ID: 0005_ids
Revises: 0004_auth
Create Date: 2026-12-03

Without AUTOINCREMENT SQLite numbers a new row max(id) + 1, so the id of a deleted newest row comes
back: a run queued for a deleted project could then run another shop's new project. Each table with
an integer id is rebuilt with AUTOINCREMENT by batch mode, which copies its rows, keys, indexes
(partial ones too), checks and foreign keys; SQLite then counts on from the largest id present.
PostgreSQL sequences never hand out a value twice: there is nothing to do.

Dropping a rebuilt parent table with foreign keys enforced would cascade deletes into its children,
so this needs SQLite's foreign keys off: `accounts.db.migrate` turns them off around the migration
and runs `PRAGMA foreign_key_check` before it commits. The downgrade keeps AUTOINCREMENT: the older
schema works the same with it, and rebuilding every table back would only risk the data.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_ids"
down_revision = "0004_auth"
branch_labels = None
depends_on = None

# Every table with an integer id, parents before children (the order does not matter with foreign
# keys off; it reads better). publish_targets and invoice_counters have other keys.
TABLES = (
    "users",
    "shops",
    "memberships",
    "invitations",
    "transfers",
    "projects",
    "project_revisions",
    "audit_log",
    "invoices",
    "project_runs",
    "export_links",
    "export_downloads",
    "login_sessions",
    "login_attempts",
    "password_resets",
    "api_tokens",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "0005_ids rebuilds tables and needs SQLite foreign keys off (accounts.db.migrate turns them off)"
        )
    for table in TABLES:
        if not _autoincrement(bind, table):
            with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
                pass


def downgrade() -> None:
    pass


def _autoincrement(bind: sa.Connection, table: str) -> bool:
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": table}
    ).scalar_one()
    return "AUTOINCREMENT" in sql.upper()
