"""runs: the queue of due runs, its workers, and when each run was due

Revision ID: 0008_run_queue
Revises: 0007_language
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_run_queue"
down_revision = "0007_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("lane", sa.String(length=10), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_run_queue_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_queue")),
        sa.UniqueConstraint("project_id", "due_at", name=op.f("uq_run_queue_project_id_due_at")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_run_queue_waiting", "run_queue", ["lane", "claimed_at", "due_at"])
    op.create_index(op.f("ix_run_queue_done_at"), "run_queue", ["done_at"])
    op.create_table(
        "run_workers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lanes", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_run_workers")),
    )
    # Plain ALTER TABLE, never a batch rebuild of `project_runs` (see 0005_ids for why).
    op.add_column("project_runs", sa.Column("due_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("project_runs", "due_at")
    op.drop_table("run_workers")
    op.drop_index(op.f("ix_run_queue_done_at"), table_name="run_queue")
    op.drop_index("ix_run_queue_waiting", table_name="run_queue")
    op.drop_table("run_queue")
