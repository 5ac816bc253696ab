"""What an administrator of this Feedhub sees: every account and every shop (read only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from accounts.admin import list_all_shops, list_users, require_admin
from feedhub.web.caller import Db, Me
from feedhub.web.paging import DEFAULT_LIMIT, Cursor, Limit, page

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/users")
def users(user: Me, session: Db, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    """Every account, with how many shops it owns and accesses (administrators)."""
    require_admin(user)
    return page(list_users(session), key=lambda u: u.user_id, cursor=cursor, limit=limit, render=lambda u: {
        "id": u.user_id, "email": u.email, "verified": u.verified, "owned_shops": u.owned_shops,
        "memberships": u.memberships, "created_at": u.created_at.isoformat()})


@router.get("/shops")
def shops(user: Me, session: Db, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    """Every shop, deleted ones included (administrators)."""
    require_admin(user)
    return page(list_all_shops(session), key=lambda s: s.shop_id, cursor=cursor, limit=limit, render=lambda s: {
        "id": s.shop_id, "name": s.name, "owner_email": s.owner_email, "status": s.status.value,
        "billing_period": s.billing_period, "created_at": s.created_at.isoformat()})
