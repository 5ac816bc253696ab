"""Admin commands for people who run Feedhub: users, shops, invitations, transfers, invoices.

Every command migrates the configured database first (a fresh data folder just works), runs in one
transaction, and turns our errors into one line with exit status 2. `--by EMAIL` names the acting
user; the access checks of `accounts` apply to them as to anyone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from feedhub.cli_common import user_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    import accounts
    from feedhub.settings import Settings

user_app = typer.Typer(no_args_is_help=True, help="Accounts: add and list users.")
shop_app = typer.Typer(no_args_is_help=True, help="Shops: add, list, show, invite members, transfer.")
invite_app = typer.Typer(no_args_is_help=True, help="Invitations: accept one by its token.")
transfer_app = typer.Typer(no_args_is_help=True, help="Shop transfers: accept one by its token.")
billing_app = typer.Typer(no_args_is_help=True, help="Billing: issue invoices.")

By = Annotated[str, typer.Option("--by", help="Email of the acting user.")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@contextlib.contextmanager
def _database() -> Iterator[tuple[Session, Settings]]:
    """A migrated database session that commits on success; errors become one line, exit 2."""
    import accounts
    from accounts.db import make_engine, make_session_factory, migrate
    from feedhub.settings import get_settings

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with user_errors(accounts.AccountsError):
        engine = make_engine(settings.effective_database_url)
        try:
            migrate(engine)
            with make_session_factory(engine)() as session:
                yield session, settings
                session.commit()
        finally:
            engine.dispose()


def _mailer(settings: Settings) -> accounts.Mailer:
    import accounts

    return accounts.make_mailer(smtp_url=settings.smtp_url, outbox_dir=settings.outbox_dir, sender=settings.mail_from)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(_plain(value), indent=2, ensure_ascii=False))


def _plain(value: Any) -> Any:
    """Dataclasses, enums and dates as JSON-ready values."""
    import accounts

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, accounts.Level):
        return value.label
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _level(text: str) -> accounts.Level:
    import accounts

    try:
        return accounts.Level.parse(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _month(text: str) -> date:
    import accounts

    try:
        return accounts.parse_month(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@user_app.command("add")
def user_add(
    email: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    verified: Annotated[bool, typer.Option("--verified/--unverified", help="Vouch for the email.")] = True,
) -> None:
    """Create an account (verified unless --unverified, which emails a verification link)."""
    import accounts

    with _database() as (session, settings):
        mailer = None if verified else _mailer(settings)
        user, token = accounts.register_user(
            session, email=email, password=password, mailer=mailer, base_url=settings.base_url
        )
        if verified:
            accounts.verify_email(session, token)
    typer.echo(f"user {user.email} added" + ("" if verified else "; verification link emailed"))


@user_app.command("list")
def user_list(as_json: AsJson = False) -> None:
    """Every account with the number of shops it owns and accesses."""
    from accounts.admin import list_users

    with _database() as (session, _):
        users = list_users(session)
    if as_json:
        return _print_json(users)
    for u in users:
        mark = "" if u.verified else "  (unverified)"
        typer.echo(f"{u.email}  owns {u.owned_shops}, member of {u.memberships}{mark}")


@shop_app.command("add")
def shop_add(
    name: str,
    owner: Annotated[str, typer.Option("--owner", help="Email of the owner.")],
    period: Annotated[str, typer.Option(help="monthly, half-yearly or yearly.")] = "monthly",
) -> None:
    """Create a shop owned by --owner, starting its 30-day trial."""
    import accounts

    with _database() as (session, _):
        shop = accounts.create_shop(session, accounts.get_user(session, owner), name=name, period=period)
    typer.echo(f"shop {shop.id} {shop.name!r} added, owner {owner.lower()}, trial until {shop.trial_ends_at:%Y-%m-%d}")


@shop_app.command("list")
def shop_list(
    by: Annotated[str | None, typer.Option("--by", help="List this user's shops with their level.")] = None,
    as_json: AsJson = False,
) -> None:
    """All shops, or with --by the shops one user owns or accesses."""
    import accounts
    from accounts.admin import list_all_shops

    with _database() as (session, _):
        if by is None:
            shops: list[Any] = list_all_shops(session)
        else:
            shops = accounts.list_my_shops(session, accounts.get_user(session, by))
    if as_json:
        return _print_json(shops)
    for s in shops:
        level = f"{s.level.label:<6} " if by else ""
        typer.echo(f"{s.shop_id:>5}  {level}{s.status.value:<9}  {s.name}  (owner {s.owner_email})")


@shop_app.command("show")
def shop_show(
    shop: int,
    by: Annotated[str | None, typer.Option("--by", help="Show as this user (default: as the owner).")] = None,
    as_json: AsJson = False,
) -> None:
    """Status, billing period, members, pending invitations and transfer of one shop."""
    import accounts
    from accounts.admin import shop_owner

    with _database() as (session, _):
        actor = accounts.get_user(session, by) if by else shop_owner(session, shop)
        overview = accounts.describe_shop(session, actor, shop)
    if as_json:
        return _print_json(overview)
    period = overview.billing_period + (
        f" (then {overview.next_billing_period})" if overview.next_billing_period else ""
    )
    typer.echo(f"shop {overview.shop_id}: {overview.name}\nstatus: {overview.status.value}\nbilling period: {period}")
    typer.echo("members:\n" + "\n".join(f"  {m.level.label:<6} {m.email}" for m in overview.members))
    for inv in overview.invitations:
        typer.echo(f"invited: {inv.email} ({inv.level.label}) until {inv.expires_at:%Y-%m-%d}")
    if overview.transfer:
        typer.echo(f"transfer pending to {overview.transfer.to_email} until {overview.transfer.expires_at:%Y-%m-%d}")


@shop_app.command("invite")
def shop_invite(
    shop: int,
    email: str,
    by: By,
    level: Annotated[str, typer.Option(help="write or read.")] = "write",
) -> None:
    """Email EMAIL (an existing account) an invitation to SHOP."""
    import accounts

    with _database() as (session, settings):
        invitation, _ = accounts.invite_member(
            session,
            accounts.get_user(session, by),
            shop,
            email=email,
            level=_level(level),
            mailer=_mailer(settings),
            base_url=settings.base_url,
        )
    typer.echo(f"invited {invitation.email} to shop {shop} with {invitation.level.label} access; link emailed")


@shop_app.command("transfer")
def shop_transfer(shop: int, email: str, by: By) -> None:
    """Offer SHOP to EMAIL (an existing account); they accept with `feedhub transfer accept`."""
    import accounts

    with _database() as (session, settings):
        accounts.start_transfer(
            session,
            accounts.get_user(session, by),
            shop,
            to_email=email,
            mailer=_mailer(settings),
            base_url=settings.base_url,
        )
    typer.echo(f"transfer of shop {shop} to {email.lower()} offered; link emailed")


@invite_app.command("accept")
def invite_accept(token: str, by: By) -> None:
    """Accept an invitation as the account it was sent to."""
    import accounts

    with _database() as (session, _):
        membership = accounts.accept_invitation(session, accounts.get_user(session, by), token)
    typer.echo(f"{by.lower()} joined shop {membership.shop_id} with {membership.level.label} access")


@transfer_app.command("accept")
def transfer_accept(token: str, by: By) -> None:
    """Accept a shop transfer as its recipient."""
    import accounts

    with _database() as (session, _):
        shop = accounts.accept_transfer(session, accounts.get_user(session, by), token)
    typer.echo(f"{by.lower()} now owns shop {shop.id} {shop.name!r}")


@billing_app.command("invoice")
def billing_invoice(
    shop: int,
    period: Annotated[str, typer.Option(help="First month of the period, YYYY-MM.")],
    as_json: AsJson = False,
) -> None:
    """Issue the invoice of SHOP for the billing period starting in --period."""
    import accounts

    with _database() as (session, _):
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
        return _print_json(summary)
    typer.echo(
        f"invoice {invoice.number}: shop {shop}, {invoice.period_start} to {invoice.period_end}, "
        f"{invoice.total} {invoice.currency} incl. VAT, due {invoice.due_date}"
    )
