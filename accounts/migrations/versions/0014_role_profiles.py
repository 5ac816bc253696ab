"""role profiles: memberships and invitations hold profiles and a project scope; shops (or an owner, for all
their shops) define their own

Every existing membership and pending invitation gets the built-in profile of its level (write ->
`write`, read -> `read`), which allows exactly what the level did; the owner stays `shops.owner_id`.
A NULL project scope means every project, as before. Audit entries name the profile that allowed them
(NULL for older entries and for actions no check allowed: logins, the system). Plain ADD COLUMNs keep
SQLite from rebuilding the tables.

Revision ID: 0014_role_profiles
Revises: 0013_run_heartbeat
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_role_profiles"
down_revision = "0013_run_heartbeat"
branch_labels = None
depends_on = None

TABLES = ("memberships", "invitations")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("profiles", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        op.add_column(table, sa.Column("project_ids", sa.JSON(), nullable=True))
        for level in ("write", "read"):
            op.execute(sa.text(f"UPDATE {table} SET profiles = '[\"{level}\"]' WHERE level = '{level}'"))
    op.add_column("audit_log", sa.Column("profile", sa.String(length=40), nullable=True))
    op.create_table(
        "shop_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("grants", sa.JSON(), nullable=False),
        sa.Column("elements", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name="fk_shop_profiles_shop_id_shops", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_shop_profiles_owner_id_users", ondelete="CASCADE"),
        sa.CheckConstraint("(shop_id IS NULL) <> (owner_id IS NULL)", name="ck_shop_profiles_one_holder"),
        sa.PrimaryKeyConstraint("id", name="pk_shop_profiles"),
        sa.UniqueConstraint("shop_id", "name", name="uq_shop_profiles_shop_id_name"),
        sa.UniqueConstraint("owner_id", "name", name="uq_shop_profiles_owner_id_name"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("shop_profiles")
    op.drop_column("audit_log", "profile")
    for table in TABLES:
        op.drop_column(table, "project_ids")
        op.drop_column(table, "profiles")
