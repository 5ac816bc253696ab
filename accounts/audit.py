"""The audit log: who did what to which shop, and when. Services write it; owners read it.

Account-level entries (logins, password and API-token changes) have no shop; their `actor_id` is the
account the entry is about, also for a failed login by someone else, so its owner can review them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.access import access_shop, allowed_profile
from accounts.models import AuditEntry, User
from accounts.roles import Action


def record(session: Session, *, shop_id: int | None, actor: User | None, action: str, **details: Any) -> None:
    """Append one entry in the caller's transaction, so it commits (or not) with the change; it names the
    profile the actor's access check on the shop was allowed under."""
    profile = allowed_profile(session, actor.id, shop_id) if actor and shop_id is not None else None
    session.add(
        AuditEntry(
            shop_id=shop_id, actor_id=actor.id if actor else None, action=action, details=details, profile=profile
        )
    )


@dataclass(frozen=True)
class AuditView:
    """One audit entry as shown to an owner."""

    at: datetime
    actor_email: str | None
    action: str
    details: dict[str, Any]
    profile: str | None = None  # the profile that allowed it


def list_audit(session: Session, actor: User, shop_id: int) -> list[AuditView]:
    """The shop's audit log, oldest first (owner only)."""
    access_shop(session, actor, shop_id, Action.VIEW_AUDIT)
    rows = session.execute(
        select(AuditEntry, User.email)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.shop_id == shop_id)
        .order_by(AuditEntry.id)
    )
    return [AuditView(entry.created_at, email, entry.action, entry.details, entry.profile) for entry, email in rows]


def list_account_audit(session: Session, actor: User) -> list[AuditView]:
    """The actor's account-level entries (no shop), newest first: their own security log."""
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.shop_id.is_(None), AuditEntry.actor_id == actor.id)
        .order_by(AuditEntry.id.desc())
    )
    return [AuditView(entry.created_at, actor.email, entry.action, entry.details) for entry in rows]
