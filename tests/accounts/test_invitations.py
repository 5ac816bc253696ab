"""Invitations: existing accounts only, hashed single-use tokens, expiry, revoke, re-send, bound email."""

from __future__ import annotations

import contextlib
import json
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
from accounts.audit import list_account_audit, list_audit
from accounts.errors import (
    AlreadyMember,
    EmailNotVerified,
    InvitationInvalid,
    InvitationsThrottled,
    InvitationWrongAccount,
    LevelNotGrantable,
    NoShopAccess,
    UserNotFound,
    mask_email,
)
from accounts.models import AuditEntry, Invitation, InvitationStatus, Membership
from accounts.throttle import INVITE_ACTIONS, InviteLimits
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


def invites_sent_at(session: Session, shop: Shop) -> list[datetime]:
    """When each invitation email of the shop went out, as the audit log recorded it, oldest first."""
    query = select(AuditEntry.created_at).where(AuditEntry.shop_id == shop.id, AuditEntry.action.in_(INVITE_ACTIONS))
    return list(session.scalars(query.order_by(AuditEntry.id)))


class TestLimits:
    def test_a_shop_sends_its_limit_an_hour_and_is_told_when_the_next_may_go(
        self, session: Session, owner: User, shop: Shop, make_user: UserFactory, mailer: MemoryMailer
    ) -> None:
        limits = InviteLimits(per_shop_hour=3, per_user_hour=100)
        emails = [make_user(f"member{n}@example.com").email for n in range(4)]
        for email in emails[:3]:
            invite_member(session, owner, shop.id, email=email, level=Level.READ, mailer=mailer, base_url=BASE_URL,
                          limits=limits)
        first = invites_sent_at(session, shop)[0]
        with pytest.raises(InvitationsThrottled) as throttled:
            invite_member(session, owner, shop.id, email=emails[3], level=Level.READ, mailer=mailer,
                          base_url=BASE_URL, limits=limits, now=first + timedelta(minutes=50))
        assert throttled.value.message == (
            "this shop has reached its limit of 3 invitations an hour; the next can go out in 10 minutes")
        assert (throttled.value.scope, throttled.value.limit, throttled.value.retry_after_s) == ("shop", 3, 600)
        assert len(mailer.messages) == 3 and len(invites_sent_at(session, shop)) == 3
        invite_member(session, owner, shop.id, email=emails[3], level=Level.READ, mailer=mailer, base_url=BASE_URL,
                      limits=limits, now=first + timedelta(hours=1, seconds=1))  # the first one aged out
        assert len(mailer.messages) == 4

    def test_re_sending_counts_as_an_invitation(
        self, session: Session, owner: User, shop: Shop, invitee: User, make_user: UserFactory, mailer: MemoryMailer
    ) -> None:
        limits = InviteLimits(per_shop_hour=2, per_user_hour=100)
        invitation, _ = invite_member(session, owner, shop.id, email=invitee.email, level=Level.READ, mailer=mailer,
                                      base_url=BASE_URL, limits=limits)
        resend_invitation(session, owner, shop.id, invitation.id, mailer=mailer, base_url=BASE_URL, limits=limits)
        with pytest.raises(InvitationsThrottled, match="^this shop has reached its limit of 2 invitations an hour"):
            resend_invitation(session, owner, shop.id, invitation.id, mailer=mailer, base_url=BASE_URL, limits=limits)
        with pytest.raises(InvitationsThrottled):
            invite_member(session, owner, shop.id, email=make_user("other@example.com").email, level=Level.READ,
                          mailer=mailer, base_url=BASE_URL, limits=limits)
        assert len(mailer.messages) == 2

    def test_a_user_is_limited_over_all_their_shops(
        self, session: Session, owner: User, shop: Shop, make_user: UserFactory, mailer: MemoryMailer
    ) -> None:
        from accounts import create_shop

        limits = InviteLimits(per_shop_hour=50, per_user_hour=2)
        other_shop = create_shop(session, owner, name="Lampy")
        first, second, third = (make_user(f"client{n}@example.com").email for n in range(3))
        invite_member(session, owner, shop.id, email=first, level=Level.READ, mailer=mailer, base_url=BASE_URL,
                      limits=limits)
        invite_member(session, owner, other_shop.id, email=second, level=Level.READ, mailer=mailer, base_url=BASE_URL,
                      limits=limits)
        with pytest.raises(InvitationsThrottled) as throttled:
            invite_member(session, owner, other_shop.id, email=third, level=Level.READ, mailer=mailer,
                          base_url=BASE_URL, limits=limits, now=invites_sent_at(session, shop)[0])
        assert throttled.value.message == ("you have reached your limit of 2 invitations an hour, over all your shops; "
                                           "the next can go out in 60 minutes")
        assert (throttled.value.scope, throttled.value.retry_after_s) == ("user", 3600)

    def test_the_defaults_are_more_than_an_honest_agency_sends_and_the_settings_keep_them(self) -> None:
        from feedhub.settings import Settings

        assert InviteLimits() == Settings().invite_limits == InviteLimits(per_shop_hour=50, per_user_hour=100)


