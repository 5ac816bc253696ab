"""runs: a heartbeat, so a live run is told from a dead one without its lock

A run whose database connection dropped lost its advisory lock; the next run took the lock, marked the
live run crashed and deleted its workspace. Each running run now stamps `heartbeat_at` every few
seconds: a run row with a fresh heartbeat is alive whatever the lock says, and one whose heartbeat
stopped is marked crashed within a minute. A plain ADD COLUMN keeps SQLite from rebuilding the table.

Revision ID: 0013_run_heartbeat
Revises: 0012_audit_actor_index
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_run_heartbeat"
down_revision = "0012_audit_actor_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("project_runs", sa.Column("heartbeat_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("project_runs", "heartbeat_at")
