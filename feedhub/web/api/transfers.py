"""Transfers of a shop to another account: start, cancel (owner), accept (the recipient)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from accounts.transfers import accept_transfer, cancel_transfer, start_transfer
from feedhub.web.api.schemas import NewTransfer, TokenBody
from feedhub.web.api.views import shop_view
from feedhub.web.caller import Context, Db, Me

router = APIRouter(tags=["transfers"])


@router.post("/shops/{shop_id}/transfer", status_code=201)
def start(shop_id: int, body: NewTransfer, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """Offer the shop to another account (owner); they accept from the emailed link."""
    transfer, _ = start_transfer(
        session, user, shop_id, to_email=body.email, mailer=context.mailer, base_url=context.base_url
    )
    return {"id": transfer.id, "shop_id": transfer.shop_id, "expires_at": transfer.expires_at.isoformat()}


@router.delete("/shops/{shop_id}/transfer", status_code=204)
def cancel(shop_id: int, user: Me, session: Db) -> None:
    """Withdraw the pending transfer (owner)."""
    cancel_transfer(session, user, shop_id)


@router.post("/transfers/accept")
def accept(body: TokenBody, user: Me, session: Db) -> dict[str, Any]:
    """Become the shop's owner with the emailed token; the former owner keeps write access."""
    return shop_view(accept_transfer(session, user, body.token), "owner")