def refusals(session: Session) -> list[tuple[int | None, int | None, dict[str, object]]]:
    """(shop, actor, details) of every refused acceptance in the audit log, oldest first."""
    query = select(AuditEntry).where(AuditEntry.action == "invitation.refused").order_by(AuditEntry.id)
    return [(entry.shop_id, entry.actor_id, entry.details) for entry in session.scalars(query)]


class TestRefusedAcceptanceIsAudited:
    def test_wrong_account(
        self, session: Session, owner: User, shop: Shop, invitee: User, make_user: UserFactory, mailer: MemoryMailer
    ) -> None:
        invitation, token = invite(session, owner, shop, mailer)
        other = make_user("other@example.com")
        with pytest.raises(InvitationWrongAccount):
            accept_invitation(session, other, token)
        assert refusals(session) == [
            (shop.id, other.id, {"invitation_id": invitation.id, "email": invitee.email, "reason": "wrong account"})]

    @pytest.mark.parametrize("why", ["expired", "already accepted", "already revoked", "the shop was deleted"])
    def test_a_dead_link(
        self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer, why: str
    ) -> None:
        invitation, token = invite(session, owner, shop, mailer)
        now = None
        if why == "expired":
            now = invitation.expires_at
        elif why == "already accepted":  # the link replayed
            accept_invitation(session, invitee, token)
        elif why == "already revoked":
            revoke_invitation(session, owner, shop.id, invitation.id)
        else:
            delete_shop(session, owner, shop.id)
        with pytest.raises(InvitationInvalid, match=why):
            accept_invitation(session, invitee, token, now=now)
        assert refusals(session) == [
            (shop.id, invitee.id, {"invitation_id": invitation.id, "email": invitee.email, "reason": why})]

    def test_an_unverified_account(
        self, session: Session, owner: User, shop: Shop, make_user: UserFactory, mailer: MemoryMailer
    ) -> None:
        unverified = make_user("ivan@example.com", verified=False)
        invitation, token = invite(session, owner, shop, mailer)
        with pytest.raises(EmailNotVerified):
            accept_invitation(session, unverified, token)
        assert refusals(session) == [(shop.id, unverified.id, {"invitation_id": invitation.id,
                                                               "email": unverified.email,
                                                               "reason": "email not verified"})]

    def test_an_account_with_access_already(
        self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer
    ) -> None:
        invitation, token = invite(session, owner, shop, mailer)
        session.add(Membership(shop_id=shop.id, user_id=invitee.id, level=Level.READ))  # joined another way meanwhile
        with pytest.raises(AlreadyMember):
            accept_invitation(session, invitee, token)
        assert refusals(session) == [(shop.id, invitee.id, {"invitation_id": invitation.id, "email": invitee.email,
                                                            "reason": "already has access"})]

    def test_a_replaced_link_is_audited_on_the_account_that_tried_it(
        self, session: Session, owner: User, shop: Shop, invitee: User, mailer: MemoryMailer
    ) -> None:
        invitation, old = invite(session, owner, shop, mailer)
        resend_invitation(session, owner, shop.id, invitation.id, mailer=mailer, base_url=BASE_URL)
        with pytest.raises(InvitationInvalid, match="unknown"):
            accept_invitation(session, invitee, old)
        assert refusals(session) == [(None, invitee.id, {"reason": "unknown or replaced link"})]
        assert [(e.action, e.details) for e in list_account_audit(session, invitee)][:1] == [
            ("invitation.refused", {"reason": "unknown or replaced link"})]

    def test_no_entry_holds_the_token_or_its_hash(
        self, session: Session, owner: User, shop: Shop, invitee: User, make_user: UserFactory, mailer: MemoryMailer
    ) -> None:
        _, token = invite(session, owner, shop, mailer)
        for actor in (make_user("other@example.com"), invitee, invitee):
            with contextlib.suppress(InvitationInvalid):
                accept_invitation(session, actor, token)
        logged = json.dumps([details for _, _, details in refusals(session)])
        assert len(refusals(session)) == 2 and token not in logged and hash_token(token) not in logged
