"""Invitations: existing accounts only, hashed single-use tokens, expiry, revoke, re-send, bound email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import (
    Level,
    MemoryMailer,
    Shop,
    User,
    accept_invitation,
    delete_shop,
    invite_member,
    list_my_invitations,
    list_shop_invitations,
    resend_invitation,
    revoke_invitation,
)
from accounts.access import level_in
from accounts.audit import list_audit
from accounts.errors import (
    AlreadyMember,
    EmailNotVerified,
    InvitationInvalid,
    InvitationWrongAccount,
    LevelNotGrantable,
    NoShopAccess,
    UserNotFound,
    mask_email,
)
from accounts.models import Invitation, InvitationStatus, Membership
from accounts.tokens import hash_token
from accounts.types import utcnow
from tests.accounts.conftest import BASE_URL, UserFactory, link_token


@pytest.fixture
def invitee(make_user: UserFactory) -> User:
    """A verified account to invite."""
    return make_user("ivan@example.com")


def invite(
    session: Session,
    owner: User,
    shop: Shop,
    mailer: MemoryMailer,
    level: Level = Level.WRITE,
    email: str = "ivan@example.com",
) -> tuple[Invitation, str]:
    return invite_member(session, owner, shop.id, email=email, level=level, mailer=mailer, base_url=BASE_URL)


class TestInvite:
    def test_email_carries_the_accept_link(
        self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer
    ) -> None:
        invitation, token = invite(session, owner, shop, mailer, email="IVAN@example.com")
        (message,) = mailer.messages
        assert message["To"] == "ivan@example.com" and "Bikes & Co" in message["Subject"]
        assert link_token(message, "invitations") == token
        assert "write access" in message.get_content()
        assert len(token) >= 43  # 256 bits in urlsafe base64
        assert invitation.token_hash == hash_token(token) and token not in invitation.token_hash
        assert invitation.expires_at - utcnow() == pytest.approx(timedelta(days=7), abs=timedelta(minutes=1))

    def test_invitee_must_have_an_account(
        self, session: Session, owner: User, shop: Shop, mailer: MemoryMailer
    ) -> None:
        with pytest.raises(UserNotFound, match="sign up"):
            invite(session, owner, shop, mailer, email="stranger@example.com")
        assert mailer.messages == []

    def test_owner_level_cannot_be_invited(
        self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer
    ) -> None:
        with pytest.raises(LevelNotGrantable, match="^an owner cannot grant owner access; ownership moves only by"):
            invite(session, owner, shop, mailer, level=Level.OWNER)

    @pytest.mark.parametrize("level", [Level.WRITE, Level.READ])
    def test_members_cannot_invite(
        self, session: Session, shop: Shop, invitee: User, make_user: UserFactory, mailer: MemoryMailer, level: Level
    ) -> None:
        member = make_user("member@example.com")
        session.add(Membership(shop_id=shop.id, user_id=member.id, level=level))
        with pytest.raises(NoShopAccess):
            invite(session, member, shop, mailer, level=Level.READ)

    def test_existing_member_and_owner_are_refused(
        self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer
    ) -> None:
        session.add(Membership(shop_id=shop.id, user_id=invitee.id, level=Level.READ))
        with pytest.raises(AlreadyMember):
            invite(session, owner, shop, mailer)
        with pytest.raises(AlreadyMember):
            invite(session, owner, shop, mailer, email="owner@example.com")

    def test_inviting_again_replaces_the_pending_invitation(
        self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer
    ) -> None:
        first, old_token = invite(session, owner, shop, mailer, level=Level.WRITE)
        second, new_token = invite(session, owner, shop, mailer, level=Level.READ)
        assert first.id == second.id and second.level is Level.READ
        with pytest.raises(InvitationInvalid):
            accept_invitation(session, invitee, old_token)
        assert accept_invitation(session, invitee, new_token).level is Level.READ

    def test_an_expired_invitation_does_not_block_a_new_one(
        self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer
    ) -> None:
        long_ago = datetime(2020, 1, 1, tzinfo=UTC)
        expired, old_token = invite_member(
            session, owner, shop.id, email=invitee.email, level=Level.READ, mailer=mailer, base_url=BASE_URL,
            now=long_ago,
        )
        assert list_my_invitations(session, invitee) == []  # expired: no longer offered
        fresh, new_token = invite(session, owner, shop, mailer, level=Level.WRITE)
        assert fresh.expires_at > utcnow() and fresh.level is Level.WRITE
        with pytest.raises(InvitationInvalid, match="unknown"):
            accept_invitation(session, invitee, old_token)
        assert accept_invitation(session, invitee, new_token).level is Level.WRITE
        pending = select(Invitation).where(Invitation.shop_id == shop.id, Invitation.status == InvitationStatus.PENDING)
        assert session.scalars(pending).all() == []


class TestAccept:
    @pytest.mark.parametrize("level", [Level.WRITE, Level.READ])
    def test_grants_exactly_the_invited_level(
        self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer, level: Level
    ) -> None:
        _, token = invite(session, owner, shop, mailer, level=level)
        accept_invitation(session, invitee, token)
        assert level_in(session, invitee, shop) is level
        assert [e.action for e in list_audit(session, owner, shop.id)][-2:] == [
            "invitation.sent",
            "invitation.accepted",
        ]

    def test_single_use(self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer) -> None:
        _, token = invite(session, owner, shop, mailer)
        accept_invitation(session, invitee, token)
        with pytest.raises(InvitationInvalid, match="already accepted"):
            accept_invitation(session, invitee, token)
        assert len(session.scalars(select(Membership).where(Membership.user_id == invitee.id)).all()) == 1

    def test_expires_after_seven_days(
        self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer
    ) -> None:
        invitation, token = invite(session, owner, shop, mailer)
        with pytest.raises(InvitationInvalid, match="expired"):
            accept_invitation(session, invitee, token, now=invitation.expires_at)
        accept_invitation(session, invitee, token, now=invitation.expires_at - timedelta(seconds=1))

    def test_only_the_invited_account(
        self, session: Session, owner: User, shop: Shop, invitee: User, make_user: UserFactory, mailer: MemoryMailer
    ) -> None:
        _, token = invite(session, owner, shop, mailer)
        other = make_user("other@example.com")
        with pytest.raises(InvitationWrongAccount) as wrong:
            accept_invitation(session, other, token)
        # whoever holds the link reads this: a hint for the invitee, not the address
        assert wrong.value.message == "this invitation was sent to another email; sign in as i***@example.com"
        assert wrong.value.masked_email == "i***@example.com" and not hasattr(wrong.value, "email")
        assert level_in(session, other, shop) is None

    def test_needs_a_verified_email(
        self, session: Session, owner: User, shop: Shop, make_user: UserFactory, mailer: MemoryMailer
    ) -> None:
        unverified = make_user("ivan@example.com", verified=False)
        _, token = invite(session, owner, shop, mailer)
        with pytest.raises(EmailNotVerified):
            accept_invitation(session, unverified, token)

    def test_unknown_token(self, session: Session, invitee: User) -> None:
        with pytest.raises(InvitationInvalid, match="unknown"):
            accept_invitation(session, invitee, "x" * 43)

    def test_deleted_shop(self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer) -> None:
        _, token = invite(session, owner, shop, mailer)
        delete_shop(session, owner, shop.id)
        with pytest.raises(InvitationInvalid, match="deleted"):
            accept_invitation(session, invitee, token)


class TestRevokeResend:
    def test_revoked_link_stops_working(
        self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer
    ) -> None:
        invitation, token = invite(session, owner, shop, mailer)
        revoke_invitation(session, owner, shop.id, invitation.id)
        assert invitation.status is InvitationStatus.REVOKED
        with pytest.raises(InvitationInvalid, match="revoked"):
            accept_invitation(session, invitee, token)
        with pytest.raises(InvitationInvalid):
            revoke_invitation(session, owner, shop.id, invitation.id)

    def test_resend_invalidates_the_old_link(
        self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer
    ) -> None:
        invitation, old = invite(session, owner, shop, mailer)
        new = resend_invitation(session, owner, shop.id, invitation.id, mailer=mailer, base_url=BASE_URL)
        assert new != old and link_token(mailer.messages[-1], "invitations") == new
        with pytest.raises(InvitationInvalid, match="unknown"):
            accept_invitation(session, invitee, old)
        accept_invitation(session, invitee, new)

    def test_invitation_of_another_shop_cannot_be_revoked_through_mine(
        self, session: Session, owner: User, shop: Shop, invitee: User, make_user: UserFactory, mailer: MemoryMailer
    ) -> None:
        from accounts import create_shop

        invitation, _ = invite(session, owner, shop, mailer)
        other_owner = make_user("other@example.com")
        mine = create_shop(session, other_owner, name="Mine")
        with pytest.raises(InvitationInvalid):
            revoke_invitation(session, other_owner, mine.id, invitation.id)
        assert invitation.status is InvitationStatus.PENDING


def test_pending_lists_for_owner_and_invitee(
    session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer
) -> None:
    invitation, token = invite(session, owner, shop, mailer, level=Level.READ)
    for listed in (list_shop_invitations(session, owner, shop.id), list_my_invitations(session, invitee)):
        assert [(v.invitation_id, v.shop_name, v.email, v.level) for v in listed] == [
            (invitation.id, "Bikes & Co", "ivan@example.com", Level.READ)
        ]
    accept_invitation(session, invitee, token)
    assert list_shop_invitations(session, owner, shop.id) == list_my_invitations(session, invitee) == []


class TestMaskEmail:
    @pytest.mark.parametrize(
        ("email", "masked"),
        [
            ("bara@agency.cz", "b***@agency.cz"),
            ("b@agency.cz", "b***@agency.cz"),  # a one-letter name shows no more than a long one
            ("first.last+feeds@mail.example.com", "f***@mail.example.com"),
            ("no-at-sign", "***"),  # not an address: nothing of it is shown
        ],
    )
    def test_shows_the_first_character_and_the_domain(self, email: str, masked: str) -> None:
        assert mask_email(email) == masked
