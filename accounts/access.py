"""The one access check every shop service starts with, and its form for a shop's project.

Missing shops, deleted shops and shops the actor may not act on all raise the same `NoShopAccess`,
so nobody can probe which shops exist. A member whose profiles do not allow the action gets
`LevelTooLow` (a `NoShopAccess`), which says so: they see the shop anyway. A project outside a member's
project scope answers exactly like a missing one.

Both entry points map their `Action` to (areas, permission) through `accounts.profiles.ACTION_NEEDS`
and ask `authorize`, the one function that decides (member, area, permission, project, element).
Nothing is cached: every request reads the membership again, so a change of profiles applies at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session

from accounts.errors import (
    ElementNotAllowed,
    GrantRefused,
    LevelTooLow,
    NoShopAccess,
    ProfileRefused,
    ProjectNotFound,
)
from accounts.models import Membership, Project, Shop, ShopProfile, ShopStatus, User
from accounts.profiles import (
    ACTION_NEEDS,
    BUILTIN_PROFILES,
    PROJECT_AREAS,
    PROJECT_VIEW,
    Area,
    Perm,
    Profile,
    grants,
)
from accounts.roles import Action, Level

# session.info key: (user id, shop id) -> the profile the latest check allowed under, for the audit log
ALLOWED_BY = "feedhub.allowed_by"


class ShopAccess(NamedTuple):
    """The shop and the actor's level in it."""

    shop: Shop
    level: Level


@dataclass(frozen=True)
class Member:
    """What one user may do in one shop: the union of their profiles, within their project scope."""

    level: Level
    profiles: tuple[Profile, ...]
    project_ids: frozenset[int] | None = None  # None: every project

    @property
    def is_owner(self) -> bool:
        """The shop's owner (ownership is a column, never a profile a member holds)."""
        return self.level is Level.OWNER

    def sees(self, project_id: int) -> bool:
        """Whether the project is inside the member's scope."""
        return self.project_ids is None or project_id in self.project_ids


def authorize(
    member: Member, areas: Area | frozenset[Area], perm: Perm, *, project_id: int | None = None,
    element: str | None = None,
) -> str | None:
    """The name of a profile allowing `perm` on (any of) `areas`, or None: the one decision of access.

    A project area needs the project in the member's scope; without a project (the shop as a whole,
    e.g. adding a project) it needs an unscoped membership. With `element` (a rule's target), the
    profile's element limit must include it.
    """
    wanted = frozenset({areas}) if isinstance(areas, Area) else areas
    if wanted & PROJECT_AREAS and member.project_ids is not None:
        if project_id is None or project_id not in member.project_ids:
            wanted = wanted - PROJECT_AREAS
    for profile in member.profiles:
        if any(profile.allows(area, perm) for area in wanted) and (
            element is None or profile.elements is None or element in profile.elements
        ):
            return profile.name
    return None


def access_shop(
    session: Session, actor: User, shop_id: int, action: Action, *, lock: bool = False
) -> ShopAccess:
    """Load the shop if `actor` may perform `action` on it; `lock` holds the row until commit.

    Lock when the service counts or changes what the shop row guards (owner, members, transfers):
    concurrent changes then queue behind each other instead of both passing the same check.
    """
    return _access(session, actor, shop_id, action, lock=lock, project_id=None)


