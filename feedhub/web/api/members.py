"""Members of a shop: list, change level or profiles, remove, leave."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from accounts.members import change_member_level, leave_shop, list_members, remove_member
from accounts.roles import Level
from accounts.shop_profiles import set_member_profiles
from feedhub.web.api.schemas import LevelBody, MemberProfiles
from feedhub.web.api.views import member_view, membership_view
from feedhub.web.caller import Db, Me
from feedhub.web.paging import DEFAULT_LIMIT, Cursor, Limit, page

router = APIRouter(tags=["members"])


@router.get("/shops/{shop_id}/members")
def members(shop_id: int, user: Me, session: Db, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    """The owner first, then members (below owner: the owner and yourself)."""
    return page(list_members(session, user, shop_id), key=lambda m: m.user_id, cursor=cursor, limit=limit,
                render=member_view)


@router.patch("/shops/{shop_id}/members/{user_id}")
def change_level(shop_id: int, user_id: int, body: LevelBody, user: Me, session: Db) -> dict[str, Any]:
    """Give a member write or read access (owner)."""
    membership = change_member_level(session, user, shop_id, user_id, Level.parse(body.level))
    return membership_view(membership)


@router.put("/shops/{shop_id}/members/{user_id}/profiles")
def change_profiles(shop_id: int, user_id: int, body: MemberProfiles, user: Me, session: Db) -> dict[str, Any]:
    """Give a member exactly these profiles, on `projects` only (null: every project); their next request
    already sees it (members managers, never beyond what they may do themselves)."""
    membership = set_member_profiles(session, user, shop_id, user_id, body.profiles, project_ids=body.projects)
    return membership_view(membership)


@router.delete("/shops/{shop_id}/members/{user_id}", status_code=204)
def remove(shop_id: int, user_id: int, user: Me, session: Db) -> None:
    """Take a member's access away (owner)."""
    remove_member(session, user, shop_id, user_id)


@router.post("/shops/{shop_id}/leave", status_code=204)
def leave(shop_id: int, user: Me, session: Db) -> None:
    """Give up my own access to a shop (not its owner: transfer it first)."""
    leave_shop(session, user, shop_id)
