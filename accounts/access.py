"""The one access check every shop service starts with, and its form for a shop's project.

Missing shops, deleted shops and shops the actor may not act on all raise the same `NoShopAccess`,
so nobody can probe which shops exist. A member whose level is too low gets `LevelTooLow` (a
`NoShopAccess`), which says so: they see the shop anyway.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session

from accounts.errors import LevelTooLow, NoShopAccess, ProjectNotFound
from accounts.models import Membership, Project, Shop, ShopStatus, User
from accounts.roles import Action, Level, allows


class ShopAccess(NamedTuple):
    """The shop and the actor's level in it."""

    shop: Shop
    level: Level


def access_shop(
    session: Session, actor: User, shop_id: int, action: Action, *, lock: bool = False
) -> ShopAccess:
    """Load the shop if `actor` may perform `action` on it; `lock` holds the row until commit.

    Lock when the service counts or changes what the shop row guards (owner, members, transfers):
    concurrent changes then queue behind each other instead of both passing the same check.
    """
    query = select(Shop).where(Shop.id == shop_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    shop = session.scalars(query).one_or_none()
    if shop is None or shop.status is ShopStatus.GONE or (shop.status.closed and action is not Action.RESTORE):
        raise NoShopAccess(shop_id, action.value)
    level = level_in(session, actor, shop)
    if level is None:
        raise NoShopAccess(shop_id, action.value)
    if not allows(level, action):
        raise LevelTooLow(shop_id, action.value, level)
    return ShopAccess(shop, level)


def level_in(session: Session, user: User, shop: Shop) -> Level | None:
    """The user's level in the shop, or None for an outsider."""
    if shop.owner_id == user.id:
        return Level.OWNER
    return session.scalar(
        select(Membership.level).where(Membership.shop_id == shop.id, Membership.user_id == user.id)
    )


def access_project(
    session: Session, actor: User, project_id: int, action: Action, *, lock: bool = False
) -> Project:
    """The project if the actor may `action` its shop; `lock` serializes revision numbering.

    Outsiders get ProjectNotFound, as for a missing project; a member whose level is too low gets
    LevelTooLow naming the project (they can see it anyway).
    """
    project = session.get(Project, project_id)
    if project is None:
        raise ProjectNotFound(project_id)
    try:
        access_shop(session, actor, project.shop_id, action)
    except LevelTooLow as exc:
        raise LevelTooLow(exc.shop_id, exc.action, exc.level, project_id=project_id) from exc
    except NoShopAccess as exc:  # a refused project must look like a missing one
        raise ProjectNotFound(project_id) from exc
    if lock:
        try:
            session.refresh(project, with_for_update=True)
        except InvalidRequestError as exc:  # deleted by a transaction that committed while we waited
            raise ProjectNotFound(project_id) from exc
    return project
