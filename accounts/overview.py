"""Everything about one shop on one page: status, billing period, members, invitations, transfer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.access import access_shop, authorize, member_in
from accounts.invitations import InvitationView, list_shop_invitations
from accounts.lifecycle import standing
from accounts.members import MemberView, list_members
from accounts.models import ShopStatus, User
from accounts.profiles import Area, Perm
from accounts.roles import Action, Level
from accounts.transfers import pending_transfer


@dataclass(frozen=True)
class TransferState:
    """A pending transfer as the owner sees it."""

    to_email: str
    expires_at: datetime


@dataclass(frozen=True)
class ShopOverview:
    """What `feedhub shop show` and the shop page display; owner-only parts are empty below owner."""

    shop_id: int
    name: str
    status: ShopStatus
    standing: str  # the status in words, with what the owner can do about it
    level: Level
    billing_period: str
    next_billing_period: str | None
    trial_ends_at: datetime
    members: list[MemberView]
    invitations: list[InvitationView]
    transfer: TransferState | None


def describe_shop(session: Session, actor: User, shop_id: int) -> ShopOverview:
    """The overview of one shop as `actor` may see it."""
    shop, level = access_shop(session, actor, shop_id, Action.VIEW)
    invitations: list[InvitationView] = []
    transfer = None
    member = member_in(session, actor, shop)
    if member is not None and authorize(member, Area.MEMBERS, Perm.EDIT) is not None:  # who manages members
        invitations = list_shop_invitations(session, actor, shop_id)
    if level is Level.OWNER:
        pending = pending_transfer(session, shop.id)
        if pending is not None:
            to_email = session.scalars(select(User.email).where(User.id == pending.to_user_id)).one()
            transfer = TransferState(to_email, pending.expires_at)
    return ShopOverview(
        shop.id,
        shop.name,
        shop.status,
        standing(session, shop),
        level,
        shop.billing_period,
        shop.next_billing_period,
        shop.trial_ends_at,
        list_members(session, actor, shop_id),
        invitations,
        transfer,
    )
