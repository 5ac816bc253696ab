"""A shop's role profiles and who holds them: list, define the shop's own (or, by its owner, one for every
shop they own), give members profiles and a project scope.

Nobody grants more than they may do themselves: a profile whose grants (or element freedom) exceed the
granter's, or projects outside the granter's scope, are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts import audit
from accounts.access import Member, access_shop, defined_for, member_in, require, shop_profiles
from accounts.errors import (
    MemberNotFound,
    OwnerCannotLeave,
    ProfileExists,
    ProfileInUse,
    ProfileNotGrantable,
    ProjectNotFound,
    UnknownProfile,
)
from accounts.models import Invitation, InvitationStatus, Membership, Project, Shop, ShopProfile, User
from accounts.profiles import BUILTIN_PROFILES, PROJECT_AREAS, Area, Grant, Perm, Profile, grant_labels
from accounts.roles import Action, Level

MAX_PROFILE_NAME = 40


@dataclass(frozen=True)
class ProfileView:
    """One profile as listed: built-in or the shop's own."""

    name: str
    grants: list[str]
    elements: list[str] | None
    kind: str  # "built-in", "shop" (this shop's own) or "owner" (its owner's, for all their shops)


def list_profiles(session: Session, actor: User, shop_id: int) -> list[ProfileView]:
    """The built-in profiles, then the shop's own and its owner's by name (any member)."""
    shop = access_shop(session, actor, shop_id, Action.VIEW_MEMBERS).shop
    kinds = dict(session.execute(select(ShopProfile.name, ShopProfile.shop_id).where(defined_for(shop))).tuples().all())
    return [
        *(_view(profile, "built-in") for profile in BUILTIN_PROFILES.values()),
        *(_view(p, "owner" if kinds[p.name] is None else "shop") for p in shop_profiles(session, shop, sorted(kinds))),
    ]


def add_profile(
    session: Session, actor: User, shop_id: int, *, name: str, grants: frozenset[Grant],
    elements: list[str] | None = None, all_owned_shops: bool = False,
) -> ShopProfile:
    """Define a profile of the shop's own (members managers, within what they may do themselves); with
    `all_owned_shops`, the owner defines it for every shop they own, now and later."""
    shop = access_shop(session, actor, shop_id, Action.MANAGE_MEMBERS, lock=True).shop
    name = name.strip().lower()
    taken = session.scalar(select(ShopProfile.id).where(ShopProfile.name == name, defined_for(shop)))
    if not name or len(name) > MAX_PROFILE_NAME or name in BUILTIN_PROFILES or taken is not None:
        raise ProfileExists(shop.id, name)
    if all_owned_shops and actor.id != shop.owner_id:
        raise ProfileNotGrantable(name)  # only the owner speaks for all their shops
    profile = Profile(name, grants, _frozen(elements))
    _check_grantable(_member(session, actor, shop), [profile])
    holder = {"owner_id": shop.owner_id} if all_owned_shops else {"shop_id": shop.id}
    row = ShopProfile(**holder, name=name, grants=grant_labels(grants), elements=elements)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise ProfileExists(shop.id, name) from exc
    audit.record(session, shop_id=shop.id, actor=actor, action="profile.added", name=name,
                 grants=row.grants, elements=elements, all_owned_shops=all_owned_shops)
    return row


def update_profile(
    session: Session, actor: User, shop_id: int, name: str, *, new_name: str, grants: frozenset[Grant],
    elements: list[str] | None,
) -> ShopProfile:
    """Replace a custom profile's name, grants and element limit (within what the actor may do).

    Members and pending invitations holding it keep holding it under a new name, and members' levels
    follow its new grants at once. An owner's profile for all their shops only the owner changes.
    """
    shop = access_shop(session, actor, shop_id, Action.MANAGE_MEMBERS, lock=True).shop
    row = _custom(session, actor, shop, name)
    new_name = new_name.strip().lower()
    if new_name != row.name:
        taken = session.scalar(select(ShopProfile.id).where(
            ShopProfile.name == new_name, or_(*(defined_for(s) for s in _holding_shops(session, shop, row)))
        ))
        if not new_name or len(new_name) > MAX_PROFILE_NAME or new_name in BUILTIN_PROFILES or taken is not None:
            raise ProfileExists(shop.id, new_name)
    _check_grantable(_member(session, actor, shop), [Profile(new_name, grants, _frozen(elements))])
    old_name = row.name
    row.name, row.grants, row.elements = new_name, grant_labels(grants), elements
    session.flush()
    for holder in _holders(session, shop, row, old_name):
        holder.profiles = [new_name if held == old_name else held for held in holder.profiles]
        holder.level = level_for(shop_profiles(session, session.get_one(Shop, holder.shop_id), holder.profiles))
    audit.record(session, shop_id=shop.id, actor=actor, action="profile.changed", name=old_name, new_name=new_name,
                 grants=row.grants, elements=elements)
    session.flush()
    return row


def delete_profile(session: Session, actor: User, shop_id: int, name: str) -> None:
    """Delete a custom profile nobody holds (members' delete permission); refused naming its holders."""
    shop = access_shop(session, actor, shop_id, Action.MANAGE_MEMBERS, lock=True).shop
    require(session, actor, shop.id, Area.MEMBERS, Perm.DELETE)
    row = _custom(session, actor, shop, name)
    holders = _holders(session, shop, row, row.name)
    if holders:
        raise ProfileInUse(row.name, sorted({_holder_label(session, holder) for holder in holders}))
    session.delete(row)
    audit.record(session, shop_id=shop.id, actor=actor, action="profile.deleted", name=row.name)
    session.flush()


