"""accounts: run history, served-feed links and their download log

Revision ID: 0002_runs
Revises: 0001
Create Date: 2026-11-24

Plain SQLAlchemy types only (UTC datetimes as naive DateTime), like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_runs"
down_revision = "0001"
branch_labels = None
depends_on = None

RUN_STATUSES = ("running", "succeeded", "unchanged", "failed", "held", "skipped", "crashed")


def upgrade() -> None:
    op.create_table(
        "project_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("spec_sha256", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("status", sa.Enum(*RUN_STATUSES, name="runstatus", native_enum=False, length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("bytes_in", sa.BigInteger(), nullable=False),
        sa.Column("bytes_out", sa.BigInteger(), nullable=False),
        sa.Column("products_in", sa.Integer(), nullable=False),
        sa.Column("products_out", sa.Integer(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_etag", sa.String(length=200), nullable=True),
        sa.Column("source_last_modified", sa.String(length=64), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("error_kind", sa.String(length=60), nullable=False),
        sa.Column("workspace", sa.Text(), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_project_runs_confirmed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_runs_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_project_runs_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_runs")),
    )
    op.create_index("ix_project_runs_project_id_id", "project_runs", ["project_id", "id"], unique=False)
    op.create_index(op.f("ix_project_runs_shop_id"), "project_runs", ["shop_id"], unique=False)
    op.create_table(
        "export_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("export_name", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("auth_user", sa.String(length=100), nullable=True),
        sa.Column("auth_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("rotated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_export_links_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_links")),
        sa.UniqueConstraint("project_id", "export_name", name=op.f("uq_export_links_project_id_export_name")),
        sa.UniqueConstraint("token", name=op.f("uq_export_links_token")),
    )
    op.create_table(
        "export_downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=400), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["export_links.id"], name=op.f("fk_export_downloads_link_id_export_links"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_downloads")),
    )
    op.create_index("ix_export_downloads_link_id_id", "export_downloads", ["link_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_export_downloads_link_id_id", table_name="export_downloads")
    op.drop_table("export_downloads")
    op.drop_table("export_links")
    op.drop_index(op.f("ix_project_runs_shop_id"), table_name="project_runs")
    op.drop_index("ix_project_runs_project_id_id", table_name="project_runs")
    op.drop_table("project_runs")
