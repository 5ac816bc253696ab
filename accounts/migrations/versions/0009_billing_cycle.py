"""billing: payments, the next period to invoice, unpaid reminders, country and currency, billing settings

Revision ID: 0009_billing_cycle
Revises: 0008_run_queue
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_billing_cycle"
down_revision = "0008_run_queue"
branch_labels = None
depends_on = None

# The first billing settings; administrators change them in the table (`feedhub billing settings`).
SETTINGS = {
    "supplier": {"name": "Feedhub", "address": "", "country": "CZ", "company_id": "", "vat_id": ""},
    "vat_rates": {"CZ": "0.21", "SK": "0.23"},
    "price_lists": {
        "CZK": [
            {"name": "small", "max_products": 1000, "monthly_price": "290"},
            {"name": "medium", "max_products": 10000, "monthly_price": "590"},
            {"name": "large", "max_products": 100000, "monthly_price": "1490"},
            {"name": "unlimited", "max_products": None, "monthly_price": "2990"},
        ],
        "EUR": [
            {"name": "small", "max_products": 1000, "monthly_price": "12"},
            {"name": "medium", "max_products": 10000, "monthly_price": "24"},
            {"name": "large", "max_products": 100000, "monthly_price": "59"},
            {"name": "unlimited", "max_products": None, "monthly_price": "119"},
        ],
    },
}


def upgrade() -> None:
    settings = op.create_table(
        "billing_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_billing_settings")),
    )
    op.bulk_insert(settings, [{"key": key, "value": value} for key, value in SETTINGS.items()])
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_payments_invoice_id_invoices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_payments_invoice_id"), "payments", ["invoice_id"])
    # Plain ALTER TABLE, never a batch rebuild (see 0005_ids for why).
    op.add_column("invoices", sa.Column("reminder_sent_at", sa.DateTime(), nullable=True))
    op.add_column("invoices", sa.Column("note", sa.Text(), nullable=False, server_default=""))
    op.add_column("shops", sa.Column("next_invoice_on", sa.Date(), nullable=True))
    op.add_column("users", sa.Column("billing_country", sa.String(length=2), nullable=False, server_default=""))
    op.add_column("users", sa.Column("billing_currency", sa.String(length=3), nullable=False, server_default="CZK"))
    # The next period of a shop starts where its last invoice ends, or at the end of its trial.
    trial_end = "date(trial_ends_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(trial_ends_at AS DATE)"
    op.execute(
        "UPDATE shops SET next_invoice_on = COALESCE("
        f"(SELECT MAX(invoices.period_end) FROM invoices WHERE invoices.shop_id = shops.id), {trial_end})"
    )


def downgrade() -> None:
    op.drop_column("users", "billing_currency")
    op.drop_column("users", "billing_country")
    op.drop_column("shops", "next_invoice_on")
    op.drop_column("invoices", "note")
    op.drop_column("invoices", "reminder_sent_at")
    op.drop_index(op.f("ix_payments_invoice_id"), table_name="payments")
    op.drop_table("payments")
    op.drop_table("billing_settings")
