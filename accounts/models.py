"""The accounts tables. Models hold data only; every side effect lives in a service module.

Invariants the schema enforces (not only the code):
- a shop has exactly one owner: `shops.owner_id`, required, never a membership row;
- one membership per (shop, user), and a membership is never `owner`; a membership holds role profiles
  (names, accounts.profiles) and may be limited to some projects;
- at most one pending invitation per (shop, email) and one pending transfer per shop (partial
  unique indexes);
- invoice numbers are unique; one shop is never invoiced twice for a period starting the same day;
- project revisions are numbered per project without gaps or duplicates;
- an id is never given to a second row, also after the first is deleted (SQLite AUTOINCREMENT).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from accounts.roles import Level
from accounts.types import DecimalText, Money, UTCDateTime, enum_column, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# SQLite gives a new row the largest id + 1 unless the table says AUTOINCREMENT, so a deleted newest
# row's id came back: a stale id (a queued run's project) then named another shop's row. Every table
# with an integer id takes these table arguments; PostgreSQL sequences never reuse a value anyway.
NEVER_REUSE_IDS: dict[str, Any] = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    """The one declarative base; constraint names are stable so migrations can refer to them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ShopStatus(enum.Enum):
    """Lifecycle of a shop (accounts.lifecycle): trial -> active (first payment) -> overdue (an invoice past
    its due date; runs go on) -> suspended (still unpaid; runs stop, feeds stay) -> active (payment);
    any -> deleted (restorable for 30 days) -> gone. A shop in its trial is never suspended."""

    TRIAL = "trial"
    ACTIVE = "active"
    OVERDUE = "overdue"
    SUSPENDED = "suspended"
    DELETED = "deleted"
    GONE = "gone"  # purged RESTORE_GRACE_DAYS after deletion; the row stays for its invoices

    @property
    def closed(self) -> bool:
        """Deleted or gone: nobody but a restoring owner reaches the shop."""
        return self in (ShopStatus.DELETED, ShopStatus.GONE)


