"""invoices: the supplier as it was when the invoice was issued

An invoice downloaded again must be the one that was issued, even after the operator changes the supplier's
address or VAT id in the billing settings; invoices issued before this revision take today's supplier.

Revision ID: 0010_invoice_supplier
Revises: 0009_billing_cycle
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_invoice_supplier"
down_revision = "0009_billing_cycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("invoices", sa.Column("supplier", sa.JSON(), nullable=True))  # plain ALTER TABLE (see 0005)
    op.execute("UPDATE invoices SET supplier = (SELECT value FROM billing_settings WHERE key = 'supplier')")


def downgrade() -> None:
    op.drop_column("invoices", "supplier")
