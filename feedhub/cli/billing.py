"""`feedhub billing`: an owner's billing profile, period and invoices; the operator's jobs, invoices and payments.

`profile`, `period` and `invoices` act for an owner (--by); `run-due`, `invoice` and `pay` are the
operator's (whoever runs the command line on the server), as the payment provider's webhook is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer

from feedhub.cli.common import AsJson, By, database, fail, print_json

billing_app = typer.Typer(no_args_is_help=True, help="Billing: profile, period, invoices, payments, due jobs.")


def _month(text: str) -> date:
    import accounts

    try:
        return accounts.parse_month(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _line(item: dict[str, Any]) -> str:
    paid = "paid" if item["paid_at"] else f"unpaid ({item['paid']} received)"
    rate = f"{Decimal(item['vat_rate']) * 100:.0f} %"
    return (f"{item['number']}  {item['period_start']} to {item['period_end']}  net {item['net']}  VAT {rate} "
            f"{item['vat']}  total {item['total']} {item['currency']}  due {item['due_date']}  {paid}")


@billing_app.command("invoice")
def billing_invoice(
    shop: int,
    period: Annotated[str, typer.Option(help="First month of the period, YYYY-MM.")],
    as_json: AsJson = False,
) -> None:
    """Issue the invoice of SHOP for the billing period starting in --period (operator)."""
    import accounts
    from accounts.billing import amount_paid
    from feedhub.web.api.views import invoice_view

    with database() as (session, _):
        invoice = accounts.issue_invoice(session, shop, period_start=_month(period))
        item = invoice_view(invoice, amount_paid(session, invoice))
    if as_json:
        return print_json(item)
    typer.echo(f"invoice {_line(item)}")


@billing_app.command("invoices")
def billing_invoices(shop: int, by: By, as_json: AsJson = False) -> None:
    """The invoices of SHOP, oldest first (owner)."""
    import accounts
    from accounts.billing import amount_paid
    from feedhub.web.api.views import invoice_view

    with database() as (session, _):
        actor = accounts.get_user(session, by)
        items = [invoice_view(i, amount_paid(session, i)) for i in accounts.list_invoices(session, actor, shop)]
    if as_json:
        return print_json(items)
    for item in items:
        typer.echo(_line(item))
    if not items:
        typer.echo("no invoices yet")


@billing_app.command("period")
def billing_period(shop: int, period: str, by: By) -> None:
    """Bill SHOP monthly, half-yearly (-10 %) or yearly (-20 %), from the next period not yet invoiced (owner)."""
    import accounts

    with database() as (session, _):
        changed = accounts.change_billing_period(session, accounts.get_user(session, by), shop, period)
        then = f"; {changed.next_billing_period} from the next invoice" if changed.next_billing_period else ""
    typer.echo(f"shop {shop}: billed {changed.billing_period}{then}")


@billing_app.command("profile")
def billing_profile(
    by: By,
    name: Annotated[str | None, typer.Option(help="Person or company invoices are issued to.")] = None,
    address: Annotated[str | None, typer.Option()] = None,
    country: Annotated[str | None, typer.Option(help="Two letters, e.g. CZ, SK, DE: picks the VAT.")] = None,
    company_id: Annotated[str | None, typer.Option("--company-id")] = None,
    vat_id: Annotated[str | None, typer.Option("--vat-id")] = None,
    invoice_email: Annotated[str | None, typer.Option("--invoice-email")] = None,
    currency: Annotated[str | None, typer.Option(help="CZK or EUR: picks the price list.")] = None,
    as_json: AsJson = False,
) -> None:
    """Show the billing profile of --by (the owner invoices are issued to); options change those parts only."""
    import dataclasses

    import accounts

    given = {"name": name, "address": address, "country": country, "company_id": company_id, "vat_id": vat_id,
             "invoice_email": invoice_email, "currency": currency}
    with database() as (session, _):
        user = accounts.get_user(session, by)
        profile = accounts.BillingProfile.of(user)
        changes = {key: value for key, value in given.items() if value is not None}
        if changes:
            accounts.update_billing_profile(session, user, dataclasses.replace(profile, **changes))
            profile = accounts.BillingProfile.of(user)
    if as_json:
        return print_json(profile)
    for key, value in dataclasses.asdict(profile).items():
        typer.echo(f"{key.replace('_', ' ')}: {value}")


@billing_app.command("run-due")
def billing_run_due(
    now: Annotated[str | None, typer.Option(help="Run as of this moment (ISO 8601, UTC): tests, catch-up.")] = None,
    as_json: AsJson = False,
) -> None:
    """Run the billing jobs once (operator; `feedhub serve` runs them every hour): trial reminders, invoices
    due, reminders of unpaid invoices, overdue shops, suspensions. Running it twice does nothing twice."""
    import dataclasses

    from accounts.billing_jobs import run_due
    from feedhub.runtime import deps_from_settings
    from flows.steps import remove_project_workspaces

    moment = _moment(now) if now else None
    with database() as (_, settings):
        pass  # migrated before the jobs start
    deps = deps_from_settings(settings)
    done = run_due(deps.sessions, deps.mailer, base_url=settings.base_url, now=moment)
    remove_project_workspaces(deps, done.gone_projects)
    if as_json:
        return print_json(dataclasses.asdict(done))
    typer.echo(f"trial reminders: {len(done.trial_reminders)}; invoices issued: {', '.join(done.invoices) or 'none'}; "
               f"unpaid reminders: {len(done.unpaid_reminders)}; overdue: {len(done.overdue)}; "
               f"suspended: {len(done.suspended)}; gone: {len(done.gone)}")
    for problem in done.problems:
        typer.echo(f"not invoiced: {problem}", err=True)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"--now: not an ISO 8601 moment: {text!r}; e.g. 2027-01-31T08:00") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@billing_app.command("pay")
def billing_pay(
    invoice: str,
    amount: Annotated[str | None, typer.Option(help="Amount received [default: what is still owed].")] = None,
    reference: Annotated[str, typer.Option(help="The payment's reference, e.g. the bank transfer's.")] = "",
) -> None:
    """Record a payment for INVOICE (operator). Paying reactivates a shop at once; partial payments and
    overpayments are kept as they came."""
    import accounts
    from accounts.billing import amount_paid

    try:
        received = Decimal(amount) if amount is not None else None
    except InvalidOperation:
        raise fail(f"--amount: not a number: {amount!r}") from None
    with database() as (session, _):
        paid = accounts.record_payment(session, invoice, amount=received, reference=reference)
        total_paid = amount_paid(session, paid)
        shop = session.get_one(accounts.Shop, paid.shop_id)
        status = shop.status.value
    owed = paid.total - total_paid
    state = "paid in full" if owed == 0 else (f"{-owed} {paid.currency} overpaid" if owed < 0 else
                                              f"{owed} {paid.currency} still owed")
    typer.echo(f"invoice {paid.number}: {total_paid} of {paid.total} {paid.currency} received, {state}; "
               f"shop {paid.shop_id} is {status}")


@billing_app.command("settings")
def billing_settings(
    key: Annotated[str | None, typer.Argument(help="supplier, vat_rates or price_lists, to replace it.")] = None,
    value: Annotated[str | None, typer.Argument(help="Its new value, as JSON.")] = None,
) -> None:
    """Show the billing settings (operator), or replace one: the supplier, VAT rates by country, price lists by
    currency. A value that billing could not use is refused, and nothing changes."""
    import json

    from accounts.billing_settings import KEYS, load_billing_settings, store_billing_setting
    from accounts.errors import AccountsError

    with database() as (session, _):
        if key is not None:
            if key not in KEYS or value is None:
                raise fail(f"give one of {', '.join(KEYS)} and its value as JSON")
            try:
                store_billing_setting(session, key, json.loads(value))
                load_billing_settings(session).supplier_rate  # noqa: B018 - checks the whole, before commit
            except (ValueError, TypeError, KeyError, ArithmeticError, AccountsError) as exc:
                raise fail(f"{key}: {exc}") from None
        shown = _stored(session)
    print_json(shown)


def _stored(session: Any) -> dict[str, Any]:
    from sqlalchemy import select

    from accounts.models import BillingSetting

    return dict(session.execute(select(BillingSetting.key, BillingSetting.value).order_by(BillingSetting.key)).all())
