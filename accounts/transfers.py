"""Shop transfers: the owner names another existing account, which accepts by token or in the app.

On acceptance ownership (and with it billing) moves to the recipient; projects, history, invitations
and members stay as they are, and the former owner keeps write access. At most one transfer per
shop is pending (a partial unique index backs the check); one past its expiry no longer counts, and
starting the next transfer marks it expired. Accept and cancel both lock the shop row first and the
transfer row second, so concurrent decisions queue and exactly one wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts import audit
from accounts.access import access_shop
from accounts.emails import transfer_email, transfer_link
from accounts.errors import TransferInvalid, TransferPending
from accounts.mail import Mailer
from accounts.models import Membership, Shop, Transfer, TransferStatus, User
from accounts.roles import Action, Level
from accounts.tokens import hash_token, new_token
from accounts.types import utcnow
from accounts.users import get_user

TRANSFER_TTL_DAYS = 7


def start_transfer(
    session: Session,
    actor: User,
    shop_id: int,
    *,
    to_email: str,
    mailer: Mailer,
    base_url: str,
    now: datetime | None = None,
) -> tuple[Transfer, str]:
    """Offer the shop to an existing account; returns the transfer and its token (also emailed)."""
    shop = access_shop(session, actor, shop_id, Action.TRANSFER, lock=True).shop
    recipient = get_user(session, to_email)
    if recipient.id == actor.id:
        raise TransferInvalid("you already own this shop")
    now = now or utcnow()
    if pending_transfer(session, shop.id, now=now) is not None:
        raise TransferPending(shop.id)
    _close_expired(session, shop.id, now)
    token, token_hash = new_token()
    transfer = Transfer(
        shop_id=shop.id,
        from_user_id=actor.id,
        to_user_id=recipient.id,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + timedelta(days=TRANSFER_TTL_DAYS),
    )
    try:
        with session.begin_nested():
            session.add(transfer)
    except IntegrityError as exc:  # the shop lock makes this unreachable; the index is the backstop
        raise TransferPending(shop.id) from exc
    audit.record(session, shop_id=shop.id, actor=actor, action="transfer.started", to=recipient.email)
    link = transfer_link(base_url, token)
    mailer.send(
        transfer_email(
            to=recipient.email,
            shop_name=shop.name,
            owner=actor.email,
            link=link,
            expires_at=transfer.expires_at,
            language=recipient.language,
        )
    )
    return transfer, token


def accept_transfer(session: Session, actor: User, token: str, *, now: datetime | None = None) -> Shop:
    """Accept by the emailed token."""
    found = session.scalars(select(Transfer).where(Transfer.token_hash == hash_token(token))).one_or_none()
    if found is None:
        raise TransferInvalid("unknown link")
    return _accept(session, actor, found.id, found.shop_id, now or utcnow())


def accept_transfer_by_id(
    session: Session, actor: User, transfer_id: int, *, now: datetime | None = None
) -> Shop:
    """Accept in the app, from the recipient's list of incoming transfers."""
    found = session.get(Transfer, transfer_id)
    if found is None or found.to_user_id != actor.id:
        raise TransferInvalid("unknown transfer")
    return _accept(session, actor, found.id, found.shop_id, now or utcnow())


def cancel_transfer(session: Session, actor: User, shop_id: int) -> Transfer:
    """Withdraw the pending transfer (owner); an expired one has ended already."""
    shop = access_shop(session, actor, shop_id, Action.TRANSFER, lock=True).shop
    transfer = pending_transfer(session, shop.id, lock=True)
    if transfer is None:
        raise TransferInvalid("no pending transfer")
    transfer.status, transfer.decided_at = TransferStatus.CANCELLED, utcnow()
    audit.record(session, shop_id=shop.id, actor=actor, action="transfer.cancelled")
    return transfer


def pending_transfer(
    session: Session, shop_id: int, *, lock: bool = False, now: datetime | None = None
) -> Transfer | None:
    """The shop's pending, unexpired transfer, if any (callers have checked access)."""
    query = select(Transfer).where(Transfer.shop_id == shop_id, Transfer.status == TransferStatus.PENDING)
    query = query.where(Transfer.expires_at > (now or utcnow()))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


@dataclass(frozen=True)
class IncomingTransfer:
    """A shop someone offers to the actor."""

    transfer_id: int
    shop_id: int
    shop_name: str
    from_email: str
    expires_at: datetime


def list_incoming_transfers(session: Session, actor: User) -> list[IncomingTransfer]:
    """Pending, unexpired transfers addressed to the actor."""
    return _incoming(session, Transfer.to_user_id == actor.id)


def find_transfer(session: Session, token: str) -> IncomingTransfer | None:
    """The pending transfer an emailed link stands for, to say what accepting it means (None: unknown,
    decided or expired). Holding the link is what lets one read it."""
    found = _incoming(session, Transfer.token_hash == hash_token(token))
    return found[0] if found else None


def _incoming(session: Session, condition: ColumnElement[bool]) -> list[IncomingTransfer]:
    rows = session.execute(
        select(Transfer, Shop.name, User.email)
        .join(Shop, Shop.id == Transfer.shop_id)
        .join(User, User.id == Transfer.from_user_id)
        .where(condition, Transfer.status == TransferStatus.PENDING)
        .where(Transfer.expires_at > utcnow())
        .order_by(Transfer.id)
    )
    return [IncomingTransfer(t.id, t.shop_id, name, email, t.expires_at) for t, name, email in rows]


def _close_expired(session: Session, shop_id: int, now: datetime) -> None:
    """Mark the shop's pending transfer expired when its time is up, so the next one may start."""
    expired = session.scalars(
        select(Transfer)
        .where(Transfer.shop_id == shop_id, Transfer.status == TransferStatus.PENDING)
        .where(Transfer.expires_at <= now)
        .with_for_update()
    ).all()
    for transfer in expired:
        transfer.status, transfer.decided_at = TransferStatus.EXPIRED, transfer.expires_at
        audit.record(session, shop_id=shop_id, actor=None, action="transfer.expired", transfer_id=transfer.id)


def _accept(session: Session, actor: User, transfer_id: int, shop_id: int, now: datetime) -> Shop:
    shop = session.scalars(
        select(Shop).where(Shop.id == shop_id).with_for_update().execution_options(populate_existing=True)
    ).one()
    transfer = session.scalars(
        select(Transfer)
        .where(Transfer.id == transfer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    _check_acceptable(transfer, shop, actor, now)
    former_owner_id = shop.owner_id
    session.execute(delete(Membership).where(Membership.shop_id == shop.id, Membership.user_id == actor.id))
    shop.owner_id = actor.id
    session.add(Membership(shop_id=shop.id, user_id=former_owner_id, level=Level.WRITE))
    transfer.status, transfer.decided_at = TransferStatus.ACCEPTED, now
    audit.record(
        session, shop_id=shop.id, actor=actor, action="transfer.accepted", from_user_id=former_owner_id
    )
    session.flush()
    return shop


def _check_acceptable(transfer: Transfer, shop: Shop, actor: User, now: datetime) -> None:
    if transfer.to_user_id != actor.id:
        raise TransferInvalid("this transfer is addressed to another account")
    if transfer.status is not TransferStatus.PENDING:
        raise TransferInvalid(f"already {transfer.status.value}")
    if transfer.expires_at <= now:
        raise TransferInvalid("expired")
    if shop.status.closed:
        raise TransferInvalid("the shop was deleted")
    if shop.owner_id != transfer.from_user_id:
        raise TransferInvalid("the shop changed owner since the transfer was offered")
