"""The shop's paid state over time: trial reminders, suspension for unpaid invoices, may it run?

These are system jobs (a daily scheduler in flows), so they take no actor. Suspension stops
scheduled runs (`shop_may_run` says no) but never touches published feeds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from accounts import audit
from accounts.emails import trial_reminder_email
from accounts.mail import Mailer
from accounts.models import Invoice, Shop, ShopStatus, User
from accounts.types import utcnow

TRIAL_REMINDER_DAYS = 5  # before the trial ends


def send_trial_reminders(
    session: Session, mailer: Mailer, *, base_url: str, now: datetime | None = None
) -> list[int]:
    """Email each owner whose trial ends within TRIAL_REMINDER_DAYS, once; returns the shop ids.

    Rows are locked and skipped when another job holds them, and the sent time is recorded in the
    same transaction, so parallel runs do not send twice.
    """
    now = now or utcnow()
    due = session.execute(
        select(Shop, User.email, User.language)
        .join(User, User.id == Shop.owner_id)
        .where(Shop.status == ShopStatus.TRIAL, Shop.trial_reminder_sent_at.is_(None))
        .where(Shop.trial_ends_at > now, Shop.trial_ends_at <= now + timedelta(days=TRIAL_REMINDER_DAYS))
        .order_by(Shop.id)
        .with_for_update(of=Shop, skip_locked=True)
    ).all()
    for shop, owner_email, owner_language in due:
        link = f"{base_url.rstrip('/')}/shops/{shop.id}/billing"
        mailer.send(
            trial_reminder_email(
                to=owner_email, shop_name=shop.name, trial_ends_at=shop.trial_ends_at, link=link,
                language=owner_language,
            )
        )
        shop.trial_reminder_sent_at = now
        audit.record(session, shop_id=shop.id, actor=None, action="trial.reminder_sent", to=owner_email)
    session.flush()
    return [shop.id for shop, *_ in due]


def suspend_overdue_shops(session: Session, *, now: datetime | None = None) -> list[int]:
    """Suspend every trial or active shop with an invoice unpaid past its due date; returns the ids."""
    now = now or utcnow()
    overdue = exists().where(
        Invoice.shop_id == Shop.id, Invoice.paid_at.is_(None), Invoice.due_date < now.date()
    )
    shops = session.scalars(
        select(Shop)
        .where(Shop.status.in_([ShopStatus.TRIAL, ShopStatus.ACTIVE]), overdue)
        .order_by(Shop.id)
        .with_for_update()
    ).all()
    for shop in shops:
        shop.status = ShopStatus.SUSPENDED
        audit.record(session, shop_id=shop.id, actor=None, action="shop.suspended", reason="unpaid invoice")
    session.flush()
    return [shop.id for shop in shops]


def shop_may_run(session: Session, shop_id: int, *, now: datetime | None = None) -> tuple[bool, str]:
    """Whether scheduled runs of the shop's projects may start, and why not."""
    shop = session.get(Shop, shop_id)
    if shop is None or shop.status is ShopStatus.DELETED:
        return False, "the shop does not exist or was deleted"
    if shop.status is ShopStatus.SUSPENDED:
        return False, "suspended: an invoice is unpaid past its due date"
    if shop.status is ShopStatus.TRIAL and (now or utcnow()) >= shop.trial_ends_at:
        return False, "the trial has ended: pay the first invoice to continue"
    return True, shop.status.value


def record_exported_products(session: Session, shop_id: int, count: int) -> None:
    """Remember the latest number of exported products; it picks the price tier of the next invoice."""
    shop = session.get_one(Shop, shop_id)
    shop.exported_products = max(count, 0)
