"""users: shop API tokens act as service accounts of one shop

A shop's own API token (the `tokens` area of role profiles) is a user row that cannot sign in, marked by
the shop it belongs to, holding a membership with the token's profiles. Existing users are people
(NULL). A plain ADD COLUMN keeps SQLite from rebuilding the table.

Revision ID: 0016_shop_tokens
Revises: 0015_download_day_index
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_shop_tokens"
down_revision = "0015_download_day_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("token_shop_id", sa.Integer(), nullable=True))
    op.create_index("ix_users_token_shop_id", "users", ["token_shop_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_users_token_shop_id", table_name="users")
    op.drop_column("users", "token_shop_id")
