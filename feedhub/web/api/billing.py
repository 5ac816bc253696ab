"""Billing of a shop: its period (monthly, half-yearly -10 %, yearly -20 %) and invoices (owner); payments
(administrators, and a payment provider's webhook signed with FEEDHUB_PAYMENT_WEBHOOK_SECRET)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import ValidationError

from accounts.admin import require_admin
from accounts.billing import amount_paid, change_billing_period, get_invoice, list_invoices, record_payment
from accounts.invoice_pdf import invoice_pdf
from accounts.models import Invoice
from accounts.overview import describe_shop
from feedhub.web.api.schemas import PaymentBody, PeriodBody
from feedhub.web.api.views import invoice_view, shop_view
from feedhub.web.caller import Context, Db, Me

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
        "invoices": [invoice_view(i, amount_paid(session, i)) for i in invoices],
    }


@router.get("/shops/{shop_id}/invoices/{number}.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def invoice_document(shop_id: int, number: str, user: Me, session: Db) -> Response:
    """The invoice as the PDF that was emailed (owner)."""
    return invoice_download(get_invoice(session, user, shop_id, number))


def invoice_download(invoice: Invoice) -> Response:
    """An invoice's PDF as a download named after its number (the API and the billing page)."""
    return Response(invoice_pdf(invoice), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="invoice-{invoice.number}.pdf"'})


@router.put("/shops/{shop_id}/billing/period")
def change_period(shop_id: int, body: PeriodBody, user: Me, session: Db) -> dict[str, Any]:
    """Choose monthly, half-yearly (-10 %) or yearly (-20 %), from the next period not yet invoiced (owner)."""
    return shop_view(change_billing_period(session, user, shop_id, body.period), "owner")


@router.post("/invoices/{number}/payments", status_code=201)
def pay(number: str, body: PaymentBody, user: Me, session: Db) -> dict[str, Any]:
    """Record money received for an invoice (administrators); paying reactivates the shop at once."""
    require_admin(user)
    return _record(session, number, body)


@router.post("/payments/webhook", status_code=201)
async def payment_webhook(request: Request, context: Context, session: Db) -> dict[str, Any]:
    """A payment provider reports a payment: JSON {invoice, amount, reference}, signed with the shared secret as
    `X-Feedhub-Signature: sha256=<HMAC-SHA256 of the body>`. A repeated delivery (same reference) is recorded once."""
    secret = context.settings.payment_webhook_secret
    if not secret:
        raise HTTPException(404, "no payment webhook is configured")
    raw = await request.body()
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("X-Feedhub-Signature", "").encode(), expected.encode()):
        raise HTTPException(401, "the signature does not match the body")
    try:
        body = PaymentBody.model_validate_json(raw)
    except ValidationError as exc:
        raise HTTPException(422, str(exc).splitlines()[0]) from None
    if not body.invoice:
        raise HTTPException(422, "invoice: the invoice number is required")
    return _record(session, body.invoice, body)


def _record(session: Any, number: str, body: PaymentBody) -> dict[str, Any]:
    invoice = record_payment(session, number, amount=body.amount, reference=body.reference)
    return invoice_view(invoice, amount_paid(session, invoice))
