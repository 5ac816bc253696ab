"""Payments through the API: an administrator records one; a payment provider's webhook, signed with the
shared secret (HMAC-SHA256 of the body, compared in constant time), records one once however often it is
delivered, and a body whose signature does not match records nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date

from sqlalchemy import func, select

from accounts import issue_invoice
from accounts.admin import set_admin
from accounts.db import make_session_factory
from accounts.models import Payment, Shop, ShopStatus
from feedhub.settings import Settings
from feedhub.web import create_app
from tests.feedhub.api.conftest import Api, World, serving
from tests.flows.test_billing_year import pdf_text
from tests.smtp import free_port

P = "/api/v1"
SECRET = "webhook-secret-shared-with-the-provider"


def signed(body: dict[str, str], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"X-Feedhub-Signature": signature, "Content-Type": "application/json"}


def test_an_administrator_and_the_signed_webhook_record_payments(api: Api, world: World) -> None:
    sessions = make_session_factory(api.engine)
    with sessions.begin() as session:
        number = issue_invoice(session, world.shop_id, period_start=date.today()).number  # 350.90 CZK
        set_admin(session, "outsider@example.com")
    port = free_port()
    settings = Settings(data_dir=api.settings.data_dir, database_url=api.settings.database_url,
                        base_url=f"http://127.0.0.1:{port}", payment_webhook_secret=SECRET)
    with serving(create_app(settings), port), api.client() as client:
        client.base_url = f"http://127.0.0.1:{port}"
        refused = client.post(f"{P}/invoices/{number}/payments", json={"amount": "100"}, headers=world.as_("owner"))
        assert refused.status_code == 403  # the owner may not say he paid
        part = client.post(f"{P}/invoices/{number}/payments", json={"amount": "100", "reference": "bank 1"},
                           headers=world.as_("outsider"))
        assert part.status_code == 201 and (part.json()["paid"], part.json()["paid_at"]) == ("100.00", None)
        (listed,) = client.get(f"{P}/shops/{world.shop_id}/billing", headers=world.as_("owner")).json()["invoices"]
        assert (listed["number"], listed["paid"], listed["paid_at"]) == (number, "100.00", None)

        raw, headers = signed({"invoice": number, "reference": "provider tx 7"})
        forged = client.post(f"{P}/payments/webhook", content=raw, headers=signed(
            {"invoice": number, "reference": "provider tx 7"}, secret="guessed")[1])
        assert forged.status_code == 401
        tampered = client.post(f"{P}/payments/webhook", content=raw.replace(b"tx 7", b"tx 8"), headers=headers)
        assert tampered.status_code == 401
        for _ in range(2):  # a provider delivers again when it missed the answer
            paid = client.post(f"{P}/payments/webhook", content=raw, headers=headers)
            assert paid.status_code == 201 and paid.json()["paid"] == "350.90" and paid.json()["paid_at"]
        unknown = client.post(f"{P}/payments/webhook", content=signed({"invoice": "1999-000001"})[0],
                              headers=signed({"invoice": "1999-000001"})[1])
        assert unknown.status_code == 404
        pdf = client.get(f"{P}/shops/{world.shop_id}/invoices/{number}.pdf", headers=world.as_("owner"))
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"] == f'attachment; filename="invoice-{number}.pdf"'
        assert f"Invoice {number}" in pdf_text(pdf.content) and "Total 350.90 CZK" in pdf_text(pdf.content)
        assert client.get(f"{P}/shops/{world.shop_id}/invoices/{number}.pdf",
                          headers=world.as_("write")).status_code == 403  # invoices are the owner's
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Payment)) == 2
        assert session.get_one(Shop, world.shop_id).status is ShopStatus.ACTIVE  # paying activates at once
