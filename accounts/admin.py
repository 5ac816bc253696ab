"""The people who run a Feedhub instance: the admin CLI (the operator already holds the database, so
its views skip the access check) and administrators, accounts the operator marks with
`feedhub user admin EMAIL`, who see the same lists through the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.access import access_shop
from accounts.errors import AccountsError, NoShopAccess
from accounts.models import Membership, Shop, ShopStatus, User
from accounts.roles import Action


class NotAdmin(AccountsError):
    """The action is for the instance's administrators."""

    def __init__(self) -> None:
        super().__init__("only an administrator of this Feedhub may do this")


def require_admin(actor: User) -> User:
    """The actor, if they administer this instance."""
    if not actor.is_admin:
        raise NotAdmin()
    return actor


def set_admin(session: Session, email: str, *, admin: bool = True) -> User:
    """Make an account an administrator, or no longer one (the operator's command)."""
    from accounts.users import get_user

    user = get_user(session, email)
    user.is_admin = admin
    return user


@dataclass(frozen=True)
class UserSummary:
    """One account in the admin list."""

    user_id: int
    email: str
    verified: bool
    owned_shops: int
    memberships: int
    created_at: datetime


def list_users(session: Session) -> list[UserSummary]:
    """Every account by email, with how many shops it owns and accesses."""
    owned = select(func.count(Shop.id)).where(Shop.owner_id == User.id).scalar_subquery()
    member = select(func.count(Membership.id)).where(Membership.user_id == User.id).scalar_subquery()
    rows = session.execute(select(User, owned, member).order_by(User.email))
    return [UserSummary(u.id, u.email, u.verified, o, m, u.created_at) for u, o, m in rows]


@dataclass(frozen=True)
class ShopSummary:
    """One shop in the admin list."""

    shop_id: int
    name: str
    owner_email: str
    status: ShopStatus
    billing_period: str
    created_at: datetime


def list_all_shops(session: Session) -> list[ShopSummary]:
    """Every shop by id, deleted ones included."""
    rows = session.execute(select(Shop, User.email).join(User, User.id == Shop.owner_id).order_by(Shop.id))
    return [ShopSummary(s.id, s.name, e, s.status, s.billing_period, s.created_at) for s, e in rows]


def shop_owner(session: Session, shop_id: int) -> User:
    """The owner of a live shop, to act as when the operator names nobody."""
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise NoShopAccess(shop_id, Action.VIEW.value)
    owner = session.get_one(User, shop.owner_id)
    access_shop(session, owner, shop_id, Action.VIEW)  # refuses deleted shops like everyone else
    return owner
