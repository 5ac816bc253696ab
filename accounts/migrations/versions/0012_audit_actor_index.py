"""audit log: an index on (actor_id, created_at) for the hourly invitation limit per user

Invitations are limited per shop and per inviting user an hour, counted from the audit log. A shop's
entries have an index already; a user's recent ones get this one, so the count does not read the whole
log (every login of every account is in it).

Revision ID: 0012_audit_actor_index
Revises: 0011_run_requester
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0012_audit_actor_index"
down_revision = "0011_run_requester"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_actor_id_created_at", "audit_log", ["actor_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_log_actor_id_created_at", table_name="audit_log")
