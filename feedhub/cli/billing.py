"""`feedhub billing invoice`: issue a shop's invoice for one billing period."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from feedhub.cli.common import AsJson, database, print_json

billing_app = typer.Typer(no_args_is_help=True, help="Billing: issue invoices.")


def _month(text: str) -> date:
    import accounts

    try:
        return accounts.parse_month(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@billing_app.command("invoice")
def billing_invoice(
    shop: int,
    period: Annotated[str, typer.Option(help="First month of the period, YYYY-MM.")],
    as_json: AsJson = False,
) -> None:
    """Issue the invoice of SHOP for the billing period starting in --period."""
    import accounts

    with database() as (session, _):
        invoice = accounts.issue_invoice(session, shop, period_start=_month(period))
        summary = {
            "number": invoice.number,
            "shop_id": invoice.shop_id,
            "billed_to": invoice.billed_to,
            "period_start": invoice.period_start,
            "period_end": invoice.period_end,
            "billing_period": invoice.billing_period,
            "tier": invoice.tier,
            "net": str(invoice.net),
            "vat": str(invoice.vat),
            "total": str(invoice.total),
            "currency": invoice.currency,
            "due_date": invoice.due_date,
        }
    if as_json:
        return print_json(summary)
    typer.echo(
        f"invoice {invoice.number}: shop {shop}, {invoice.period_start} to {invoice.period_end}, "
        f"{invoice.total} {invoice.currency} incl. VAT, due {invoice.due_date}"
    )
