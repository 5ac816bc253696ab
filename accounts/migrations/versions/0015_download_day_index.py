"""export downloads: an index on (link_id, at) for the dashboard's downloads per day

The shop dashboard counts each export's downloads per day over 30 days. Downloads are one row per
request (Google and Heureka fetch feeds many times a day), so without this index the count reads every
download the links ever had.

Revision ID: 0015_download_day_index
Revises: 0014_role_profiles
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0015_download_day_index"
down_revision = "0014_role_profiles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_export_downloads_link_id_at", "export_downloads", ["link_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_export_downloads_link_id_at", table_name="export_downloads")
