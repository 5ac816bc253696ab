"""Billing: the price table, invoices, sequential numbers, period changes, trial, suspension."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from accounts import (
    BillingProfile,
    MemoryMailer,
    Shop,
    ShopStatus,
    User,
    change_billing_period,
    create_shop,
    issue_invoice,
    list_invoices,
    record_payment,
    send_trial_reminders,
    shop_may_run,
    suspend_overdue_shops,
    update_billing_profile,
)
from accounts.billing import add_months, next_invoice_number, parse_month
from accounts.billing_settings import load_billing_settings
from accounts.errors import InvoiceNotFound, NoShopAccess, PeriodAlreadyInvoiced
from accounts.lifecycle import mark_overdue_shops, record_exported_products
from accounts.models import Membership
from accounts.pricing import PriceList, money, quote
from accounts.roles import Level
from tests.accounts.conftest import BASE_URL, UserFactory

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
NOV = date(2026, 11, 1)


@pytest.fixture
def shop(session: Session, owner: User) -> Shop:
    """A shop created a month before T0: its trial ended on 2026-10-31."""
    return create_shop(session, owner, name="Bikes & Co", now=T0 - timedelta(days=31))


class TestQuote:
    # tier monthly price x months x (1 - discount); VAT 21 % on the rounded net
    @pytest.mark.parametrize(
        ("period", "products", "tier", "net", "vat", "total"),
        [
            ("monthly", 0, "small", "290.00", "60.90", "350.90"),
            ("monthly", 1_000, "small", "290.00", "60.90", "350.90"),  # the bound is inclusive
            ("monthly", 1_001, "medium", "590.00", "123.90", "713.90"),
            ("half-yearly", 5_000, "medium", "3186.00", "669.06", "3855.06"),  # 590 x 6 x 0.9
            ("yearly", 50_000, "large", "14304.00", "3003.84", "17307.84"),  # 1490 x 12 x 0.8
            ("yearly", 10**7, "unlimited", "28704.00", "6027.84", "34731.84"),
        ],
    )
    def test_the_first_price_list_in_czk(
        self, session: Session, period: str, products: int, tier: str, net: str, vat: str, total: str
    ) -> None:
        q = quote(load_billing_settings(session).price_list("CZK"), period, products, Decimal("0.21"))
        assert (q.tier.name, q.net, q.vat, q.total) == (tier, Decimal(net), Decimal(vat), Decimal(total))

    @pytest.mark.parametrize(
        ("amount", "rounded"),
        [("0.005", "0.01"), ("0.015", "0.02"), ("2.675", "2.68"), ("-0.005", "-0.01"), ("1.994", "1.99")],
    )
    def test_rounds_half_up(self, amount: str, rounded: str) -> None:
        assert money(Decimal(amount)) == Decimal(rounded)

    def test_configurable_price_list(self) -> None:
        prices = PriceList.from_spec(
            [{"name": "one", "max_products": 10, "monthly_price": "9.99"}, {"name": "all", "monthly_price": "19.99"}],
            currency="EUR",
        )
        q = quote(prices, "half-yearly", 11, Decimal("0.2"))
        # 19.99 x 6 x 0.9 = 107.946 -> 107.95; VAT 21.59
        assert (q.tier.name, q.net, q.vat, q.total) == ("all", Decimal("107.95"), Decimal("21.59"), Decimal("129.54"))

    @pytest.mark.parametrize(
        "tiers",
        [
            [],
            [{"name": "a", "max_products": 10, "monthly_price": "1"}],  # no unbounded tier
            [
                {"name": "a", "max_products": 10, "monthly_price": "1"},
                {"name": "b", "max_products": 5, "monthly_price": "2"},
                {"name": "c", "monthly_price": "3"},
            ],  # not ascending
        ],
    )
    def test_invalid_price_lists(self, tiers: list[dict[str, object]]) -> None:
        with pytest.raises(ValueError):
            PriceList.from_spec(tiers)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 11, 1), 1, date(2026, 12, 1)),
        (date(2026, 11, 1), 6, date(2027, 5, 1)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2026, 12, 15), 12, date(2027, 12, 15)),
    ],
)
def test_add_months(start: date, months: int, end: date) -> None:
    assert add_months(start, months) == end


def test_parse_month() -> None:
    assert parse_month("2026-11") == NOV
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month("11/2026")


@pytest.fixture
def billed_owner(session: Session, owner: User) -> User:
    """The owner with a company billing profile."""
    update_billing_profile(session, owner, BillingProfile("Owner s.r.o.", "Praha 1", "111", "CZ111", ""))
    return owner


class TestInvoices:
    def test_issued_to_the_owner_profile_with_amounts(self, session: Session, billed_owner: User, shop: Shop) -> None:
        record_exported_products(session, shop.id, 4_000)
        invoice = issue_invoice(session, shop.id, period_start=NOV, now=T0)
        assert invoice.number == "2026-000001"
        assert invoice.billed_to == {
            "name": "Owner s.r.o.",
            "address": "Praha 1",
            "company_id": "111",
            "vat_id": "CZ111",
            "invoice_email": "owner@example.com",
            "country": "",
            "currency": "CZK",
        }
        assert (invoice.tier, invoice.products, invoice.period_end, invoice.due_date) == (
            "medium",
            4_000,
            date(2026, 12, 1),
            date(2026, 11, 15),
        )
        session.commit()
        (stored,) = list_invoices(session, billed_owner, shop.id)
        assert (stored.net, stored.vat, stored.total, stored.vat_rate, stored.discount) == (
            Decimal("590.00"),
            Decimal("123.90"),
            Decimal("713.90"),
            Decimal("0.21"),
            Decimal("0"),
        )

    def test_numbers_are_sequential_per_year(self, session: Session, make_user: UserFactory) -> None:
        numbers = [next_invoice_number(session, 2026) for _ in range(3)] + [next_invoice_number(session, 2027)]
        assert numbers == ["2026-000001", "2026-000002", "2026-000003", "2027-000001"]

    def test_a_period_is_invoiced_once(self, session: Session, owner: User, shop: Shop) -> None:
        first = issue_invoice(session, shop.id, period_start=NOV, now=T0)
        with pytest.raises(PeriodAlreadyInvoiced) as clash:
            issue_invoice(session, shop.id, period_start=date(2026, 11, 15), now=T0)
        assert clash.value.number == first.number

    def test_change_of_period_applies_from_the_next_period(self, session: Session, owner: User, shop: Shop) -> None:
        issue_invoice(session, shop.id, period_start=NOV, now=T0)
        change_billing_period(session, owner, shop.id, "yearly")
        assert (shop.billing_period, shop.next_billing_period) == ("monthly", "yearly")
        december = issue_invoice(session, shop.id, period_start=date(2026, 12, 1), now=T0)
        assert (december.billing_period, december.months, december.period_end) == ("yearly", 12, date(2027, 12, 1))
        assert (shop.billing_period, shop.next_billing_period) == ("yearly", None)

    def test_period_change_before_any_invoice_is_immediate(self, session: Session, owner: User, shop: Shop) -> None:
        change_billing_period(session, owner, shop.id, "half-yearly")
        assert issue_invoice(session, shop.id, period_start=NOV, now=T0).months == 6

    def test_billing_is_owner_only(self, session: Session, make_user: UserFactory, shop: Shop) -> None:
        writer = make_user("writer@example.com")
        session.add(Membership(shop_id=shop.id, user_id=writer.id, level=Level.WRITE))
        with pytest.raises(NoShopAccess):
            list_invoices(session, writer, shop.id)
        with pytest.raises(NoShopAccess):
            change_billing_period(session, writer, shop.id, "yearly")

    def test_unknown_invoice(self, session: Session) -> None:
        with pytest.raises(InvoiceNotFound):
            record_payment(session, "2026-999999")


class TestTrialAndSuspension:
    def test_reminder_five_days_before_the_end_sent_once(
        self, session: Session, owner: User, mailer: MemoryMailer
    ) -> None:
        shop = create_shop(session, owner, name="Trial shop", now=T0)
        create_shop(session, owner, name="Younger", now=T0 + timedelta(days=2))
        assert send_trial_reminders(session, mailer, base_url=BASE_URL, now=T0 + timedelta(days=24, hours=23)) == []
        assert send_trial_reminders(session, mailer, base_url=BASE_URL, now=T0 + timedelta(days=25)) == [shop.id]
        assert send_trial_reminders(session, mailer, base_url=BASE_URL, now=T0 + timedelta(days=26)) == []
        (message,) = mailer.messages
        assert message["To"] == "owner@example.com" and "Trial shop" in message["Subject"]
        assert "2026-12-01" in message.get_content() and f"{BASE_URL}/shops/{shop.id}/billing" in message.get_content()
        assert shop.trial_reminder_sent_at == T0 + timedelta(days=25)

    def test_paid_shop_gets_no_reminder(self, session: Session, owner: User, mailer: MemoryMailer) -> None:
        shop = create_shop(session, owner, name="Paid", now=T0)
        record_payment(session, issue_invoice(session, shop.id, period_start=NOV, now=T0).number, now=T0)
        assert send_trial_reminders(session, mailer, base_url=BASE_URL, now=T0 + timedelta(days=26)) == []

    def test_trial_end_stops_runs_until_paid(self, session: Session, owner: User) -> None:
        shop = create_shop(session, owner, name="Trial", now=T0)
        assert shop_may_run(session, shop.id, now=T0 + timedelta(days=29)) == (True, "trial")
        may, reason = shop_may_run(session, shop.id, now=T0 + timedelta(days=30))
        assert not may and "trial has ended" in reason
        invoice = issue_invoice(session, shop.id, period_start=date(2026, 12, 1), now=T0 + timedelta(days=30))
        record_payment(session, invoice.number, now=T0 + timedelta(days=31))
        assert shop_may_run(session, shop.id, now=T0 + timedelta(days=31)) == (True, "active")

    def test_overdue_then_suspended_and_payment_reactivates(self, session: Session, owner: User, shop: Shop) -> None:
        shop.status = ShopStatus.ACTIVE  # paid before
        invoice = issue_invoice(session, shop.id, period_start=NOV, now=T0)  # due 2026-11-15
        assert mark_overdue_shops(session, now=datetime(2026, 11, 15, 23, 0, tzinfo=UTC)) == []
        assert mark_overdue_shops(session, now=datetime(2026, 11, 16, 0, 1, tzinfo=UTC)) == [shop.id]
        assert shop.status is ShopStatus.OVERDUE and shop_may_run(session, shop.id) == (True, "overdue")
        assert suspend_overdue_shops(session, now=datetime(2026, 11, 29, 23, 0, tzinfo=UTC)) == []
        assert suspend_overdue_shops(session, now=datetime(2026, 11, 30, 0, 1, tzinfo=UTC)) == [shop.id]
        assert shop.status is ShopStatus.SUSPENDED
        may, why = shop_may_run(session, shop.id)
        assert not may and f"pay invoice {invoice.number} (350.90 CZK, due 2026-11-15)" in why
        record_payment(session, invoice.number, now=datetime(2026, 12, 2, tzinfo=UTC))
        assert shop.status is ShopStatus.ACTIVE and shop_may_run(session, shop.id) == (True, "active")
        assert shop.next_invoice_on == date(2026, 12, 2)  # the suspended days are not billed

    def test_a_shop_in_its_trial_is_never_suspended(self, session: Session, owner: User, shop: Shop) -> None:
        issue_invoice(session, shop.id, period_start=NOV, now=T0)
        later = datetime(2027, 1, 1, tzinfo=UTC)
        assert (mark_overdue_shops(session, now=later), suspend_overdue_shops(session, now=later)) == ([], [])
        assert shop.status is ShopStatus.TRIAL
        may, why = shop_may_run(session, shop.id, now=later)
        assert not may and why.startswith("the trial has ended: pay invoice 2026-000001")

    def test_payment_of_one_invoice_keeps_suspension_while_another_is_overdue(
        self, session: Session, owner: User, shop: Shop
    ) -> None:
        shop.status = ShopStatus.OVERDUE
        nov = issue_invoice(session, shop.id, period_start=NOV, now=T0)
        issue_invoice(session, shop.id, period_start=date(2026, 12, 1), now=T0)
        later = datetime(2026, 12, 20, tzinfo=UTC)
        suspend_overdue_shops(session, now=later)
        record_payment(session, nov.number, now=later)
        assert shop.status is ShopStatus.SUSPENDED

    def test_missing_shop_may_not_run(self, session: Session) -> None:
        assert shop_may_run(session, 12345)[0] is False

    def test_invoices_follow_the_owner_after_a_transfer(
        self, session: Session, owner: User, shop: Shop, make_user: UserFactory, mailer: MemoryMailer
    ) -> None:
        from accounts import accept_transfer, start_transfer

        heir = make_user("heir@example.com")
        before = issue_invoice(session, shop.id, period_start=NOV, now=T0)
        _, token = start_transfer(session, owner, shop.id, to_email=heir.email, mailer=mailer, base_url=BASE_URL)
        accept_transfer(session, heir, token)
        after = issue_invoice(session, shop.id, period_start=date(2026, 12, 1), now=T0)
        assert (before.billed_user_id, after.billed_user_id) == (owner.id, heir.id)
        assert after.billed_to["invoice_email"] == "heir@example.com"
        assert [i.number for i in list_invoices(session, heir, shop.id)] == [before.number, after.number]
