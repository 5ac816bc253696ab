"""Request bodies of the API, apart from the ORM models: a body carries only what its caller may set
(no owner, status, plan or shop of a project), and unknown fields are refused, not ignored."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    """Base of every request body: extra fields are an error, so nobody believes they set one."""

    model_config = ConfigDict(extra="forbid")


class Credentials(Body):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class TokenBody(Body):
    token: str = Field(max_length=200)


class EmailBody(Body):
    email: str = Field(max_length=320)


class PasswordReset(Body):
    token: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class PasswordChange(Body):
    old_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class NewApiToken(Body):
    name: str = Field(min_length=1, max_length=100)
    expires_at: datetime | None = None


class BillingProfileBody(Body):
    name: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=2000)
    company_id: str = Field(default="", max_length=40)
    vat_id: str = Field(default="", max_length=40)
    invoice_email: str = Field(default="", max_length=320)
    country: str = Field(default="", max_length=2)
    currency: str = Field(default="CZK", max_length=3)


class NewShop(Body):
    name: str | None = Field(default=None, max_length=200)
    feed_url: str | None = Field(default=None, max_length=2000)
    period: str = "monthly"


class ShopRename(Body):
    name: str = Field(max_length=200)


class LevelBody(Body):
    level: str = Field(pattern="^(write|read)$")


class NewInvitation(Body):
    email: str = Field(max_length=320)
    level: str = Field(pattern="^(write|read)$")


class NewTransfer(Body):
    email: str = Field(max_length=320)


class PeriodBody(Body):
    period: str = Field(max_length=20)


class PaymentBody(Body):
    invoice: str = Field(default="", max_length=20)  # the webhook names it; the admin route has it in the path
    amount: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)  # None: what is owed
    reference: str = Field(default="", max_length=200)


class NewProject(Body):
    name: str = Field(max_length=200)
    spec: dict[str, Any]


class ProjectUpdate(Body):
    spec: dict[str, Any]
    note: str = Field(default="", max_length=200)


class RollbackBody(Body):
    revision: int = Field(ge=1)


class BasicAuthBody(Body):
    user: str | None = Field(default=None, max_length=100)
    password: str | None = Field(default=None, max_length=1024)
