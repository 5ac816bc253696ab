"""Shops: create, rename, soft-delete and restore, list "my shops", and the overview of one shop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from accounts import audit
from accounts.access import access_shop
from accounts.errors import InvalidName, NotForShopTokens, ShopStateError
from accounts.models import Invitation, Membership, Project, Shop, ShopProfile, ShopStatus, Transfer, User
from accounts.pricing import DEFAULT_BILLING_PERIOD, billing_period
from accounts.roles import Action, Level
from accounts.types import utcnow

TRIAL_DAYS = 30
RESTORE_GRACE_DAYS = 30
MAX_NAME_LENGTH = 200


def create_shop(
    session: Session,
    actor: User,
    *,
    name: str,
    period: str = DEFAULT_BILLING_PERIOD,
    now: datetime | None = None,
) -> Shop:
    """A new shop owned by `actor`, in a 30-day trial."""
    if actor.token_shop_id is not None:
        raise NotForShopTokens("create shops")
    billing_period(period)  # validate before writing
    now = now or utcnow()
    shop = Shop(
        name=clean_name("shop", name),
        owner_id=actor.id,
        status=ShopStatus.TRIAL,
        billing_period=period,
        created_at=now,
        trial_ends_at=now + timedelta(days=TRIAL_DAYS),
        next_invoice_on=(now + timedelta(days=TRIAL_DAYS)).date(),  # the first period starts when the trial ends
    )
    session.add(shop)
    session.flush()
    audit.record(session, shop_id=shop.id, actor=actor, action="shop.created", name=shop.name)
    return shop


def rename_shop(session: Session, actor: User, shop_id: int, name: str) -> Shop:
    """Change the shop's display name (owner)."""
    shop = access_shop(session, actor, shop_id, Action.RENAME).shop
    old, shop.name = shop.name, clean_name("shop", name)
    audit.record(session, shop_id=shop.id, actor=actor, action="shop.renamed", old=old, new=shop.name)
    return shop


def delete_shop(session: Session, actor: User, shop_id: int, *, now: datetime | None = None) -> Shop:
    """Soft-delete: members lose access at once; the owner may restore for RESTORE_GRACE_DAYS."""
    shop = access_shop(session, actor, shop_id, Action.DELETE, lock=True).shop
    shop.status_before_delete, shop.status = shop.status, ShopStatus.DELETED
    shop.deleted_at = now or utcnow()
    audit.record(session, shop_id=shop.id, actor=actor, action="shop.deleted")
    return shop


def restorable_until(shop: Shop) -> datetime:
    """The last moment a deleted shop can be restored (its owner sees it; `restore_shop` enforces it)."""
    return (shop.deleted_at or utcnow()) + timedelta(days=RESTORE_GRACE_DAYS)


def restore_shop(session: Session, actor: User, shop_id: int, *, now: datetime | None = None) -> Shop:
    """Undo a deletion within the grace period; the shop returns to its previous status."""
    shop = access_shop(session, actor, shop_id, Action.RESTORE, lock=True).shop
    if shop.status is not ShopStatus.DELETED or shop.deleted_at is None:  # a gone shop is refused by access_shop
        raise ShopStateError(shop_id, "the shop is not deleted")
    if (now or utcnow()) > restorable_until(shop):
        raise ShopStateError(
            shop_id, f"deleted more than {RESTORE_GRACE_DAYS} days ago; it cannot be restored"
        )
    shop.status, shop.status_before_delete = shop.status_before_delete or ShopStatus.ACTIVE, None
    shop.deleted_at = None
    audit.record(session, shop_id=shop.id, actor=actor, action="shop.restored")
    return shop


def purge_expired_shops(session: Session, *, now: datetime | None = None) -> dict[int, list[int]]:
    """Shops deleted more than RESTORE_GRACE_DAYS ago become gone: their projects (with revisions, runs, served
    links and download logs), members, invitations and transfers are deleted. The shop row, its invoices,
    payments and audit log stay, as accounting law asks. Returns each purged shop's project ids, whose run
    workspaces the caller removes (files are not the database's to delete); published files stay at their
    targets, as when a project is deleted."""
    cutoff = (now or utcnow()) - timedelta(days=RESTORE_GRACE_DAYS)
    shops = session.scalars(
        select(Shop).where(Shop.status == ShopStatus.DELETED, Shop.deleted_at < cutoff)
        .order_by(Shop.id).with_for_update(skip_locked=True)
    ).all()
    purged: dict[int, list[int]] = {}
    for shop in shops:
        purged[shop.id] = list(session.scalars(select(Project.id).where(Project.shop_id == shop.id)))
        for model in (Project, Membership, Invitation, Transfer, ShopProfile):
            session.execute(delete(model).where(model.shop_id == shop.id))
        shop.status, shop.status_before_delete = ShopStatus.GONE, None
        audit.record(session, shop_id=shop.id, actor=None, action="shop.gone", projects=len(purged[shop.id]))
    session.flush()
    return purged


@dataclass(frozen=True)
class ShopListing:
    """One line of "my shops"."""

    shop_id: int
    name: str
    level: Level
    status: ShopStatus
    owner_email: str


def list_my_shops(session: Session, actor: User) -> list[ShopListing]:
    """Every shop the actor owns or can access, with level and status: an agency's whole client list.

    Deleted shops appear only to their owner (who may restore them).
    """
    member_level = (
        select(Membership.level)
        .where(Membership.shop_id == Shop.id, Membership.user_id == actor.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Shop, User.email, member_level)
        .join(User, User.id == Shop.owner_id)
        .where(or_(Shop.owner_id == actor.id, member_level.is_not(None)))
        .order_by(Shop.name, Shop.id)
    )
    listings = []
    for shop, owner_email, level in rows:
        is_owner = shop.owner_id == actor.id
        if shop.status is ShopStatus.GONE or (shop.status is ShopStatus.DELETED and not is_owner):
            continue
        listings.append(
            ShopListing(shop.id, shop.name, Level.OWNER if is_owner else level, shop.status, owner_email)
        )
    return listings


def clean_name(kind: str, name: str) -> str:
    """Collapse whitespace; refuse empty and over-long names."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidName(kind, name, MAX_NAME_LENGTH)
    return cleaned
