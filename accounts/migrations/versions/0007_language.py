"""accounts: the language a user chose for pages and emails

Revision ID: 0007_language
Revises: 0006_api
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_language"
down_revision = "0006_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, never a batch rebuild of `users` (see 0005_ids and 0006_api for why).
    op.add_column("users", sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "language")
