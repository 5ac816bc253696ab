"""accounts: publish targets claimed by projects (one project per target, also under concurrent saves)

Revision ID: 0003_targets
Revises: 0002_runs
Create Date: 2026-12-01

The table is filled from every project's current revision. Should two projects already share a
target (possible before this table, when two saves raced), the older project keeps it; the other
one is refused at its next save.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accounts.targets import canonical_target, target_key

revision = "0003_targets"
down_revision = "0002_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    targets = op.create_table(
        "publish_targets",
        sa.Column("target_sha256", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_publish_targets_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("target_sha256", name=op.f("pk_publish_targets")),
    )
    op.create_index(op.f("ix_publish_targets_project_id"), "publish_targets", ["project_id"])
    current = sa.text(
        "SELECT p.id, r.spec FROM projects p JOIN project_revisions r"
        " ON r.project_id = p.id AND r.number = p.head ORDER BY p.id"
    ).columns(sa.column("id", sa.Integer()), sa.column("spec", sa.JSON()))
    rows: dict[str, dict[str, object]] = {}
    for project_id, spec in op.get_bind().execute(current):
        for export in spec.get("exports", []):
            if export.get("uri"):
                canonical = canonical_target(export["uri"])
                rows.setdefault(target_key(canonical), {"project_id": project_id, "uri": canonical})
    if rows:
        op.bulk_insert(targets, [{"target_sha256": key, **row} for key, row in rows.items()])


def downgrade() -> None:
    op.drop_index(op.f("ix_publish_targets_project_id"), table_name="publish_targets")
    op.drop_table("publish_targets")
