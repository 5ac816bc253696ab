"""Request bodies of the API, apart from the ORM models: a body carries only what its caller may set
(no owner, status, plan or shop of a project), and unknown fields are refused, not ignored."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from accounts.profiles import Grant, grant_labels, grants
from accounts.shop_profiles import MAX_PROFILE_NAME
from accounts.shop_tokens import MAX_NAME_LENGTH as MAX_TOKEN_NAME

ProfileName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PROFILE_NAME)]
ElementName = Annotated[str, StringConstraints(min_length=1, max_length=200)]


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
    """A level, or exactly the profiles (and projects: null, every project) the invitee gets on accepting."""

    email: str = Field(max_length=320)
    profiles: list[ProfileName] | None = Field(default=None, min_length=1, max_length=20)
    projects: list[int] | None = Field(default=None, max_length=1000)
    level: str | None = Field(default=None, pattern="^(write|read)$", validate_default=True)

    @field_validator("projects")
    @classmethod
    def _projects_with_profiles(cls, projects: list[int] | None, info: ValidationInfo) -> list[int] | None:
        if projects is not None and info.data.get("profiles") is None:
            raise ValueError("projects go with profiles")
        return projects

    @field_validator("level")
    @classmethod
    def _level_unless_profiles(cls, level: str | None, info: ValidationInfo) -> str | None:
        if "profiles" not in info.data:  # refused already
            return level
        if level is None and info.data["profiles"] is None:
            raise PydanticCustomError("missing", "Field required")  # as before profiles
        if level is not None and info.data["profiles"] is not None:
            raise ValueError("give a level or profiles, not both")
        return level


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


class ProfileBody(Body):
    """A profile as users type it: `allow` holds "area:perm" items ("rules:*", "all:view")."""

    name: ProfileName
    allow: list[Annotated[str, StringConstraints(max_length=100)]] = Field(min_length=1, max_length=100)
    elements: list[ElementName] | None = Field(default=None, max_length=200)  # None: any element

    @field_validator("allow")
    @classmethod
    def _known_grants(cls, allow: list[str]) -> list[str]:
        granted = grants(",".join(allow))  # a ValueError naming the bad item is a 422
        if not granted:
            raise ValueError("allow at least one area:perm")
        return grant_labels(granted)

    def granted(self) -> frozenset[Grant]:
        return grants(",".join(self.allow))


class NewProfile(ProfileBody):
    all_owned_shops: bool = False  # the owner's: for every shop they own


class MemberProfiles(Body):
    profiles: list[ProfileName] = Field(min_length=1, max_length=20)
    projects: list[int] | None = Field(default=None, max_length=1000)  # None: every project


class NewShopToken(Body):
    """A shop token's name, and exactly the profiles (and projects: null, every project) it acts with."""

    name: str = Field(min_length=1, max_length=MAX_TOKEN_NAME)
    profiles: list[ProfileName] = Field(min_length=1, max_length=20)
    projects: list[int] | None = Field(default=None, max_length=1000)
