"""Idempotency keys: a write sent twice with the same `Idempotency-Key` happens once.

A client that lost the answer to "create the shop" can send the request again: the second time it
gets the first answer back instead of a second shop. A key belongs to one credential (`scope`, a
hash of it) and one request (its fingerprint: method, path and body); the same key with another
request is refused, and a key whose first request is still running answers "busy". Answers are kept
for IDEMPOTENCY_TTL_HOURS; a request that failed on the server's side frees its key for a retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from accounts.errors import AccountsError
from accounts.models import Base
from accounts.types import UTCDateTime, utcnow

IDEMPOTENCY_TTL_HOURS = 24
MAX_KEY_LENGTH = 200


class IdempotencyRecord(Base):
    """The answer to the first request sent with one key (status None while it runs)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class IdempotencyKeyReused(AccountsError):
    """The key was used before for a different request."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the Idempotency-Key {key!r} was used for a different request; use a new key")
        self.key = key


class IdempotencyKeyBusy(AccountsError):
    """The first request with this key has not finished yet."""

    transient = True

    def __init__(self, key: str) -> None:
        super().__init__(f"a request with the Idempotency-Key {key!r} is still running; ask again in a moment")
        self.key = key


@dataclass(frozen=True)
class StoredAnswer:
    """What the first request answered."""

    status: int
    content_type: str
    body: bytes


def claim_key(
    session: Session, *, scope: str, key: str, fingerprint: str, now: datetime | None = None
) -> StoredAnswer | None:
    """None when this request may run (the key is now taken), or the stored answer to replay."""
    now = now or utcnow()
    session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - timedelta(hours=IDEMPOTENCY_TTL_HOURS))
    )
    found = _record(session, scope, key)
    if found is None:
        try:
            with session.begin_nested():
                session.add(IdempotencyRecord(scope=scope, key=key, fingerprint=fingerprint, created_at=now))
            return None
        except IntegrityError:
            found = _record(session, scope, key)  # the same key, sent twice at once
            if found is None:
                raise IdempotencyKeyBusy(key) from None
    if found.fingerprint != fingerprint:
        raise IdempotencyKeyReused(key)
    if found.status is None:
        raise IdempotencyKeyBusy(key)
    return StoredAnswer(found.status, found.content_type, found.body)


def complete_key(session: Session, *, scope: str, key: str, answer: StoredAnswer) -> None:
    """Keep the first request's answer for the requests that repeat it."""
    record = _record(session, scope, key)
    if record is not None:
        record.status, record.content_type, record.body = answer.status, answer.content_type, answer.body


def release_key(session: Session, *, scope: str, key: str) -> None:
    """Forget a key whose request failed on the server's side, so a retry can run."""
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key))


def _record(session: Session, scope: str, key: str) -> IdempotencyRecord | None:
    query = select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
    return session.scalars(query).one_or_none()