def set_member_profiles(
    session: Session, actor: User, shop_id: int, user_id: int, profiles: list[str], *,
    project_ids: list[int] | None = None,
) -> Membership:
    """Give a member exactly `profiles`, limited to `project_ids` (None: every project).

    Nothing caches permissions, so the change applies at the member's next request.
    """
    shop = access_shop(session, actor, shop_id, Action.MANAGE_MEMBERS, lock=True).shop
    held = check_grant(session, actor, shop, profiles, project_ids)
    if user_id == shop.owner_id:
        raise OwnerCannotLeave(shop.id)
    membership = session.scalars(  # not a shop token's: those change only through the tokens area
        select(Membership).join(User, User.id == Membership.user_id)
        .where(Membership.shop_id == shop.id, Membership.user_id == user_id, User.token_shop_id.is_(None))
        .with_for_update()
    ).one_or_none()
    if membership is None:
        raise MemberNotFound(shop.id, user_id)
    membership.profiles, membership.project_ids, membership.level = profiles, project_ids, level_for(held)
    audit.record(session, shop_id=shop.id, actor=actor, action="member.profiles_changed", user_id=user_id,
                 profiles=profiles, projects=project_ids)
    session.flush()
    return membership


def check_grant(
    session: Session, actor: User, shop: Shop, names: list[str], project_ids: list[int] | None
) -> tuple[Profile, ...]:
    """The named profiles, if the actor may grant them with this project scope (invitations use it too)."""
    known = {*BUILTIN_PROFILES, *session.scalars(select(ShopProfile.name).where(defined_for(shop)))}
    for name in names:
        if name not in known or name == "owner":  # ownership moves only by transfer
            raise UnknownProfile(name, sorted(known - {"owner"}))
    if not names:
        raise UnknownProfile("", sorted(known - {"owner"}))
    held = shop_profiles(session, shop, names)
    _check_grantable(_member(session, actor, shop), list(held))
    check_reach(session, actor, shop, project_ids)
    return held


def check_reach(session: Session, actor: User, shop: Shop, project_ids: list[int] | None) -> None:
    """Refuse giving or taking access on projects (None: every project) beyond the actor's own scope."""
    granter = _member(session, actor, shop)
    if project_ids is not None:
        found = set(session.scalars(select(Project.id).where(Project.shop_id == shop.id, Project.id.in_(project_ids))))
        for project_id in project_ids:
            if project_id not in found or not granter.sees(project_id):
                raise ProjectNotFound(project_id)
    elif granter.project_ids is not None:
        raise ProfileNotGrantable("every project")


def level_for(profiles: tuple[Profile, ...]) -> Level:
    """The level a membership with these profiles shows as: write when they edit any feed area or runs.

    Kept for what still speaks in levels (member lists, alerts to the people who can fix a feed).
    """
    edits = any(profile.allows(area, Perm.EDIT) for profile in profiles for area in PROJECT_AREAS)
    return Level.WRITE if edits else Level.READ


def _check_grantable(granter: Member, profiles: list[Profile]) -> None:
    if granter.is_owner:
        return
    mine = frozenset().union(*(profile.grants for profile in granter.profiles))
    unlimited = any(profile.elements is None for profile in granter.profiles)
    my_elements = frozenset().union(*(profile.elements or () for profile in granter.profiles))
    for profile in profiles:
        elements_ok = unlimited or (profile.elements is not None and profile.elements <= my_elements)
        if not profile.grants <= mine or not elements_ok:
            raise ProfileNotGrantable(profile.name)


def _member(session: Session, actor: User, shop: Shop) -> Member:
    member = member_in(session, actor, shop)
    assert member is not None, "access_shop let an outsider in"
    return member


def _custom(session: Session, actor: User, shop: Shop, name: str) -> ShopProfile:
    """The shop's own profile of this name (or its owner's, for the owner): built-in ones never change."""
    row = session.scalars(
        select(ShopProfile).where(ShopProfile.name == name.strip().lower(), defined_for(shop)).with_for_update()
    ).one_or_none()
    if row is None:
        known = session.scalars(select(ShopProfile.name).where(defined_for(shop)))
        raise UnknownProfile(name, sorted(known))
    if row.owner_id is not None and actor.id != shop.owner_id:
        raise ProfileNotGrantable(row.name)  # only the owner speaks for all their shops
    return row


def _holding_shops(session: Session, shop: Shop, row: ShopProfile) -> list[Shop]:
    """The shops where the profile applies: the one shop, or every shop of the owner who defined it."""
    if row.shop_id is not None:
        return [shop]
    return list(session.scalars(select(Shop).where(Shop.owner_id == row.owner_id)))


def _holders(session: Session, shop: Shop, row: ShopProfile, name: str) -> list[Membership | Invitation]:
    """Memberships and pending invitations holding the profile `name` (shops have few members: read them)."""
    shop_ids = [s.id for s in _holding_shops(session, shop, row)]
    members = session.scalars(select(Membership).where(Membership.shop_id.in_(shop_ids)).with_for_update())
    invitations = session.scalars(select(Invitation).where(
        Invitation.shop_id.in_(shop_ids), Invitation.status == InvitationStatus.PENDING
    ).with_for_update())
    return [holder for holder in [*members, *invitations] if name in holder.profiles]


def _holder_label(session: Session, holder: Membership | Invitation) -> str:
    if isinstance(holder, Invitation):
        return f"{holder.email} (invited)"
    return session.get_one(User, holder.user_id).email


def _frozen(elements: list[str] | None) -> frozenset[str] | None:
    return None if elements is None else frozenset(elements)


def _view(profile: Profile, kind: str) -> ProfileView:
    elements = None if profile.elements is None else sorted(profile.elements)
    return ProfileView(profile.name, grant_labels(profile.grants), elements, kind)
