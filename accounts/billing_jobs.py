"""The billing cycle's jobs, in the order they run: trial reminders, invoices due, reminders of unpaid
invoices, overdue shops, suspensions, and the purge of shops deleted past their grace period.

`run_due` is what `feedhub serve` runs every hour and `feedhub billing run-due` once. Each job is safe
to run twice and at the same time as another run of itself: a job takes the rows it changes with
`FOR UPDATE SKIP LOCKED` and records what it did (an invoice, a sent time, a status) in the same
transaction, so a second run finds nothing left to do and nothing is sent or issued twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from accounts.billing import issue_invoice, missing_for_invoicing
from accounts.emails import invoice_email, unpaid_invoice_email
from accounts.errors import BillingError, ShopStateError
from accounts.invoice_pdf import invoice_pdf
from accounts.lifecycle import SUSPEND_AFTER_DAYS, mark_overdue_shops, send_trial_reminders, suspend_overdue_shops
from accounts.mail import Mailer
from accounts.models import Invoice, Shop, ShopStatus, User
from accounts.shops import purge_expired_shops
from accounts.types import utcnow

INVOICED = (ShopStatus.TRIAL, ShopStatus.ACTIVE, ShopStatus.OVERDUE)  # a suspended shop's periods are not billed
REMIND_EVERY_DAYS = 7  # an unpaid invoice is recalled the day after its due date, then weekly until suspension


@dataclass
class BillingRun:
    """What one run of the jobs did: shop ids and invoice numbers."""

    trial_reminders: list[int] = field(default_factory=list)
    invoices: list[str] = field(default_factory=list)
    unpaid_reminders: list[str] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)
    suspended: list[int] = field(default_factory=list)
    gone: dict[int, list[int]] = field(default_factory=dict)  # purged shops and their projects' ids
    problems: list[str] = field(default_factory=list)  # shops that could not be invoiced, and why

    @property
    def gone_projects(self) -> list[int]:
        """The purged shops' project ids: their run workspaces are for the caller to remove."""
        return [project for projects in self.gone.values() for project in projects]


def run_due(
    sessions: sessionmaker[Session], mailer: Mailer, *, base_url: str, now: datetime | None = None
) -> BillingRun:
    """Every billing job once, each in its own transaction."""
    now = now or utcnow()
    done = BillingRun()
    with sessions.begin() as session:
        done.trial_reminders = send_trial_reminders(session, mailer, base_url=base_url, now=now)
    done.invoices, done.problems = issue_due_invoices(sessions, mailer, base_url=base_url, now=now)
    with sessions.begin() as session:
        done.unpaid_reminders = send_unpaid_reminders(session, mailer, base_url=base_url, now=now)
    with sessions.begin() as session:
        done.overdue = mark_overdue_shops(session, now=now)
    with sessions.begin() as session:
        done.suspended = suspend_overdue_shops(session, now=now)
    with sessions.begin() as session:
        done.gone = purge_expired_shops(session, now=now)
    return done


def issue_due_invoices(
    sessions: sessionmaker[Session], mailer: Mailer, *, base_url: str, now: datetime
) -> tuple[list[str], list[str]]:
    """Invoice each shop whose next period has started, in advance, and email the invoice to its owner.

    A trial shop gets its first invoice when the trial ends, and no other until it is paid. One shop per
    transaction: a shop that cannot be invoiced (say, no price list in its currency) does not stop the others.
    """
    issued: list[str] = []
    problems: list[str] = []
    while True:
        with sessions.begin() as session:
            shop = _next_shop_to_invoice(session, now, skip=problems)
            if shop is None or shop.next_invoice_on is None:
                return issued, problems
            owner = session.get_one(User, shop.owner_id)
            missing = missing_for_invoicing(owner)
            if missing:  # the owner was asked in the trial reminder; runs stop until it is filled in
                problems.append(f"shop {shop.id}: the owner's billing profile lacks {', '.join(missing)}")
                continue
            try:
                with session.begin_nested():
                    invoice = issue_invoice(session, shop.id, period_start=shop.next_invoice_on, now=now)
            except (BillingError, ShopStateError) as exc:
                problems.append(f"shop {shop.id}: {exc}")
                continue
            pdf = invoice_pdf(invoice)
            mailer.send(invoice_email(to=invoice.billed_to["invoice_email"], invoice=invoice, shop_name=shop.name,
                                      link=_billing_link(base_url, shop.id), pdf=pdf, language=owner.language))
            issued.append(invoice.number)


def _next_shop_to_invoice(session: Session, now: datetime, *, skip: list[str]) -> Shop | None:
    failed = [int(problem.split(":", 1)[0].removeprefix("shop ")) for problem in skip]
    first_invoice_only = (Shop.status != ShopStatus.TRIAL) | ~Shop.id.in_(select(Invoice.shop_id))
    trial_over = (Shop.status != ShopStatus.TRIAL) | (Shop.trial_ends_at <= now)
    return session.scalars(
        select(Shop)
        .where(Shop.status.in_(INVOICED), Shop.next_invoice_on <= now.date(), first_invoice_only, trial_over,
               Shop.id.not_in(failed))
        .order_by(Shop.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def send_unpaid_reminders(session: Session, mailer: Mailer, *, base_url: str, now: datetime) -> list[str]:
    """Remind the owner of each invoice unpaid after its due date, saying when runs would stop, and again every
    REMIND_EVERY_DAYS while the shop runs (a suspended shop's owner learns the rest from its page and runs)."""
    last_week = now - timedelta(days=REMIND_EVERY_DAYS)
    not_lately = Invoice.reminder_sent_at.is_(None) | (Invoice.reminder_sent_at <= last_week)
    due = session.execute(
        select(Invoice, Shop.name, User.language)
        .join(Shop, Shop.id == Invoice.shop_id)
        .join(User, User.id == Shop.owner_id)
        .where(Invoice.paid_at.is_(None), not_lately, Invoice.due_date < now.date(),
               Shop.status.in_(INVOICED))
        .order_by(Invoice.id)
        .with_for_update(of=Invoice, skip_locked=True)
    ).all()
    for invoice, shop_name, language in due:
        suspend_on = invoice.due_date + timedelta(days=SUSPEND_AFTER_DAYS + 1)
        mailer.send(unpaid_invoice_email(to=invoice.billed_to["invoice_email"], invoice=invoice, shop_name=shop_name,
                                         suspend_on=suspend_on, link=_billing_link(base_url, invoice.shop_id),
                                         language=language))
        invoice.reminder_sent_at = now
    session.flush()
    return [invoice.number for invoice, *_ in due]


def _billing_link(base_url: str, shop_id: int) -> str:
    return f"{base_url.rstrip('/')}/shops/{shop_id}/billing"
