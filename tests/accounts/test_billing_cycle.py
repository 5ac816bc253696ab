"""The billing cycle around the prices: VAT by the customer's country, currencies, payments (partial, over),
numbers without gaps, the jobs run twice or at once (PostgreSQL) doing nothing twice, the profile's checks."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from accounts import (
    BillingProfile,
    MemoryMailer,
    Shop,
    ShopStatus,
    User,
    create_shop,
    issue_invoice,
    record_payment,
    update_billing_profile,
)
from accounts.billing import amount_paid
from accounts.billing_jobs import run_due
from accounts.billing_settings import REVERSE_CHARGE_NOTE, load_billing_settings
from accounts.errors import InvalidBillingProfile, PaymentRefused, ShopStateError
from accounts.lifecycle import record_exported_products, shop_may_run
from accounts.models import Invoice, Payment
from tests.accounts.conftest import BASE_URL, UserFactory

T0 = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


def profile(country: str, vat_id: str = "", currency: str = "CZK") -> BillingProfile:
    return BillingProfile("Customer", "Street 1", "123", vat_id, "", country, currency)


@pytest.fixture
def shop(session: Session, owner: User) -> Shop:
    """A shop whose trial ended before T0; 4,000 exported products (the medium tier)."""
    shop = create_shop(session, owner, name="Kola", now=T0 - timedelta(days=40))
    record_exported_products(session, shop.id, 4_000)
    return shop


class TestVatByCountry:
    @pytest.mark.parametrize(("country", "vat_id", "rate", "note"), [
        ("CZ", "CZ12345678", "0.21", ""),
        ("CZ", "", "0.21", ""),
        ("SK", "", "0.23", ""),  # a consumer in Slovakia: Slovak VAT
        ("SK", "SK2020123456", "0", REVERSE_CHARGE_NOTE),  # a Slovak VAT payer: reverse charge, as in DE
        ("DE", "DE123456789", "0", REVERSE_CHARGE_NOTE),
        ("DE", "", "0.21", ""),  # no German rate in the table: the supplier's
        ("US", "", "0.21", ""),  # outside the EU: the supplier's rate
        ("", "", "0.21", ""),  # not given yet
    ])
    def test_the_rate_and_the_note(self, session: Session, country: str, vat_id: str, rate: str, note: str) -> None:
        treatment = load_billing_settings(session).vat_for(country, vat_id)
        assert (treatment.rate, treatment.note) == (Decimal(rate), note)

    def test_a_german_company_is_invoiced_without_vat_and_the_invoice_says_why(
        self, session: Session, owner: User, shop: Shop
    ) -> None:
        update_billing_profile(session, owner, profile("DE", "DE123456789", "EUR"))
        invoice = issue_invoice(session, shop.id, period_start=date(2027, 1, 4), now=T0)
        assert (invoice.currency, invoice.net, invoice.vat_rate, invoice.vat, invoice.total) == (
            "EUR", Decimal("24.00"), Decimal("0"), Decimal("0.00"), Decimal("24.00"))
        assert invoice.note == REVERSE_CHARGE_NOTE
        assert (invoice.billed_to["country"], invoice.billed_to["vat_id"]) == ("DE", "DE123456789")

    def test_a_slovak_consumer_pays_slovak_vat_in_euro(self, session: Session, owner: User, shop: Shop) -> None:
        update_billing_profile(session, owner, profile("sk", currency="eur"))
        invoice = issue_invoice(session, shop.id, period_start=date(2027, 1, 4), now=T0)
        assert (invoice.currency, invoice.vat_rate, invoice.vat, invoice.total) == (
            "EUR", Decimal("0.23"), Decimal("5.52"), Decimal("29.52"))

    def test_the_profile_refuses_an_unknown_currency_and_a_country_that_is_not_a_code(
        self, session: Session, owner: User
    ) -> None:
        with pytest.raises(InvalidBillingProfile, match="currency: 'USD'; choose one of CZK, EUR") as refused:
            update_billing_profile(session, owner, profile("CZ", currency="USD"))
        assert refused.value.field == "currency"
        with pytest.raises(InvalidBillingProfile, match="'Czechia' is not a code") as refused:
            update_billing_profile(session, owner, profile("Czechia"))
        assert refused.value.field == "country"


class TestDates:
    def test_due_fourteen_days_after_the_later_of_issue_and_period_start(self, session: Session, shop: Shop) -> None:
        ahead = issue_invoice(session, shop.id, period_start=date(2027, 2, 1), now=T0)  # issued early
        assert ahead.due_date == date(2027, 2, 15)
        late = issue_invoice(session, shop.id, period_start=date(2027, 1, 1), now=T0)  # issued late
        assert late.due_date == date(2027, 1, 18)

    def test_no_invoice_for_a_period_that_ended_before_the_shop_existed_and_no_number_lost(
        self, session: Session, shop: Shop
    ) -> None:
        session.commit()
        with pytest.raises(ShopStateError, match="ended before the shop existed"):
            issue_invoice(session, shop.id, period_start=date(1999, 1, 1), now=T0)
        session.rollback()
        assert issue_invoice(session, shop.id, period_start=date(2027, 1, 4), now=T0).number == "2027-000001"


    def test_an_invoice_keeps_the_supplier_it_was_issued_by(self, session: Session, shop: Shop) -> None:
        from accounts.billing_settings import store_billing_setting
        from accounts.invoice_pdf import invoice_pdf
        from tests.flows.test_billing_year import pdf_text

        invoice = issue_invoice(session, shop.id, period_start=date(2027, 1, 4), now=T0)
        before = load_billing_settings(session).supplier
        store_billing_setting(session, "supplier", before | {"name": "Feedhub Two s.r.o.", "vat_id": "CZ99"})
        text = pdf_text(invoice_pdf(invoice))
        assert before["name"] in text and "Feedhub Two" not in text
        later = issue_invoice(session, shop.id, period_start=date(2027, 2, 4), now=T0)
        assert "Feedhub Two s.r.o." in pdf_text(invoice_pdf(later)) and "VAT ID: CZ99" in pdf_text(invoice_pdf(later))


class TestPayments:
    def test_partial_then_over_payment(self, session: Session, shop: Shop) -> None:
        invoice = issue_invoice(session, shop.id, period_start=date(2027, 1, 4), now=T0)  # 713.90 CZK
        record_payment(session, invoice.number, amount=Decimal("500"), reference="part 1", now=T0)
        assert (invoice.paid_at, amount_paid(session, invoice), shop.status) == (None, Decimal("500.00"),
                                                                                 ShopStatus.TRIAL)
        record_payment(session, invoice.number, amount=Decimal("300"), reference="part 2", now=T0 + timedelta(days=1))
        assert invoice.paid_at == T0 + timedelta(days=1) and amount_paid(session, invoice) == Decimal("800.00")
        assert shop.status is ShopStatus.ACTIVE
        payments = session.execute(select(Payment.amount, Payment.reference).order_by(Payment.id)).tuples().all()
        assert payments == [(Decimal("500.00"), "part 1"), (Decimal("300.00"), "part 2")]

    def test_the_default_amount_is_what_is_owed_and_nothing_more_can_be_paid_by_default(
        self, session: Session, shop: Shop
    ) -> None:
        invoice = issue_invoice(session, shop.id, period_start=date(2027, 1, 4), now=T0)
        record_payment(session, invoice.number, amount=Decimal("13.90"), now=T0)
        record_payment(session, invoice.number, now=T0)
        assert amount_paid(session, invoice) == invoice.total
        with pytest.raises(PaymentRefused, match="the invoice is paid in full"):
            record_payment(session, invoice.number, now=T0)


class TestJobs:
    def test_twice_at_the_same_moment_issue_and_send_once(
        self, session_factory: sessionmaker[Session], session: Session, owner: User, mailer: MemoryMailer,
        make_user: UserFactory,
    ) -> None:
        update_billing_profile(session, owner, profile("CZ"))
        shops = [create_shop(session, owner, name=f"Shop {n}", now=T0 - timedelta(days=31)) for n in range(3)]
        session.commit()
        first = run_due(session_factory, mailer, base_url=BASE_URL, now=T0)
        second = run_due(session_factory, mailer, base_url=BASE_URL, now=T0)
        assert len(first.invoices) == 3 and second.invoices == []
        assert len(mailer.messages) == 3
        assert sorted(_numbers(session)) == sorted(first.invoices) == ["2027-000001", "2027-000002", "2027-000003"]
        assert {shop.id for shop in shops} == set(session.scalars(select(Invoice.shop_id)))

    @pytest.mark.postgres
    def test_two_runs_at_once_on_postgresql_issue_each_invoice_once(
        self, request: pytest.FixtureRequest, session_factory: sessionmaker[Session], session: Session,
        owner: User,
    ) -> None:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
        update_billing_profile(session, owner, profile("CZ"))
        for n in range(12):
            create_shop(session, owner, name=f"Shop {n}", now=T0 - timedelta(days=31))
        session.commit()
        mailers = [MemoryMailer(), MemoryMailer()]
        start = threading.Barrier(2)

        def jobs(mailer: MemoryMailer) -> None:
            start.wait()
            run_due(session_factory, mailer, base_url=BASE_URL, now=T0)

        threads = [threading.Thread(target=jobs, args=(mailer,)) for mailer in mailers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        numbers = _numbers(session)
        assert len(numbers) == 12 and numbers == [f"2027-{n:06d}" for n in range(1, 13)]  # no gaps, no twins
        assert sum(len(mailer.messages) for mailer in mailers) == 12

    def test_an_incomplete_profile_is_asked_for_and_holds_the_first_invoice_back(
        self, session_factory: sessionmaker[Session], session: Session, owner: User, mailer: MemoryMailer,
    ) -> None:
        shop = create_shop(session, owner, name="Kola", now=T0 - timedelta(days=26))  # ends in 4 days
        session.commit()
        run_due(session_factory, mailer, base_url=BASE_URL, now=T0)
        (reminder,) = mailer.messages
        assert "needs your billing profile's name, address, country" in reminder.get_content()
        assert f"{BASE_URL}/account" in reminder.get_content()
        held = run_due(session_factory, mailer, base_url=BASE_URL, now=T0 + timedelta(days=5))
        assert held.invoices == [] and held.problems == [
            f"shop {shop.id}: the owner's billing profile lacks name, address, country"]
        may, why = shop_may_run(session, shop.id, now=T0 + timedelta(days=5))
        assert not may and "fill in the billing profile (name, address, country)" in why
        update_billing_profile(session, session.merge(owner), profile("CZ"))
        session.commit()
        assert run_due(session_factory, mailer, base_url=BASE_URL, now=T0 + timedelta(days=5)).invoices == [
            "2027-000001"]


def _numbers(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Invoice.number).order_by(Invoice.number)))
