"""Members of a shop: who sees whom, changing levels, removing, leaving.

The owner is not a member (it is a column on the shop), so none of these can leave a shop ownerless.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import audit
from accounts.access import access_shop, authorize, member_in, require
from accounts.errors import LevelNotGrantable, MemberNotFound, OwnerCannotLeave
from accounts.models import Membership, Shop, User
from accounts.profiles import Area, Perm
from accounts.roles import Action, Level, can_grant
from accounts.shop_profiles import check_grant, check_reach


@dataclass(frozen=True)
class MemberView:
    """One line of the member list."""

    user_id: int
    email: str
    level: Level
    profiles: list[str]  # the owner holds "owner"
    project_ids: list[int] | None = None  # None: every project


def list_members(session: Session, actor: User, shop_id: int) -> list[MemberView]:
    """The owner first, then members by email; to those who may not manage members, only the owner and yourself."""
    shop = access_shop(session, actor, shop_id, Action.VIEW_MEMBERS).shop
    member = member_in(session, actor, shop)
    manages = member is not None and authorize(member, Area.MEMBERS, Perm.EDIT) is not None
    owner_email = session.scalars(select(User.email).where(User.id == shop.owner_id)).one()
    query = select(Membership.user_id, User.email, Membership.level, Membership.profiles, Membership.project_ids)
    query = query.join(User, User.id == Membership.user_id)
    query = query.where(Membership.shop_id == shop.id, User.token_shop_id.is_(None)).order_by(User.email)
    if not manages:
        query = query.where(Membership.user_id == actor.id)
    members = [
        MemberView(user_id, email, lvl, profiles or [lvl.label], scope)
        for user_id, email, lvl, profiles, scope in session.execute(query)
    ]
    return [MemberView(shop.owner_id, owner_email, Level.OWNER, ["owner"]), *members]


def change_member_level(
    session: Session, actor: User, shop_id: int, user_id: int, level: Level
) -> Membership:
    """Set a member's level; owner is never granted this way (transfer the shop instead)."""
    shop, actor_level = access_shop(session, actor, shop_id, Action.MANAGE_MEMBERS, lock=True)
    if not can_grant(actor_level, level):
        raise LevelNotGrantable(level.label, actor_level.label)
    membership = _membership(session, shop, user_id)
    check_grant(session, actor, shop, [level.label], membership.project_ids)  # within the actor's projects
    old, membership.level, membership.profiles = membership.level, level, [level.label]  # the level's profile
    audit.record(
        session,
        shop_id=shop.id,
        actor=actor,
        action="member.level_changed",
        user_id=user_id,
        old=old.label,
        new=level.label,
    )
    return membership


def remove_member(session: Session, actor: User, shop_id: int, user_id: int) -> None:
    """Take a member's access away (members:delete, within the actor's projects); not the owner's."""
    shop = access_shop(session, actor, shop_id, Action.VIEW_MEMBERS, lock=True).shop
    require(session, actor, shop.id, Area.MEMBERS, Perm.DELETE)
    membership = _membership(session, shop, user_id)
    check_reach(session, actor, shop, membership.project_ids)
    session.delete(membership)
    audit.record(session, shop_id=shop.id, actor=actor, action="member.removed", user_id=user_id)


def leave_shop(session: Session, actor: User, shop_id: int) -> None:
    """Give up your own access; the owner must transfer the shop first."""
    shop = access_shop(session, actor, shop_id, Action.VIEW, lock=True).shop
    membership = _membership(session, shop, actor.id)
    session.delete(membership)
    audit.record(session, shop_id=shop.id, actor=actor, action="member.left")


def _membership(session: Session, shop: Shop, user_id: int) -> Membership:
    if user_id == shop.owner_id:
        raise OwnerCannotLeave(shop.id)
    membership = session.scalars(  # a shop token's membership is the tokens area's (accounts.shop_tokens)
        select(Membership).join(User, User.id == Membership.user_id)
        .where(Membership.shop_id == shop.id, Membership.user_id == user_id, User.token_shop_id.is_(None))
        .with_for_update()
    ).one_or_none()
    if membership is None:
        raise MemberNotFound(shop.id, user_id)
    return membership
