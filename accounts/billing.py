"""Invoices: issue for a period, number sequentially, record payment; the owner's billing period.

Issuing and paying are system actions (an administrator, a scheduler or a bank import), so they take
no actor; what an owner does (change the period, read invoices) goes through the access check.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts import audit
from accounts.access import access_shop
from accounts.errors import InvoiceNotFound, PeriodAlreadyInvoiced, ShopStateError
from accounts.models import Invoice, InvoiceCounter, Shop, ShopStatus, User
from accounts.pricing import DEFAULT_PRICE_LIST, DEFAULT_VAT_RATE, PriceList, billing_period, quote
from accounts.roles import Action
from accounts.types import utcnow
from accounts.users import BillingProfile

INVOICE_DUE_DAYS = 14


def issue_invoice(
    session: Session,
    shop_id: int,
    *,
    period_start: date,
    price_list: PriceList = DEFAULT_PRICE_LIST,
    vat_rate: Decimal = DEFAULT_VAT_RATE,
    now: datetime | None = None,
) -> Invoice:
    """Invoice the shop's owner for the period starting `period_start`, priced by exported products.

    A period change the owner asked for takes effect here, at the first period after those invoiced.
    """
    now = now or utcnow()
    shop = _locked_shop(session, shop_id)
    if shop.status is ShopStatus.DELETED:
        raise ShopStateError(shop.id, "a deleted shop is not invoiced")
    _apply_next_period(session, shop, period_start)
    amounts = quote(price_list, shop.billing_period, shop.exported_products, vat_rate)
    period_end = add_months(period_start, amounts.period.months)
    _check_no_overlap(session, shop, period_start, period_end)
    owner = session.get_one(User, shop.owner_id)
    invoice = Invoice(
        number=next_invoice_number(session, now.year),
        shop_id=shop.id,
        billed_user_id=owner.id,
        billed_to=_billed_to(owner),
        billing_period=shop.billing_period,
        period_start=period_start,
        period_end=period_end,
        months=amounts.period.months,
        tier=amounts.tier.name,
        products=shop.exported_products,
        monthly_price=amounts.tier.monthly_price,
        discount=amounts.period.discount,
        net=amounts.net,
        vat_rate=vat_rate,
        vat=amounts.vat,
        total=amounts.total,
        currency=price_list.currency,
        issued_at=now,
        due_date=now.date() + timedelta(days=INVOICE_DUE_DAYS),
    )
    session.add(invoice)
    audit.record(
        session,
        shop_id=shop.id,
        actor=None,
        action="invoice.issued",
        number=invoice.number,
        total=str(invoice.total),
        billed_to=owner.email,
    )
    session.flush()
    return invoice


def next_invoice_number(session: Session, year: int) -> str:
    """The next number of the year's series, `YYYY-NNNNNN`; the counter row is locked until commit."""
    counter = _locked_counter(session, year)
    if counter is None:
        try:
            with session.begin_nested():
                session.add(InvoiceCounter(year=year, last_number=0))
                session.flush()
        except IntegrityError:
            pass  # another transaction created this year's counter first; lock theirs below
        counter = _locked_counter(session, year)
        assert counter is not None
    counter.last_number += 1
    session.flush()
    return f"{year}-{counter.last_number:06d}"


def record_payment(session: Session, number: str, *, now: datetime | None = None) -> Invoice:
    """Mark the invoice paid; a suspended or trial shop with nothing else overdue becomes active."""
    now = now or utcnow()
    invoice = session.scalars(select(Invoice).where(Invoice.number == number).with_for_update()).one_or_none()
    if invoice is None:
        raise InvoiceNotFound(number)
    if invoice.paid_at is None:
        invoice.paid_at = now
        audit.record(session, shop_id=invoice.shop_id, actor=None, action="invoice.paid", number=number)
    session.flush()
    shop = _locked_shop(session, invoice.shop_id)
    if shop.status in (ShopStatus.SUSPENDED, ShopStatus.TRIAL) and not overdue_invoices(
        session, shop.id, now
    ):
        shop.status = ShopStatus.ACTIVE
        audit.record(session, shop_id=shop.id, actor=None, action="shop.activated")
    return invoice


def overdue_invoices(session: Session, shop_id: int, now: datetime) -> list[Invoice]:
    """Unpaid invoices of the shop whose due date has passed."""
    return list(
        session.scalars(
            select(Invoice).where(
                Invoice.shop_id == shop_id, Invoice.paid_at.is_(None), Invoice.due_date < now.date()
            )
        )
    )


def change_billing_period(session: Session, actor: User, shop_id: int, period: str) -> Shop:
    """Choose monthly, half-yearly or yearly (owner); applies from the next period not yet invoiced."""
    billing_period(period)
    shop = access_shop(session, actor, shop_id, Action.BILLING, lock=True).shop
    if _last_invoice(session, shop.id) is None:
        shop.billing_period, shop.next_billing_period = period, None
    else:
        shop.next_billing_period = None if period == shop.billing_period else period
    audit.record(session, shop_id=shop.id, actor=actor, action="billing.period_changed", period=period)
    return shop


def list_invoices(session: Session, actor: User, shop_id: int) -> list[Invoice]:
    """The shop's invoices, oldest first (owner)."""
    access_shop(session, actor, shop_id, Action.BILLING)
    return list(
        session.scalars(select(Invoice).where(Invoice.shop_id == shop_id).order_by(Invoice.period_start))
    )


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the month's length (Jan 31 + 1 -> Feb 28/29)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


def parse_month(text: str) -> date:
    """`2026-11` -> 2026-11-01, the form the CLI takes."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValueError(f"not a month: {text!r}; write it as YYYY-MM, e.g. 2026-11") from None


def _apply_next_period(session: Session, shop: Shop, period_start: date) -> None:
    last = _last_invoice(session, shop.id)
    if shop.next_billing_period and (last is None or period_start >= last.period_end):
        shop.billing_period, shop.next_billing_period = shop.next_billing_period, None


def _check_no_overlap(session: Session, shop: Shop, start: date, end: date) -> None:
    clash = session.scalars(
        select(Invoice).where(
            Invoice.shop_id == shop.id, Invoice.period_start < end, Invoice.period_end > start
        )
    ).first()
    if clash is not None:
        raise PeriodAlreadyInvoiced(shop.id, f"{start} to {end}", clash.number)


def _last_invoice(session: Session, shop_id: int) -> Invoice | None:
    query = select(Invoice).where(Invoice.shop_id == shop_id).order_by(Invoice.period_end.desc())
    return session.scalars(query.limit(1)).first()


def _locked_shop(session: Session, shop_id: int) -> Shop:
    query = select(Shop).where(Shop.id == shop_id).with_for_update().execution_options(populate_existing=True)
    shop = session.scalars(query).one_or_none()
    if shop is None:
        raise ShopStateError(shop_id, "no such shop")
    return shop


def _locked_counter(session: Session, year: int) -> InvoiceCounter | None:
    query = select(InvoiceCounter).where(InvoiceCounter.year == year).with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def _billed_to(owner: User) -> dict[str, str]:
    profile = asdict(BillingProfile.of(owner))
    profile["invoice_email"] = profile["invoice_email"] or owner.email
    return profile
