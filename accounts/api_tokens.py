"""Personal API tokens: a user's scripts call the REST API as that user.

The token string is shown once, at creation; only its SHA-256 is stored (see accounts.tokens), so a
leaked database grants nothing. Tokens start with API_TOKEN_PREFIX so people (and secret scanners)
recognise one in a log or a repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import audit
from accounts.errors import ApiTokenNotFound, InvalidName, NotForShopTokens
from accounts.models import ApiToken, User
from accounts.tokens import hash_token, new_token
from accounts.types import utcnow

API_TOKEN_PREFIX = "fh_"
MAX_TOKEN_NAME_LENGTH = 100
LAST_USED_RESOLUTION_S = 60  # last_used_at is written at most this often: a busy script is not a write per call


@dataclass(frozen=True)
class ApiTokenView:
    """An API token as its owner sees it (never the token itself)."""

    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool

    @classmethod
    def of(cls, token: ApiToken) -> ApiTokenView:
        """The view of a stored token."""
        return cls(
            token.id, token.name, token.created_at, token.expires_at, token.last_used_at, token.revoked_at is not None
        )


def create_api_token(
    session: Session, actor: User, *, name: str, expires_at: datetime | None = None
) -> tuple[ApiTokenView, str]:
    """A new token of the actor's; the returned string is the only copy: show it once.

    A shop token's account gets its one token from accounts.shop_tokens and mints no more: revoking it
    must end everything it could do.
    """
    if actor.token_shop_id is not None and session.scalar(select(ApiToken.id).where(ApiToken.user_id == actor.id)):
        raise NotForShopTokens("create API tokens")
    name = name.strip()
    if not name or len(name) > MAX_TOKEN_NAME_LENGTH:
        raise InvalidName("API token", name, MAX_TOKEN_NAME_LENGTH)
    random_part, _ = new_token()
    token = f"{API_TOKEN_PREFIX}{random_part}"
    row = ApiToken(user_id=actor.id, name=name, token_hash=hash_token(token), expires_at=expires_at)
    session.add(row)
    session.flush()
    audit.record(session, shop_id=None, actor=actor, action="api_token.created", token_id=row.id, name=name)
    return ApiTokenView.of(row), token


def list_api_tokens(session: Session, actor: User) -> list[ApiTokenView]:
    """The actor's tokens, revoked ones included, oldest first."""
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.id))
    return [ApiTokenView.of(row) for row in rows]


def revoke_api_token(session: Session, actor: User, token_id: int) -> None:
    """End one of the actor's tokens for good; revoking twice changes nothing. A shop token is revoked in its
    shop (accounts.shop_tokens), where its membership ends with it and the shop's audit log says so."""
    if actor.token_shop_id is not None:
        raise NotForShopTokens("revoke itself; those with tokens:delete revoke it in its shop")
    row = session.scalars(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == actor.id).with_for_update()
    ).one_or_none()
    if row is None:
        raise ApiTokenNotFound(token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(session, shop_id=None, actor=actor, action="api_token.revoked", token_id=row.id, name=row.name)


def resolve_api_token(session: Session, token: str, *, now: datetime | None = None) -> User | None:
    """The user a live token belongs to; None for an unknown, revoked or expired one."""
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    now = now or utcnow()
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).one_or_none()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    if row.last_used_at is None or now - row.last_used_at >= timedelta(seconds=LAST_USED_RESOLUTION_S):
        row.last_used_at = now
    return session.get_one(User, row.user_id)
