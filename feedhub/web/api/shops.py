"""Shops: my shops with my level, create, rename, delete (restorable for 30 days), restore, the audit log."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter

from accounts.audit import list_audit
from accounts.overview import describe_shop
from accounts.shops import create_shop, delete_shop, list_my_shops, rename_shop, restore_shop
from feedhub.web.api.schemas import NewShop, ShopRename
from feedhub.web.api.views import invitation_view, listing_view, member_view, shop_view
from feedhub.web.caller import Context, Db, Me
from feedhub.web.errors import ApiError
from feedhub.web.paging import DEFAULT_LIMIT, Cursor, Limit, page
from feedhub.web.shop_name import shop_name_from_feed

router = APIRouter(prefix="/shops", tags=["shops"])


@router.get("")
def list_shops(user: Me, session: Db, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
               q: str | None = None) -> dict[str, Any]:
    """Every shop I own or can access, with my level; `q` filters by name."""
    listings = list_my_shops(session, user)
    if q:
        listings = [s for s in listings if q.casefold() in s.name.casefold()]
    return page(listings, key=lambda s: s.shop_id, cursor=cursor, limit=limit, render=listing_view)


@router.post("", status_code=201)
def create(body: NewShop, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """A new shop in its trial; from a name, or from a feed URL whose product links name the shop."""
    name = body.name
    if not name:
        if not body.feed_url:
            raise ApiError(422, "invalid_request", "give the shop a name, or a feed_url to take its name from")
        name = shop_name_from_feed(body.feed_url, context.deps.fetch_policy)
    shop = create_shop(session, user, name=name, period=body.period)
    return shop_view(shop, "owner")


@router.get("/{shop_id}")
def show(shop_id: int, user: Me, session: Db) -> dict[str, Any]:
    """One shop as I may see it: members, and for its owner invitations and a pending transfer."""
    overview = describe_shop(session, user, shop_id)
    view = dataclasses.asdict(overview)
    return {
        "id": overview.shop_id, "name": overview.name, "status": overview.status.value,
        "standing": overview.standing, "level": overview.level.label, "billing_period": overview.billing_period,
        "next_billing_period": overview.next_billing_period, "trial_ends_at": overview.trial_ends_at.isoformat(),
        "members": [member_view(m) for m in overview.members],
        "invitations": [invitation_view(i) for i in overview.invitations],
        "transfer": view["transfer"] and {"to_email": overview.transfer.to_email,  # type: ignore[union-attr]
                                          "expires_at": overview.transfer.expires_at.isoformat()},  # type: ignore[union-attr]
    }


@router.patch("/{shop_id}")
def rename(shop_id: int, body: ShopRename, user: Me, session: Db) -> dict[str, Any]:
    """Rename the shop (owner)."""
    return shop_view(rename_shop(session, user, shop_id, body.name), "owner")


@router.delete("/{shop_id}")
def delete(shop_id: int, user: Me, session: Db) -> dict[str, Any]:
    """Delete the shop (owner): its feeds and schedules stop at once; restorable for 30 days."""
    return shop_view(delete_shop(session, user, shop_id), "owner")


@router.post("/{shop_id}/restore")
def restore(shop_id: int, user: Me, session: Db) -> dict[str, Any]:
    """Bring a deleted shop back within 30 days (owner)."""
    return shop_view(restore_shop(session, user, shop_id), "owner")


@router.get("/{shop_id}/audit")
def audit_log(shop_id: int, user: Me, session: Db, limit: Limit = DEFAULT_LIMIT,
              cursor: Cursor = None) -> dict[str, Any]:
    """Who did what to the shop, and when (owner), oldest first."""
    entries = list(enumerate(list_audit(session, user, shop_id)))
    return page(
        entries, key=lambda e: e[0], cursor=cursor, limit=limit,
        render=lambda e: {"at": e[1].at.isoformat(), "actor": e[1].actor_email, "action": e[1].action,
                          "details": e[1].details},
    )
