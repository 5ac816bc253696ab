"""Billing of a shop: its period (monthly, half-yearly -10 %, yearly -20 %) and invoices (owner)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from accounts.billing import change_billing_period, list_invoices
from accounts.overview import describe_shop
from feedhub.web.api.schemas import PeriodBody
from feedhub.web.api.views import invoice_view, shop_view
from feedhub.web.caller import Db, Me

router = APIRouter(tags=["billing"])


@router.get("/shops/{shop_id}/billing")
def billing(shop_id: int, user: Me, session: Db) -> dict[str, Any]:
    """The billing period, the one chosen for the next period, and every invoice (owner)."""
    invoices = list_invoices(session, user, shop_id)  # the owner-only check comes first
    overview = describe_shop(session, user, shop_id)
    return {
        "billing_period": overview.billing_period, "next_billing_period": overview.next_billing_period,
        "status": overview.status.value, "standing": overview.standing,
        "trial_ends_at": overview.trial_ends_at.isoformat(),
        "invoices": [invoice_view(i) for i in invoices],
    }


@router.put("/shops/{shop_id}/billing/period")
def change_period(shop_id: int, body: PeriodBody, user: Me, session: Db) -> dict[str, Any]:
    """Choose monthly, half-yearly (-10 %) or yearly (-20 %), from the next period not yet invoiced (owner)."""
    return shop_view(change_billing_period(session, user, shop_id, body.period), "owner")
