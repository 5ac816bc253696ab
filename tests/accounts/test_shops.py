"""Shops: creation with trial, rename, soft delete and restore, "my shops"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import (
    Level,
    Shop,
    ShopStatus,
    User,
    create_project,
    create_shop,
    delete_shop,
    list_my_shops,
    rename_shop,
    restore_shop,
)
from accounts.audit import list_audit
from accounts.errors import InvalidName, NoShopAccess, ShopStateError, UnknownBillingPeriod
from accounts.models import AuditEntry, Membership
from accounts.published import ensure_links, resolve_link
from accounts.shops import ShopListing, purge_expired_shops
from feeds.project import ProjectSpec
from tests.accounts.conftest import UserFactory

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class TestCreate:
    def test_creator_owns_a_trial_of_30_days(self, session: Session, owner: User) -> None:
        shop = create_shop(session, owner, name="  Bikes   & Co ", now=T0)
        assert (shop.name, shop.owner_id, shop.status) == ("Bikes & Co", owner.id, ShopStatus.TRIAL)
        assert shop.trial_ends_at == T0 + timedelta(days=30)
        assert shop.billing_period == "monthly"
        # The owner is a column, not a membership row.
        assert session.scalars(select(Membership).where(Membership.shop_id == shop.id)).all() == []

    def test_unknown_period_is_refused(self, session: Session, owner: User) -> None:
        with pytest.raises(UnknownBillingPeriod) as unknown:
            create_shop(session, owner, name="X", period="weekly")
        assert unknown.value.known == ["monthly", "half-yearly", "yearly"]

    @pytest.mark.parametrize("name", ["", "   ", "x" * 201])
    def test_bad_names(self, session: Session, owner: User, name: str) -> None:
        with pytest.raises(InvalidName):
            create_shop(session, owner, name=name)


def test_rename_is_audited(session: Session, owner: User, shop: Shop) -> None:
    rename_shop(session, owner, shop.id, "Bicycles")
    assert shop.name == "Bicycles"
    assert [(e.actor_email, e.action, e.details) for e in list_audit(session, owner, shop.id)][-1] == (
        "owner@example.com",
        "shop.renamed",
        {"old": "Bikes & Co", "new": "Bicycles"},
    )


def test_write_member_cannot_rename(session: Session, make_user: UserFactory, shop: Shop) -> None:
    writer = make_user("writer@example.com")
    session.add(Membership(shop_id=shop.id, user_id=writer.id, level=Level.WRITE))
    with pytest.raises(NoShopAccess):
        rename_shop(session, writer, shop.id, "Mine now")


class TestDeleteRestore:
    def test_restore_within_grace_returns_previous_status(self, session: Session, owner: User, shop: Shop) -> None:
        delete_shop(session, owner, shop.id, now=T0)
        assert shop.status is ShopStatus.DELETED
        restore_shop(session, owner, shop.id, now=T0 + timedelta(days=30))
        assert (shop.status, shop.deleted_at) == (ShopStatus.TRIAL, None)

    def test_restore_after_grace_is_refused(self, session: Session, owner: User, shop: Shop) -> None:
        delete_shop(session, owner, shop.id, now=T0)
        with pytest.raises(ShopStateError, match="cannot be restored"):
            restore_shop(session, owner, shop.id, now=T0 + timedelta(days=30, seconds=1))

    def test_restore_of_live_shop_is_refused(self, session: Session, owner: User, shop: Shop) -> None:
        with pytest.raises(ShopStateError, match="not deleted"):
            restore_shop(session, owner, shop.id)

    def test_deleted_shop_stops_serving_its_feeds_until_restored(
        self, session: Session, owner: User, shop: Shop
    ) -> None:
        project = create_project(session, owner, shop.id, name="Main", spec=ProjectSpec(source="https://a.test/f.xml"))
        link = ensure_links(session, project, ["heureka"])["heureka"]
        assert resolve_link(session, link.token) is link
        delete_shop(session, owner, shop.id)
        assert resolve_link(session, link.token) is None
        restore_shop(session, owner, shop.id)
        assert resolve_link(session, link.token) is link  # the same URL: nobody has to update the channel

    def test_suspended_shop_keeps_serving_its_feeds(self, session: Session, owner: User, shop: Shop) -> None:
        project = create_project(session, owner, shop.id, name="Main", spec=ProjectSpec(source="https://a.test/f.xml"))
        link = ensure_links(session, project, ["heureka"])["heureka"]
        shop.status = ShopStatus.SUSPENDED  # unpaid: scheduled runs stop, published feeds stay
        assert resolve_link(session, link.token) is link

    def test_past_the_grace_period_the_shop_is_gone_with_its_projects_and_members(
        self, session: Session, make_user: UserFactory, owner: User, shop: Shop
    ) -> None:
        writer = make_user("writer@example.com")
        session.add(Membership(shop_id=shop.id, user_id=writer.id, level=Level.WRITE))
        project = create_project(session, owner, shop.id, name="Main", spec=ProjectSpec(source="https://a.test/f.xml"))
        token = ensure_links(session, project, ["heureka"])["heureka"].token
        delete_shop(session, owner, shop.id, now=T0)
        assert purge_expired_shops(session, now=T0 + timedelta(days=30)) == {}  # still restorable
        assert purge_expired_shops(session, now=T0 + timedelta(days=30, seconds=1)) == {shop.id: [project.id]}
        session.expire_all()
        assert shop.status is ShopStatus.GONE and session.get(Shop, shop.id) is shop  # kept for its invoices
        assert session.scalars(select(Membership).where(Membership.shop_id == shop.id)).all() == []
        assert resolve_link(session, token) is None
        assert list_my_shops(session, owner) == list_my_shops(session, writer) == []
        with pytest.raises(NoShopAccess):
            restore_shop(session, owner, shop.id, now=T0 + timedelta(days=31))
        entries = select(AuditEntry).where(AuditEntry.shop_id == shop.id).order_by(AuditEntry.id)
        last = session.scalars(entries).all()[-1]
        assert (last.action, last.actor_id) == ("shop.gone", None)

    def test_owner_account_survives_deletion(self, session: Session, owner: User, shop: Shop) -> None:
        delete_shop(session, owner, shop.id)
        session.commit()
        assert session.get(User, owner.id) is not None
        assert [s.status for s in list_my_shops(session, owner)] == [ShopStatus.DELETED]


def test_my_shops_lists_every_level_with_status(session: Session, make_user: UserFactory) -> None:
    agency = make_user("agency@example.com")
    client_a, client_b = make_user("a@example.com"), make_user("b@example.com")
    own = create_shop(session, agency, name="Agency own")
    a_shop = create_shop(session, client_a, name="Client A")
    b_shop = create_shop(session, client_b, name="Client B")
    hidden = create_shop(session, client_b, name="Not shared")
    session.add(Membership(shop_id=a_shop.id, user_id=agency.id, level=Level.WRITE))
    session.add(Membership(shop_id=b_shop.id, user_id=agency.id, level=Level.READ))
    session.flush()
    delete_shop(session, client_b, b_shop.id)  # deleted shops vanish for members
    assert hidden.id not in {s.shop_id for s in list_my_shops(session, agency)}
    assert list_my_shops(session, agency) == [
        ShopListing(own.id, "Agency own", Level.OWNER, ShopStatus.TRIAL, "agency@example.com"),
        ShopListing(a_shop.id, "Client A", Level.WRITE, ShopStatus.TRIAL, "a@example.com"),
    ]
