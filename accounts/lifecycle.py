"""The shop's paid state over time (ShopStatus): trial reminders, overdue and suspended for unpaid invoices,
may it run, and what its owner can do.

These are system jobs (accounts.billing_jobs, run by `feedhub serve` and `feedhub billing run-due`), so
they take no actor. Suspension stops scheduled runs (`shop_may_run` says no and says how to pay) but
never touches published feeds.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from accounts import audit
from accounts.billing import missing_for_invoicing
from accounts.emails import trial_reminder_email
from accounts.mail import Mailer
from accounts.models import Invoice, Shop, ShopStatus, User
from accounts.types import utcnow

TRIAL_REMINDER_DAYS = 5  # before the trial ends
SUSPEND_AFTER_DAYS = 14  # after an invoice's due date; overdue until then


def send_trial_reminders(
    session: Session, mailer: Mailer, *, base_url: str, now: datetime | None = None
) -> list[int]:
    """Email each owner whose trial ends within TRIAL_REMINDER_DAYS, once; returns the shop ids.

    Rows are locked and skipped when another job holds them, and the sent time is recorded in the
    same transaction, so parallel runs do not send twice.
    """
    now = now or utcnow()
    due = session.execute(
        select(Shop, User)
        .join(User, User.id == Shop.owner_id)
        .where(Shop.status == ShopStatus.TRIAL, Shop.trial_reminder_sent_at.is_(None))
        .where(Shop.trial_ends_at > now, Shop.trial_ends_at <= now + timedelta(days=TRIAL_REMINDER_DAYS))
        .order_by(Shop.id)
        .with_for_update(of=Shop, skip_locked=True)
    ).all()
    for shop, owner in due:
        link = f"{base_url.rstrip('/')}/shops/{shop.id}/billing"
        mailer.send(
            trial_reminder_email(
                to=owner.email, shop_name=shop.name, trial_ends_at=shop.trial_ends_at, link=link,
                missing=missing_for_invoicing(owner), profile_link=f"{base_url.rstrip('/')}/account",
                language=owner.language,
            )
        )
        shop.trial_reminder_sent_at = now
        audit.record(session, shop_id=shop.id, actor=None, action="trial.reminder_sent", to=owner.email)
    session.flush()
    return [shop.id for shop, *_ in due]


def mark_overdue_shops(session: Session, *, now: datetime | None = None) -> list[int]:
    """Active shops with an invoice unpaid past its due date become overdue (their runs go on); returns ids."""
    return _move(session, ShopStatus.ACTIVE, ShopStatus.OVERDUE, _unpaid_since((now or utcnow()).date()),
                 "shop.overdue")


def suspend_overdue_shops(session: Session, *, now: datetime | None = None) -> list[int]:
    """Overdue shops with an invoice still unpaid SUSPEND_AFTER_DAYS after its due date are suspended: their
    scheduled runs stop, their published feeds stay. A shop in its trial is never suspended."""
    cutoff = (now or utcnow()).date() - timedelta(days=SUSPEND_AFTER_DAYS)
    return _move(session, ShopStatus.OVERDUE, ShopStatus.SUSPENDED, _unpaid_since(cutoff), "shop.suspended")


def _unpaid_since(day: date) -> Any:
    return exists().where(Invoice.shop_id == Shop.id, Invoice.paid_at.is_(None), Invoice.due_date < day)


def _move(session: Session, before: ShopStatus, after: ShopStatus, condition: Any, action: str) -> list[int]:
    """Every shop in `before` meeting `condition` moves to `after` (rows other jobs hold are left to them)."""
    shops = session.scalars(
        select(Shop).where(Shop.status == before, condition).order_by(Shop.id).with_for_update(skip_locked=True)
    ).all()
    for shop in shops:
        shop.status = after
        audit.record(session, shop_id=shop.id, actor=None, action=action, reason="unpaid invoice")
    session.flush()
    return [shop.id for shop in shops]


def shop_may_run(session: Session, shop_id: int, *, now: datetime | None = None) -> tuple[bool, str]:
    """Whether scheduled runs of the shop's projects may start, and if not, why and what to do."""
    shop = session.get(Shop, shop_id)
    if shop is None or shop.status.closed:
        return False, "the shop does not exist or was deleted"
    if shop.status is ShopStatus.SUSPENDED:
        return False, f"suspended for an unpaid invoice: {_what_to_pay(session, shop)}"
    if shop.status is ShopStatus.TRIAL and (now or utcnow()) >= shop.trial_ends_at:
        return False, f"the trial has ended: {_what_to_pay(session, shop)}"
    return True, shop.status.value


def standing(session: Session, shop: Shop, *, now: datetime | None = None) -> str:
    """The shop's state in words, with what its owner can do about it (`shop show`, the API, the pages)."""
    now = now or utcnow()
    match shop.status:
        case ShopStatus.TRIAL if now < shop.trial_ends_at and _oldest_unpaid(session, shop) is None:
            return (f"trial until {shop.trial_ends_at:%Y-%m-%d}; the first invoice is issued then, "
                    "fill in the billing profile before")
        case ShopStatus.TRIAL if now < shop.trial_ends_at:
            until = f"{shop.trial_ends_at:%Y-%m-%d}"
            return f"trial until {until}; to keep runs going after it, {_what_to_pay(session, shop)}"
        case ShopStatus.TRIAL:
            return f"trial ended; scheduled runs are stopped: {_what_to_pay(session, shop)}"
        case ShopStatus.ACTIVE:
            return "active"
        case ShopStatus.OVERDUE:
            return (f"overdue; runs go on, and stop {SUSPEND_AFTER_DAYS} days after the due date: "
                    f"{_what_to_pay(session, shop)}")
        case ShopStatus.SUSPENDED:
            return f"suspended; published feeds stay, scheduled runs are stopped: {_what_to_pay(session, shop)}"
        case ShopStatus.DELETED:
            until = f" until {shop.deleted_at + timedelta(days=30):%Y-%m-%d}" if shop.deleted_at else ""
            return f"deleted; the owner can restore it{until}"
        case _:
            return "gone: deleted more than 30 days ago; only its invoices are kept"


def _oldest_unpaid(session: Session, shop: Shop) -> Invoice | None:
    return session.scalars(
        select(Invoice).where(Invoice.shop_id == shop.id, Invoice.paid_at.is_(None)).order_by(Invoice.due_date)
    ).first()


def _what_to_pay(session: Session, shop: Shop) -> str:
    """The oldest unpaid invoice and how to pay it, or that the first invoice is on its way."""
    unpaid = _oldest_unpaid(session, shop)
    if unpaid is None:
        missing = missing_for_invoicing(session.get_one(User, shop.owner_id))
        if missing:
            return f"fill in the billing profile ({', '.join(missing)}) to get the first invoice, then pay it"
        return "the first invoice is being issued; pay it to continue"
    return (f"pay invoice {unpaid.number} ({unpaid.total} {unpaid.currency}, due {unpaid.due_date}) "
            "as it says; runs resume as soon as the payment is recorded")


def record_exported_products(session: Session, shop_id: int, count: int) -> None:
    """Remember the latest number of exported products; it picks the price tier of the next invoice."""
    shop = session.get_one(Shop, shop_id)
    shop.exported_products = max(count, 0)