def _access(
    session: Session, actor: User, shop_id: int, action: Action, *, lock: bool, project_id: int | None
) -> ShopAccess:
    query = select(Shop).where(Shop.id == shop_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    shop = session.scalars(query).one_or_none()
    if shop is None or shop.status is ShopStatus.GONE or (shop.status.closed and action is not Action.RESTORE):
        raise NoShopAccess(shop_id, action.value)
    member = member_in(session, actor, shop)
    if member is None or (project_id is not None and not member.sees(project_id)):
        raise NoShopAccess(shop_id, action.value)
    needs = PROJECT_VIEW if action is Action.VIEW and project_id is not None else ACTION_NEEDS[action]
    if needs is None:  # ownership: no profile grants it
        allowed_by = "owner" if member.is_owner else None
    else:
        allowed_by = authorize(member, needs[0], needs[1], project_id=project_id)
    if allowed_by is None:
        raise refusal(member, shop_id, action, project_id=project_id)
    session.info.setdefault(ALLOWED_BY, {})[(actor.id, shop.id)] = allowed_by
    return ShopAccess(shop, member.level)


def refusal(member: Member, shop_id: int, action: Action, *, project_id: int | None = None) -> LevelTooLow:
    """The error for a member refused `action`: in levels for a plain write or read member, as before
    profiles; naming the profiles otherwise."""
    names = [profile.name for profile in member.profiles]
    if names == [member.level.label] and member.project_ids is None:
        return LevelTooLow(shop_id, action.value, member.level, project_id=project_id)
    return ProfileRefused(shop_id, action.value, member.level, names, project_id=project_id)


def member_in(session: Session, user: User, shop: Shop) -> Member | None:
    """The user's profiles and scope in the shop, read fresh; None for an outsider."""
    if shop.owner_id == user.id:
        return Member(Level.OWNER, (BUILTIN_PROFILES["owner"],))
    membership = session.scalars(
        select(Membership).where(Membership.shop_id == shop.id, Membership.user_id == user.id)
    ).one_or_none()
    if membership is None:
        return None
    scope = None if membership.project_ids is None else frozenset(membership.project_ids)
    names = membership.profiles or [membership.level.label]  # none given: the profile of its level
    return Member(membership.level, shop_profiles(session, shop, names), scope)


def shop_profiles(session: Session, shop: Shop, names: list[str]) -> tuple[Profile, ...]:
    """The named profiles as the shop defines them: built-in, the shop's own, its owner's for all their shops.

    Unknown names grant nothing: an owner's profile stops applying when the shop is transferred away.
    """
    rows = session.scalars(select(ShopProfile).where(ShopProfile.name.in_(names), defined_for(shop)))
    custom = {
        row.name: Profile(row.name, grants(",".join(row.grants)), _elements(row.elements))
        for row in rows
    }
    found = (BUILTIN_PROFILES.get(name) or custom.get(name) for name in names)
    return tuple(profile for profile in found if profile is not None)


def level_in(session: Session, user: User, shop: Shop) -> Level | None:
    """The user's level in the shop, or None for an outsider."""
    if shop.owner_id == user.id:
        return Level.OWNER
    return session.scalar(
        select(Membership.level).where(Membership.shop_id == shop.id, Membership.user_id == user.id)
    )


def allowed_profile(session: Session, user_id: int, shop_id: int) -> str | None:
    """The profile the user's latest check in this session on the shop was allowed under (for the audit log)."""
    return session.info.get(ALLOWED_BY, {}).get((user_id, shop_id))


def access_project(
    session: Session, actor: User, project_id: int, action: Action, *, lock: bool = False
) -> Project:
    """The project if the actor may `action` it; `lock` serializes revision numbering.

    Outsiders, and members whose project scope leaves it out, get ProjectNotFound, as for a missing
    project; a member whose profiles do not allow the action gets LevelTooLow naming the project.
    """
    project = session.get(Project, project_id)
    if project is None:
        raise ProjectNotFound(project_id)
    try:
        _access(session, actor, project.shop_id, action, lock=False, project_id=project.id)
    except LevelTooLow:  # a member who sees the project: told why (it names the project)
        raise
    except NoShopAccess as exc:  # a refused project must look like a missing one
        raise ProjectNotFound(project_id) from exc
    if lock:
        try:
            session.refresh(project, with_for_update=True)
        except InvalidRequestError as exc:  # deleted by a transaction that committed while we waited
            raise ProjectNotFound(project_id) from exc
    return project


def require(
    session: Session, actor: User, shop_id: int, area: Area, perm: Perm, *, project_id: int | None = None,
    element: str | None = None,
) -> str:
    """Check one (area, permission) beyond an entry point's, e.g. each area a project save changes; returns
    the allowing profile (also recorded for the audit log). `element`: refused with ElementNotAllowed."""
    shop = session.get_one(Shop, shop_id)
    member = member_in(session, actor, shop)
    allowed_by = None if member is None else authorize(member, area, perm, project_id=project_id, element=element)
    if member is None:
        raise NoShopAccess(shop_id, Action.EDIT_FEEDS.value)
    if allowed_by is None:
        if element is not None and authorize(member, area, perm, project_id=project_id) is not None:
            raise ElementNotAllowed(shop_id, project_id or 0, element, [p.name for p in member.profiles])
        if area not in PROJECT_AREAS:  # not a project save: name the grant, e.g. tokens:add
            raise GrantRefused(shop_id, member.level, [p.name for p in member.profiles], f"{area.value}:{perm.value}")
        raise refusal(member, shop_id, Action.EDIT_FEEDS, project_id=project_id)
    session.info.setdefault(ALLOWED_BY, {})[(actor.id, shop_id)] = allowed_by
    return allowed_by


def project_scope(session: Session, actor: User, shop: Shop) -> frozenset[int] | None:
    """The ids of the projects the actor may see in the shop; None: all. Listings filter by it."""
    member = member_in(session, actor, shop)
    views = member is not None and any(p.allows(area, Perm.VIEW) for p in member.profiles for area in PROJECT_AREAS)
    if member is None or not views:  # e.g. an accountant: the shop, but no project
        return frozenset()
    return member.project_ids


def _elements(names: list[str] | None) -> frozenset[str] | None:
    return None if names is None else frozenset(names)


def defined_for(shop: Shop) -> ColumnElement[bool]:
    """Profiles of the shop's own, and those its owner defined for all their shops."""
    return or_(ShopProfile.shop_id == shop.id, ShopProfile.owner_id == shop.owner_id)
