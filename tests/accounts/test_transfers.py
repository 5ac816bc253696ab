"""Shop transfers: one pending per shop, accept by token or in the app, cancel, nothing else changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import (
    Level,
    MemoryMailer,
    Shop,
    User,
    accept_transfer,
    accept_transfer_by_id,
    cancel_transfer,
    create_project,
    describe_shop,
    list_history,
    list_incoming_transfers,
    list_members,
    remove_member,
    save_revision,
    start_transfer,
)
from accounts.access import level_in
from accounts.audit import list_audit
from accounts.errors import NoShopAccess, TransferInvalid, TransferPending, UserNotFound
from accounts.models import Membership, Transfer, TransferStatus
from feeds.project import ProjectSpec
from tests.accounts.conftest import BASE_URL, UserFactory, link_token


@pytest.fixture
def heir(make_user: UserFactory) -> User:
    """The account the shop is offered to."""
    return make_user("heir@example.com")


def offer(session: Session, owner: User, shop: Shop, mailer: MemoryMailer, to: str = "heir@example.com"):  # type: ignore[no-untyped-def]
    return start_transfer(session, owner, shop.id, to_email=to, mailer=mailer, base_url=BASE_URL)


def test_accept_by_emailed_token_moves_ownership_and_keeps_everything(
    session: Session, owner: User, shop: Shop, heir: User, make_user: UserFactory, mailer: MemoryMailer
) -> None:
    reader = make_user("reader@example.com")
    session.add(Membership(shop_id=shop.id, user_id=reader.id, level=Level.READ))
    project = create_project(session, owner, shop.id, name="Main", spec=ProjectSpec(source="https://a.test/1.xml"))
    save_revision(session, owner, project.id, ProjectSpec(source="https://a.test/2.xml"))
    offer(session, owner, shop, mailer)
    accept_transfer(session, heir, link_token(mailer.messages[-1], "transfers"))
    assert shop.owner_id == heir.id
    assert level_in(session, owner, shop) is Level.WRITE  # the former owner keeps write
    assert level_in(session, reader, shop) is Level.READ
    assert [r.number for r in list_history(session, heir, project.id)] == [2, 1]
    assert [(m.email, m.level) for m in list_members(session, heir, shop.id)] == [
        ("heir@example.com", Level.OWNER),
        ("owner@example.com", Level.WRITE),
        ("reader@example.com", Level.READ),
    ]
    remove_member(session, heir, shop.id, owner.id)  # the new owner may drop the former one
    assert level_in(session, owner, shop) is None


def test_recipient_who_was_a_member_becomes_owner_without_a_membership(
    session: Session, owner: User, shop: Shop, heir: User, mailer: MemoryMailer
) -> None:
    session.add(Membership(shop_id=shop.id, user_id=heir.id, level=Level.WRITE))
    transfer, _ = offer(session, owner, shop, mailer)
    accept_transfer_by_id(session, heir, transfer.id)
    assert level_in(session, heir, shop) is Level.OWNER
    assert [m.email for m in list_members(session, heir, shop.id)].count("heir@example.com") == 1


def test_in_app_list_and_accept(session: Session, owner: User, shop: Shop, heir: User, mailer: MemoryMailer) -> None:
    transfer, _ = offer(session, owner, shop, mailer)
    (incoming,) = list_incoming_transfers(session, heir)
    assert (incoming.transfer_id, incoming.shop_name, incoming.from_email) == (
        transfer.id,
        "Bikes & Co",
        "owner@example.com",
    )
    accept_transfer_by_id(session, heir, transfer.id)
    assert transfer.status is TransferStatus.ACCEPTED and list_incoming_transfers(session, heir) == []


def test_only_one_pending_transfer(
    session: Session, owner: User, shop: Shop, heir: User, make_user: UserFactory, mailer: MemoryMailer
) -> None:
    make_user("other@example.com")
    offer(session, owner, shop, mailer)
    with pytest.raises(TransferPending):
        offer(session, owner, shop, mailer, to="other@example.com")
    cancel_transfer(session, owner, shop.id)
    offer(session, owner, shop, mailer, to="other@example.com")


def test_cancelled_transfer_cannot_be_accepted(
    session: Session, owner: User, shop: Shop, heir: User, mailer: MemoryMailer
) -> None:
    _, token = offer(session, owner, shop, mailer)
    cancel_transfer(session, owner, shop.id)
    with pytest.raises(TransferInvalid, match="already cancelled"):
        accept_transfer(session, heir, token)
    assert shop.owner_id == owner.id


def test_someone_else_cannot_accept(
    session: Session, owner: User, shop: Shop, heir: User, make_user: UserFactory, mailer: MemoryMailer
) -> None:
    transfer, token = offer(session, owner, shop, mailer)
    thief = make_user("thief@example.com")
    with pytest.raises(TransferInvalid, match="another account") as refused:
        accept_transfer(session, thief, token)
    assert "heir" not in refused.value.message  # the link's holder learns no address
    with pytest.raises(TransferInvalid, match="unknown"):
        accept_transfer_by_id(session, thief, transfer.id)
    assert shop.owner_id == owner.id


def test_expired(session: Session, owner: User, shop: Shop, heir: User, mailer: MemoryMailer) -> None:
    transfer, token = offer(session, owner, shop, mailer)
    with pytest.raises(TransferInvalid, match="expired"):
        accept_transfer(session, heir, token, now=transfer.expires_at)


def test_only_the_owner_transfers_to_an_existing_account(
    session: Session, owner: User, shop: Shop, heir: User, mailer: MemoryMailer
) -> None:
    session.add(Membership(shop_id=shop.id, user_id=heir.id, level=Level.WRITE))
    with pytest.raises(NoShopAccess):
        offer(session, heir, shop, mailer, to="heir@example.com")
    with pytest.raises(UserNotFound):
        offer(session, owner, shop, mailer, to="nobody@example.com")
    with pytest.raises(TransferInvalid):
        offer(session, owner, shop, mailer, to="owner@example.com")


def test_overview_shows_the_pending_transfer(
    session: Session, owner: User, shop: Shop, heir: User, mailer: MemoryMailer
) -> None:
    transfer, _ = offer(session, owner, shop, mailer)
    overview = describe_shop(session, owner, shop.id)
    assert overview.transfer is not None and overview.transfer.to_email == "heir@example.com"
    assert overview.transfer.expires_at == transfer.expires_at


class TestExpiredTransfer:
    LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)

    def offer_long_ago(self, session: Session, owner: User, shop: Shop, mailer: MemoryMailer) -> tuple[Transfer, str]:
        return start_transfer(
            session, owner, shop.id, to_email="heir@example.com", mailer=mailer, base_url=BASE_URL, now=self.LONG_AGO
        )

    def test_a_new_transfer_closes_the_expired_one(
        self, session: Session, owner: User, shop: Shop, heir: User, make_user: UserFactory, mailer: MemoryMailer
    ) -> None:
        expired, old_token = self.offer_long_ago(session, owner, shop, mailer)
        make_user("other@example.com")
        fresh, _ = offer(session, owner, shop, mailer, to="other@example.com")
        assert (expired.status, expired.decided_at) == (TransferStatus.EXPIRED, expired.expires_at)
        pending = select(Transfer.id).where(Transfer.shop_id == shop.id, Transfer.status == TransferStatus.PENDING)
        assert session.scalars(pending).all() == [fresh.id]  # the partial unique index still holds
        with pytest.raises(TransferInvalid, match="already expired"):
            accept_transfer(session, heir, old_token)
        actions = [(e.actor_email, e.action) for e in list_audit(session, owner, shop.id)]
        assert actions[-3:] == [
            ("owner@example.com", "transfer.started"),
            (None, "transfer.expired"),
            ("owner@example.com", "transfer.started"),
        ]

    def test_the_same_recipient_may_be_offered_the_shop_again(
        self, session: Session, owner: User, shop: Shop, heir: User, mailer: MemoryMailer
    ) -> None:
        self.offer_long_ago(session, owner, shop, mailer)
        _, token = offer(session, owner, shop, mailer)
        accept_transfer(session, heir, token)
        assert shop.owner_id == heir.id

    def test_an_expired_transfer_is_no_longer_pending(
        self, session: Session, owner: User, shop: Shop, heir: User, mailer: MemoryMailer
    ) -> None:
        self.offer_long_ago(session, owner, shop, mailer)
        assert describe_shop(session, owner, shop.id).transfer is None
        assert list_incoming_transfers(session, heir) == []
        with pytest.raises(TransferInvalid, match="no pending transfer"):
            cancel_transfer(session, owner, shop.id)
