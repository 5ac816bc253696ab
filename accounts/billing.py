"""Invoices: issue for a period, number sequentially, record payment; the owner's billing period.

Issuing and paying are system actions (an administrator, a scheduler or a bank import), so they take
no actor; what an owner does (change the period, read invoices) goes through the access check.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts import audit
from accounts.access import access_shop
from accounts.billing_settings import load_billing_settings
from accounts.errors import InvoiceNotFound, PaymentRefused, PeriodAlreadyInvoiced, ShopStateError
from accounts.models import Invoice, InvoiceCounter, Payment, Shop, ShopStatus, User
from accounts.pricing import billing_period, money, quote
from accounts.roles import Action
from accounts.types import utcnow
from accounts.users import BillingProfile

INVOICE_DUE_DAYS = 14
PAYING_REACTIVATES = (ShopStatus.TRIAL, ShopStatus.OVERDUE, ShopStatus.SUSPENDED)


def issue_invoice(session: Session, shop_id: int, *, period_start: date, now: datetime | None = None) -> Invoice:
    """Invoice the shop's owner for the period starting `period_start`, priced by exported products, in the
    currency and with the VAT of the owner's billing profile (accounts.billing_settings).

    A period change the owner asked for takes effect here, at the first period after those invoiced,
    and the invoice says so. Due: 14 days after the later of the issue date and the period's start.
    """
    now = now or utcnow()
    shop = _locked_shop(session, shop_id)
    if shop.status.closed:
        raise ShopStateError(shop.id, "a deleted shop is not invoiced")
    changed_to = _apply_next_period(session, shop, period_start)
    owner = session.get_one(User, shop.owner_id)
    settings = load_billing_settings(session)
    price_list = settings.price_list(owner.billing_currency or "CZK")
    vat = settings.vat_for(owner.billing_country, owner.vat_id)
    amounts = quote(price_list, shop.billing_period, shop.exported_products, vat.rate)
    period_end = add_months(period_start, amounts.period.months)
    if period_end <= shop.created_at.date():
        raise ShopStateError(shop.id, f"the period {period_start} to {period_end} ended before the shop existed")
    _check_no_overlap(session, shop, period_start, period_end)
    notes = [vat.note, f"Billing period changed to {changed_to} from this invoice." if changed_to else ""]
    invoice = Invoice(
        number=next_invoice_number(session, now.year),
        shop_id=shop.id,
        billed_user_id=owner.id,
        billed_to=_billed_to(owner),
        supplier=settings.supplier,
        billing_period=shop.billing_period,
        period_start=period_start,
        period_end=period_end,
        months=amounts.period.months,
        tier=amounts.tier.name,
        products=shop.exported_products,
        monthly_price=amounts.tier.monthly_price,
        discount=amounts.period.discount,
        net=amounts.net,
        vat_rate=vat.rate,
        vat=amounts.vat,
        total=amounts.total,
        currency=price_list.currency,
        issued_at=now,
        due_date=max(now.date(), period_start) + timedelta(days=INVOICE_DUE_DAYS),
        note=" ".join(note for note in notes if note),
    )
    session.add(invoice)
    shop.next_invoice_on = max(shop.next_invoice_on or period_end, period_end)
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


def missing_for_invoicing(owner: User) -> list[str]:
    """The parts of the owner's billing profile an invoice needs and that are empty."""
    given = {"name": owner.billing_name, "address": owner.billing_address, "country": owner.billing_country}
    return [name for name, value in given.items() if not value.strip()]


def next_invoice_number(session: Session, year: int) -> str:
    """The next number of the year's series, `YYYY-NNNNNN`; the counter row is locked until commit, so the
    series has no gaps (a failed issue rolls its number back with it)."""
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


def record_payment(
    session: Session, number: str, *, amount: Decimal | None = None, reference: str = "", now: datetime | None = None
) -> Invoice:
    """Record money received for the invoice (default: what is still owed). Once payments cover the total the
    invoice is paid, and a shop in its trial, overdue or suspended with nothing else overdue is active at once."""
    now = now or utcnow()
    invoice = session.scalars(select(Invoice).where(Invoice.number == number).with_for_update()).one_or_none()
    if invoice is None:
        raise InvoiceNotFound(number)
    reference = reference.strip()[:200]
    if reference and session.scalar(select(Payment.id).where(Payment.invoice_id == invoice.id,
                                                            Payment.reference == reference)):
        return invoice  # the same payment reported again (a webhook's retry): recorded once
    amount = money(invoice.total - amount_paid(session, invoice) if amount is None else amount)
    if amount <= 0:
        raise PaymentRefused(number, f"the amount must be positive, not {amount}"
                             + (" (the invoice is paid in full)" if invoice.paid_at else ""))
    session.add(Payment(invoice_id=invoice.id, amount=amount, reference=reference, received_at=now))
    session.flush()
    paid = amount_paid(session, invoice)
    audit.record(session, shop_id=invoice.shop_id, actor=None, action="invoice.payment", number=number,
                 amount=str(amount), paid=str(paid), reference=reference)
    if invoice.paid_at is None and paid >= invoice.total:
        invoice.paid_at = now
        audit.record(session, shop_id=invoice.shop_id, actor=None, action="invoice.paid", number=number)
    session.flush()
    shop = _locked_shop(session, invoice.shop_id)
    if invoice.paid_at and shop.status in PAYING_REACTIVATES and not overdue_invoices(session, shop.id, now):
        if shop.status is ShopStatus.SUSPENDED:  # periods while suspended are not billed: the next starts now
            shop.next_invoice_on = max(shop.next_invoice_on or now.date(), now.date())
        shop.status = ShopStatus.ACTIVE
        audit.record(session, shop_id=shop.id, actor=None, action="shop.activated")
    return invoice


def amount_paid(session: Session, invoice: Invoice) -> Decimal:
    """The sum of the invoice's payments (more than its total after an overpayment)."""
    total = session.scalar(select(func.sum(Payment.amount)).where(Payment.invoice_id == invoice.id))
    return money(total or Decimal(0))


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
    access_shop(session, actor, shop_id, Action.VIEW_BILLING)
    return list(
        session.scalars(select(Invoice).where(Invoice.shop_id == shop_id).order_by(Invoice.period_start))
    )


def get_invoice(session: Session, actor: User, shop_id: int, number: str) -> Invoice:
    """One of the shop's invoices by its number (owner); another shop's number is as unknown as a wrong one."""
    access_shop(session, actor, shop_id, Action.VIEW_BILLING)
    invoice = session.scalars(select(Invoice).where(Invoice.shop_id == shop_id, Invoice.number == number)).first()
    if invoice is None:
        raise InvoiceNotFound(number)
    return invoice


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


def _apply_next_period(session: Session, shop: Shop, period_start: date) -> str | None:
    """Switch to the period the owner asked for, if this invoice is the first after those issued; returns it."""
    last = _last_invoice(session, shop.id)
    if shop.next_billing_period and (last is None or period_start >= last.period_end):
        shop.billing_period, shop.next_billing_period = shop.next_billing_period, None
        return shop.billing_period
    return None


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