class InvitationStatus(enum.Enum):
    """Expiry is computed from `expires_at`, not stored, so nothing needs a sweeper."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


class TransferStatus(enum.Enum):
    """A transfer ends exactly once: accepted, cancelled, or expired.

    An unanswered transfer stays pending past `expires_at` (nothing sweeps it); starting the next
    transfer of the shop marks it expired, as the one-pending-per-shop index needs.
    """

    PENDING = "pending"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class User(Base):
    """An account: free, may own or access any number of shops."""

    __tablename__ = "users"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # always lower case
    password_hash: Mapped[str] = mapped_column(String(200))
    verified: Mapped[bool] = mapped_column(default=False)
    verify_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    billing_name: Mapped[str] = mapped_column(String(200), default="")  # person or company
    billing_address: Mapped[str] = mapped_column(Text, default="")
    company_id: Mapped[str] = mapped_column(String(40), default="")
    vat_id: Mapped[str] = mapped_column(String(40), default="")
    invoice_email: Mapped[str] = mapped_column(String(320), default="")  # empty: the login email
    billing_country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166 alpha-2: picks the VAT
    billing_currency: Mapped[str] = mapped_column(String(3), default="CZK")  # CZK or EUR: picks the price list
    is_admin: Mapped[bool] = mapped_column(default=False)  # runs this Feedhub instance (`feedhub user admin`)
    language: Mapped[str | None] = mapped_column(String(8))  # "en", "cs" or "sk"; None: not chosen (emails in English)
    # Set: not a person but one API token of this shop (accounts.shop_tokens); no FK, the row outlives the shop
    # so the audit log keeps naming it.
    token_shop_id: Mapped[int | None] = mapped_column(index=True)


class Shop(Base):
    """An e-shop; its owner is a required column, so it can never go missing."""

    __tablename__ = "shops"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[ShopStatus] = mapped_column(enum_column(ShopStatus), default=ShopStatus.TRIAL)
    status_before_delete: Mapped[ShopStatus | None] = mapped_column(enum_column(ShopStatus))
    billing_period: Mapped[str] = mapped_column(String(20))  # a key of billing.BILLING_PERIODS
    next_billing_period: Mapped[str | None] = mapped_column(String(20))  # applies from the next period
    exported_products: Mapped[int] = mapped_column(default=0)  # latest count, chooses the price tier
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trial_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trial_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_invoice_on: Mapped[date | None] = mapped_column(Date)  # start of the next period to invoice
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship(lazy="raise")


class Membership(Base):
    """Write or read access of one user to one shop (owners are not members)."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("shop_id", "user_id"),
        CheckConstraint("level IN ('write', 'read')", name="not_owner"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    level: Mapped[Level] = mapped_column(enum_column(Level))  # kept in step with the profiles (accounts.access)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    profiles: Mapped[list[str]] = mapped_column(JSON, server_default=text("'[]'"))  # names (accounts.profiles)
    project_ids: Mapped[list[int] | None] = mapped_column(JSON)  # None: every project of the shop

    user: Mapped[User] = relationship(lazy="raise")


class Invitation(Base):
    """An emailed offer of access; only the token's hash is stored."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index(
            "uq_invitations_pending",
            "shop_id",
            "email",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        CheckConstraint("level IN ('write', 'read')", name="not_owner"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320), index=True)
    level: Mapped[Level] = mapped_column(enum_column(Level))
    profiles: Mapped[list[str]] = mapped_column(JSON, server_default=text("'[]'"))  # granted on accepting
    project_ids: Mapped[list[int] | None] = mapped_column(JSON)  # None: every project of the shop
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[InvitationStatus] = mapped_column(
        enum_column(InvitationStatus), default=InvitationStatus.PENDING
    )
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ShopProfile(Base):
    """A role profile beside the built-in ones (accounts.profiles): one shop's own, or (`owner_id`) one of
    every shop that user owns, so an agency defines it once for all its shops."""

    __tablename__ = "shop_profiles"
    __table_args__ = (
        UniqueConstraint("shop_id", "name"),
        UniqueConstraint("owner_id", "name"),
        CheckConstraint("(shop_id IS NULL) <> (owner_id IS NULL)", name="one_holder"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    grants: Mapped[list[str]] = mapped_column(JSON)  # "area:perm" strings
    elements: Mapped[list[str] | None] = mapped_column(JSON)  # None: rules may write any element
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Transfer(Base):
    """A proposed change of owner; at most one pending per shop."""

    __tablename__ = "transfers"
    __table_args__ = (
        Index(
            "uq_transfers_pending",
            "shop_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[TransferStatus] = mapped_column(
        enum_column(TransferStatus), default=TransferStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Project(Base):
    """A named feed project of a shop; its content lives in revisions."""

    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("shop_id", "name"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    head: Mapped[int] = mapped_column(default=0)  # number of the current revision
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PublishTarget(Base):
    """A publish URI claimed by the project whose current revision writes to it.

    The primary key makes a target one project's, across all shops, also when two saves race: the
    second insert waits for the first transaction and then fails (a check-then-insert would let both in).
    """

    __tablename__ = "publish_targets"

    target_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # of `uri`: any length fits the key
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    uri: Mapped[str] = mapped_column(Text)  # canonical spelling (accounts.targets.canonical_target)


class ProjectRevision(Base):
    """One saved ProjectSpec; append-only, so history and rollback are always possible."""

    __tablename__ = "project_revisions"
    __table_args__ = (UniqueConstraint("project_id", "number"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)  # ProjectSpec.model_dump(mode="json")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")


class AuditEntry(Base):
    """Who did what to which shop, and when; written by services, never edited."""

    __tablename__ = "audit_log"
    # a user's recent entries: what the invitation limit per user counts (accounts.throttle)
    __table_args__ = (Index("ix_audit_log_actor_id_created_at", "actor_id", "created_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)  # None: account
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    action: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    profile: Mapped[str | None] = mapped_column(String(40))  # the actor's profile that allowed it; None: no check
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invoice(Base):
    """An issued invoice with a snapshot of the billing profile it was issued to."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("shop_id", "period_start"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    billed_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    billed_to: Mapped[dict[str, str]] = mapped_column(JSON)
    supplier: Mapped[dict[str, str]] = mapped_column(JSON, nullable=True)  # as issued; NULL only mid-migration
    billing_period: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # exclusive
    months: Mapped[int] = mapped_column(Integer)
    tier: Mapped[str] = mapped_column(String(40))
    products: Mapped[int]
    monthly_price: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(DecimalText)
    net: Mapped[Decimal] = mapped_column(Money)
    vat_rate: Mapped[Decimal] = mapped_column(DecimalText)
    vat: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_date: Mapped[date] = mapped_column(Date)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when payments first covered the total
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last unpaid-invoice reminder
    note: Mapped[str] = mapped_column(Text, default="")  # e.g. reverse charge, a period change


class Payment(Base):
    """Money received for an invoice: partial and over-payments are kept as they came."""

    __tablename__ = "payments"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    reference: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BillingSetting(Base):
    """Billing's data that changes without a release: supplier, VAT rates, price lists (accounts.billing_settings)."""

    __tablename__ = "billing_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class InvoiceCounter(Base):
    """The last invoice number issued per year; locked while a number is taken."""

    __tablename__ = "invoice_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class LoginSession(Base):
    """A signed-in browser; only the token's hash is stored, so a leaked table signs nobody in."""

    __tablename__ = "login_sessions"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # refreshed at most once a minute
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # absolute end, however active the session
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")

    user: Mapped[User] = relationship(lazy="raise")


class LoginAttempt(Base):
    """One login attempt, kept to throttle guessing; counted from the table, so every process agrees."""

    __tablename__ = "login_attempts"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)  # as typed (lower case), also for unknown accounts
    client_ip: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PasswordReset(Base):
    """An emailed password-reset link: single use and short-lived; only the token's hash is stored."""

    __tablename__ = "password_resets"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="raise")


class ApiToken(Base):
    """A personal API token: shown once at creation, stored as a hash, revoked rather than deleted."""

    __tablename__ = "api_tokens"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: until revoked
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # refreshed at most once a minute
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="raise")
