"""A year of one shop's billing with a clock the test moves (no sleeping): sign-up and trial, the reminder,
the first invoice, payment, a change to yearly, an unpaid invoice, overdue, suspension (runs skipped with
how to pay, the published feed untouched), payment and reactivation, deletion and restore, the next
yearly invoice, deletion past the grace period (gone: projects purged, invoices kept). The billing jobs
run twice at every step, and the second run does nothing. Emails are read from a real SMTP server
(aiosmtpd).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from accounts import (
    BillingProfile,
    Shop,
    ShopStatus,
    SmtpMailer,
    User,
    change_billing_period,
    create_project,
    delete_shop,
    record_payment,
    restore_shop,
    update_billing_profile,
)
from accounts.billing_jobs import BillingRun, run_due
from accounts.errors import NoShopAccess
from accounts.lifecycle import record_exported_products, shop_may_run
from accounts.models import Invoice, Project
from feeds.project import ExportSpec, ProjectSpec
from flows.deps import RunDeps
from flows.runner import run_project_inline
from tests.feeds.conftest import LocalServer
from tests.flows.conftest import heureka_feed, make_user
from tests.smtp import Inbox, running_inbox

BASE_URL = "https://feedhub.test"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with running_inbox() as inbox:
        yield inbox


@pytest.fixture
def owner(session: Session) -> User:
    return make_user(session, "owner@kola.example")


@pytest.fixture
def year_shop(session: Session, owner: User) -> Shop:
    """A shop signed up on 2027-01-10 (its trial ends 2027-02-09 08:00), with a billing profile."""
    from accounts import create_shop

    update_billing_profile(session, owner, BillingProfile(
        "Kola s.r.o.", "Dlouhá 1, Praha", "12345678", "CZ12345678", "invoices@kola.example", "CZ", "CZK"))
    shop = create_shop(session, owner, name="Kola", now=at("2027-01-10 08:00"))
    record_exported_products(session, shop.id, 4_000)  # the medium tier: 590 CZK a month
    session.commit()
    return shop


class Year:
    """The billing jobs at a moment, twice: the second run must find nothing to do."""

    def __init__(self, deps: RunDeps, inbox: Inbox, session: Session) -> None:
        self.deps, self.inbox, self.session = deps, inbox, session
        self.mailer = SmtpMailer(f"smtp://127.0.0.1:{inbox.port}", "Feedhub <billing@feedhub.test>")

    def jobs(self, moment: str) -> BillingRun:
        self.session.commit()  # SQLite: the test's reads hold the write lock until then
        first = run_due(self.deps.sessions, self.mailer, base_url=BASE_URL, now=at(moment))
        assert run_due(self.deps.sessions, self.mailer, base_url=BASE_URL, now=at(moment)) == BillingRun()
        return first

    def mail(self) -> list[EmailMessage]:
        return self.inbox.messages()


def test_a_year_of_billing(
    session: Session, owner: User, year_shop: Shop, deps: RunDeps, inbox: Inbox, http_server: LocalServer,
    tmp_path: Path,
) -> None:
    year = Year(deps, inbox, session)
    shop_id = year_shop.id

    def shop() -> Shop:
        session.expire_all()
        return session.get_one(Shop, shop_id)

    assert year.jobs("2027-01-10 09:00") == BillingRun()
    assert year.jobs("2027-02-04 08:00").trial_reminders == [shop_id]  # 5 days before the end
    assert "Your Feedhub trial for Kola ends soon" in year.mail()[-1]["Subject"]

    # The trial ends: the first invoice, for the period from the trial's end, due 14 days later.
    first = year.jobs("2027-02-09 09:00")
    assert first.invoices == ["2027-000001"]
    invoice = _invoice(session, "2027-000001")
    assert (invoice.period_start, invoice.period_end, invoice.due_date) == (
        date(2027, 2, 9), date(2027, 3, 9), date(2027, 2, 23))
    assert (invoice.net, invoice.vat_rate, invoice.vat, invoice.total) == (
        Decimal("590.00"), Decimal("0.21"), Decimal("123.90"), Decimal("713.90"))
    mail = year.mail()[-1]
    assert mail["To"] == "invoices@kola.example" and mail["Subject"] == "Feedhub invoice 2027-000001 for Kola"
    text = mail.get_body(("plain",)).get_content()
    assert "713.90 CZK including VAT" in text and "due on 2027-02-23" in text
    html = mail.get_body(("html",)).get_content()
    assert "713.90 CZK including VAT" in html and f'<a href="{BASE_URL}/shops/{shop_id}/billing">' in html
    (attachment,) = mail.iter_attachments()
    assert (attachment.get_content_type(), attachment.get_filename()) == ("application/pdf", "invoice-2027-000001.pdf")
    pdf = pdf_text(attachment.get_content())
    for part in ("Invoice 2027-000001", "Issued 2027-02-09, due 2027-02-23, for 2027-02-09 to 2027-03-08",
                 "Supplier", "Customer", "Kola s.r.o.", "Dlouhá 1, Praha", "Company ID: 12345678",
                 "VAT ID: CZ12345678", "medium tier (4,000 products), monthly: 1 x 590 CZK", "Discount",
                 "Net 590.00 CZK", "VAT 21 % 123.90 CZK", "Total 713.90 CZK"):
        assert part in pdf, part
    assert shop().status is ShopStatus.TRIAL
    may, why = shop_may_run(session, shop_id, now=at("2027-02-10 08:00"))
    assert not may and "pay invoice 2027-000001 (713.90 CZK, due 2027-02-23)" in why

    record_payment(session, "2027-000001", reference="VS 2027000001", now=at("2027-02-10 10:00"))
    session.commit()
    assert shop().status is ShopStatus.ACTIVE

    change_billing_period(session, session.merge(owner), shop_id, "yearly")
    session.commit()
    assert year.jobs("2027-03-01 09:00") == BillingRun()  # nothing is due before the period ends

    second = year.jobs("2027-03-09 09:00")
    assert second.invoices == ["2027-000002"]
    yearly = _invoice(session, "2027-000002")
    assert (yearly.billing_period, yearly.period_end, yearly.net, yearly.total) == (
        "yearly", date(2028, 3, 9), Decimal("5664.00"), Decimal("6853.44"))  # 590 x 12 x 0.8, + 21 %
    assert "Billing period changed to yearly from this invoice." in yearly.note

    # Unpaid: a reminder and overdue the day after the due date; runs go on.
    after_due = year.jobs("2027-03-24 09:00")
    assert (after_due.unpaid_reminders, after_due.overdue) == (["2027-000002"], [shop_id])
    assert year.mail()[-1]["Subject"] == "Unpaid Feedhub invoice 2027-000002"
    assert "still unpaid on 2027-04-07" in year.mail()[-1].get_content()
    assert shop_may_run(session, shop_id) == (True, "overdue")

    published_file = tmp_path / "published" / "heureka.xml"
    spec = ProjectSpec(source=http_server.serve("/feed.xml", heureka_feed(5)),
                       exports=[ExportSpec(name="heureka", format="heureka", uri=published_file.as_uri())])
    project_id = create_project(session, session.merge(owner), shop_id, name="main", spec=spec).id
    session.commit()
    session.commit()
    assert run_project_inline(project_id, deps).status == "succeeded"
    published = published_file.read_bytes()

    # A week later, the reminder again; 14 days after the due date: suspended, runs are skipped with how
    # to pay, feeds stay.
    assert year.jobs("2027-03-30 09:00") == BillingRun()
    week_later = year.jobs("2027-04-06 09:00")
    assert (week_later.unpaid_reminders, week_later.suspended) == (["2027-000002"], [])
    assert year.jobs("2027-04-07 09:00").suspended == [shop_id]
    session.commit()
    skipped = run_project_inline(project_id, deps)
    assert skipped.status == "skipped" and "pay invoice 2027-000002 (6853.44 CZK" in skipped.error
    assert published_file.read_bytes() == published

    record_payment(session, "2027-000002", now=at("2027-04-08 10:00"))
    session.commit()
    assert shop().status is ShopStatus.ACTIVE
    session.commit()
    assert run_project_inline(project_id, deps).status in ("succeeded", "unchanged")

    delete_shop(session, session.merge(owner), shop_id, now=at("2028-03-01 09:00"))
    session.commit()
    assert year.jobs("2028-03-09 09:00") == BillingRun()  # a deleted shop is not invoiced
    restore_shop(session, session.merge(owner), shop_id, now=at("2028-03-09 09:30"))
    session.commit()
    assert shop().status is ShopStatus.ACTIVE
    assert year.jobs("2028-03-09 10:00").invoices == ["2028-000001"]  # numbers start again each year
    assert _invoice(session, "2028-000001").period_start == date(2028, 3, 9)

    subjects = [message["Subject"] for message in year.mail()]
    assert len(subjects) == 6  # trial reminder, 3 invoices, the unpaid reminder twice, a week apart
    assert len(set(subjects)) == 5

    # Deleted and not restored within 30 days: gone. Projects and members are purged, invoices stay.
    delete_shop(session, session.merge(owner), shop_id, now=at("2028-03-10 09:00"))
    session.commit()
    assert year.jobs("2028-04-09 08:00") == BillingRun()  # the 30th day: still restorable
    assert year.jobs("2028-04-09 10:00").gone == {shop_id: [project_id]}
    assert shop().status is ShopStatus.GONE and session.get(Project, project_id) is None
    with pytest.raises(NoShopAccess):
        restore_shop(session, session.merge(owner), shop_id, now=at("2028-04-09 11:00"))
    assert _invoice(session, "2028-000001").shop_id == shop_id
    assert published_file.read_bytes()  # published files are the owner's, at their targets


def pdf_text(data: bytes) -> str:
    """The text of a PDF, one space between words."""
    import io

    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def _invoice(session: Session, number: str) -> Invoice:
    from sqlalchemy import select

    session.expire_all()
    return session.scalars(select(Invoice).where(Invoice.number == number)).one()
