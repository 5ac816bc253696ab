"""Throttling: failed logins per account (email) and per client address; invitation emails per shop and
per inviting user.

After MAX_FAILED_LOGINS failures within FAILURE_WINDOW_MINUTES, the next attempt must wait 1 s after
the last failure, then 2 s, 4 s ... (doubling with each further failure, capped at MAX_DELAY_S). A
success ends the account's run of failures; an address's failures only age out of the window, since
one good password of the attacker's own must not clear their record against everyone else.

Attempts live in `login_attempts`, so every process counts the same rows. Throttled attempts are not
stored: they check no password, so they must not lengthen the delay either. `prune_attempts` deletes
those past ATTEMPTS_KEPT (serve's housekeeping): only the window's attempts ever count.

Invitations (new or re-sent: each is an email to someone) are limited per hour, per shop and per inviting
user over all their shops (InviteLimits; the server's settings can change both). The defaults are far
above what an honest agency sends and far below the 500 a script once sent in 1.3 s. They are counted
from the audit log, which records every emailed invitation in the transaction that issues its link.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session

from accounts.errors import InvitationsThrottled
from accounts.models import AuditEntry, LoginAttempt
from accounts.types import utcnow

MAX_FAILED_LOGINS = 5
FAILURE_WINDOW_MINUTES = 15
MAX_DELAY_S = 15 * 60
EMAIL_LENGTH = 320  # the column widths: longer input is cut, not refused, so it still counts
CLIENT_IP_LENGTH = 64
ATTEMPTS_KEPT = timedelta(days=1)  # far past the window: a slow clock on one machine loses nothing
INVITES_PER_SHOP_HOUR = 50
INVITES_PER_USER_HOUR = 100
INVITE_WINDOW = timedelta(hours=1)
INVITE_ACTIONS = ("invitation.sent", "invitation.resent")  # the audit entries of emailed invitations
# advisory-lock classes, so an email never shares a key with an address or a user id
_LOCK_EMAIL, _LOCK_CLIENT_IP, _LOCK_INVITER = 1, 2, 3


@dataclass(frozen=True)
class InviteLimits:
    """How many invitation emails may go out within an hour: from one shop, and from one inviting user."""

    per_shop_hour: int = INVITES_PER_SHOP_HOUR
    per_user_hour: int = INVITES_PER_USER_HOUR


DEFAULT_INVITE_LIMITS = InviteLimits()


def login_key(email: str) -> str:
    """The account key of an attempt: the email as `authenticate` looks it up, fit to the column."""
    return email.strip().lower()[:EMAIL_LENGTH]


def lock_login_keys(session: Session, *, email: str, client_ip: str) -> None:
    """Serialize attempts on the same email or address until commit, so parallel guesses count in turn.

    PostgreSQL takes transaction-scoped advisory locks (there is no row to lock for an unknown email),
    always the email's first, so two attempts never wait on each other crosswise. SQLite needs nothing:
    its transactions start with BEGIN IMMEDIATE and so already run one at a time.
    """
    for lock_class, value in ((_LOCK_EMAIL, email), (_LOCK_CLIENT_IP, client_ip[:CLIENT_IP_LENGTH])):
        _advisory_lock(session, lock_class, value)


def retry_after_s(session: Session, *, email: str, client_ip: str, now: datetime) -> int:
    """Seconds until an attempt for this email from this address is allowed; 0: allowed now."""
    window_start = now - timedelta(minutes=FAILURE_WINDOW_MINUTES)
    # By id, not time: attempts of one email are serialized, so ids order them even within one clock tick.
    last_success_id = session.scalar(
        select(func.max(LoginAttempt.id)).where(LoginAttempt.email == email, LoginAttempt.succeeded)
    )
    account = and_(LoginAttempt.email == email, LoginAttempt.id > (last_success_id or 0))
    return max(
        _wait_s(session, account, since=window_start, now=now),
        _wait_s(session, LoginAttempt.client_ip == client_ip[:CLIENT_IP_LENGTH], since=window_start, now=now),
    )


def record_attempt(session: Session, *, email: str, client_ip: str, succeeded: bool, now: datetime) -> None:
    """Store one checked attempt in the caller's transaction."""
    session.add(
        LoginAttempt(email=email, client_ip=client_ip[:CLIENT_IP_LENGTH], succeeded=succeeded, created_at=now)
    )


def prune_attempts(session: Session, *, now: datetime | None = None) -> int:
    """Delete attempts older than ATTEMPTS_KEPT; returns how many. Throttling only counts failures within
    the window, after the account's last success, so what is deleted never changes a decision."""
    result = session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < (now or utcnow()) - ATTEMPTS_KEPT))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def delay_s(failures: int) -> int:
    """How long after the last of `failures` recent failures the next attempt must wait."""
    if failures < MAX_FAILED_LOGINS:
        return 0
    return min(2 ** min(failures - MAX_FAILED_LOGINS, 20), MAX_DELAY_S)  # the inner cap keeps the power small


def check_invite_limits(
    session: Session, *, shop_id: int, inviter_id: int, limits: InviteLimits, now: datetime
) -> None:
    """Raise InvitationsThrottled when the shop, or the inviter over all their shops, emailed its limit of
    invitations within the hour before `now`.

    Counting and sending are serialized until commit: per shop by the shop's row lock, which the caller
    holds, and per inviter here (PostgreSQL advisory lock, taken after the shop's, so never crosswise).
    """
    _advisory_lock(session, _LOCK_INVITER, str(inviter_id))
    since = now - INVITE_WINDOW
    for scope, key, limit in (
        ("shop", AuditEntry.shop_id == shop_id, limits.per_shop_hour),
        ("user", AuditEntry.actor_id == inviter_id, limits.per_user_hour),
    ):
        wait_s = _invites_wait_s(session, key, limit=limit, since=since, now=now)
        if wait_s:
            raise InvitationsThrottled(scope, limit, wait_s)


def _invites_wait_s(
    session: Session, key: ColumnElement[bool], *, limit: int, since: datetime, now: datetime
) -> int:
    """Seconds until fewer than `limit` invitations of `key` lie within the window; 0: one may go now."""
    sent = select(AuditEntry.created_at).where(
        key, AuditEntry.action.in_(INVITE_ACTIONS), AuditEntry.created_at > since
    )
    if session.scalars(select(func.count()).select_from(sent.subquery())).one() < limit:
        return 0
    # a place frees up when the limit-th newest invitation leaves the window (any older ones left before it)
    limiting = session.scalars(sent.order_by(AuditEntry.created_at.desc()).offset(limit - 1).limit(1)).one()
    return max(1, math.ceil((limiting + INVITE_WINDOW - now).total_seconds()))


def _wait_s(session: Session, key: ColumnElement[bool], *, since: datetime, now: datetime) -> int:
    failures, last_failure = session.execute(
        select(func.count(), func.max(LoginAttempt.created_at)).where(
            key, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > since
        )
    ).one()
    delay = delay_s(failures)
    if not delay:
        return 0
    remaining = (last_failure + timedelta(seconds=delay) - now).total_seconds()
    return max(0, math.ceil(remaining))


def _advisory_lock(session: Session, lock_class: int, value: str) -> None:
    """Hold a transaction-scoped lock on (class, value) until commit. PostgreSQL only: SQLite's transactions
    start with BEGIN IMMEDIATE and so already run one at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(lock_class, _lock_key(value))))


def _lock_key(value: str) -> int:
    # pg_advisory_xact_lock(int, int): the second key is a signed 32-bit integer.
    return int.from_bytes(hashlib.sha256(value.encode()).digest()[:4], "big", signed=True)
