"""runs: who asked for a run, so it can check again that they still may

A queued run started after its requester was removed from the shop published anyway. Each queued and
recorded run now keeps the user who asked for it (NULL for scheduled runs, which act for the shop).
No foreign key: ids are never reused, and a plain ADD COLUMN keeps SQLite from rebuilding the tables.

Revision ID: 0011_run_requester
Revises: 0010_invoice_supplier
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_run_requester"
down_revision = "0010_invoice_supplier"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("run_queue", sa.Column("requested_by_id", sa.Integer(), nullable=True))
    op.add_column("project_runs", sa.Column("requested_by_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("project_runs", "requested_by_id")
    op.drop_column("run_queue", "requested_by_id")
