"""A shop's own API tokens (the `tokens` area): for integrations that must outlive the person who set
them up, like Mirakl's shop API key.

Each token acts as a service account of the shop: a user row that cannot sign in, be invited, own or
create anything, holding one membership with the profiles and project scope chosen at creation (never
more than its creator may grant). Every access check therefore applies to it unchanged, and the audit
log names it. Revoking ends its token and its membership; the row stays, so the audit log keeps its name.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import audit
from accounts.access import access_shop, require
from accounts.api_tokens import create_api_token
from accounts.errors import ApiTokenNotFound, InvalidName
from accounts.models import ApiToken, Membership, User
from accounts.profiles import Area, Perm
from accounts.roles import Action
from accounts.shop_profiles import check_grant, check_reach, level_for
from accounts.types import utcnow

MAX_NAME_LENGTH = 60
UNUSABLE_PASSWORD = "!"  # no password hash: argon2 refuses it, so nobody signs in as a token


@dataclass(frozen=True)
class ShopTokenView:
    """One of a shop's tokens as listed (never the token itself)."""

    id: int
    name: str
    account: str  # the service account's address, as the audit log shows it
    profiles: list[str]
    project_ids: list[int] | None
    created_at: datetime
    last_used_at: datetime | None


def is_shop_token(user: User) -> bool:
    """Whether the user is a shop's token account, not a person."""
    return user.token_shop_id is not None


def create_shop_token(
    session: Session, actor: User, shop_id: int, *, name: str, profiles: list[str],
    project_ids: list[int] | None = None,
) -> tuple[ShopTokenView, str]:
    """A new token of the shop with exactly `profiles` (and scope); the returned string is the only copy."""
    shop = access_shop(session, actor, shop_id, Action.VIEW, lock=True).shop
    require(session, actor, shop.id, Area.TOKENS, Perm.ADD)
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidName("API token", name, MAX_NAME_LENGTH)
    level = level_for(check_grant(session, actor, shop, profiles, project_ids))
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30] or "token"
    account = User(email=f"{slug}.{secrets.token_hex(3)}@shop-{shop.id}.tokens.invalid",
                   password_hash=UNUSABLE_PASSWORD, verified=True, token_shop_id=shop.id)
    session.add(account)
    session.flush()
    session.add(Membership(shop_id=shop.id, user_id=account.id, level=level, profiles=profiles,
                           project_ids=project_ids))
    token_view, secret = create_api_token(session, account, name=name)
    audit.record(session, shop_id=shop.id, actor=actor, action="shop_token.created", token_id=token_view.id,
                 name=name, account=account.email, profiles=profiles, projects=project_ids)
    session.flush()
    membership = session.scalars(select(Membership).where(Membership.user_id == account.id)).one()
    return _view(session.get_one(ApiToken, token_view.id), account, membership), secret


def list_shop_tokens(session: Session, actor: User, shop_id: int) -> list[ShopTokenView]:
    """The shop's live tokens, oldest first (the tokens area's view)."""
    shop = access_shop(session, actor, shop_id, Action.VIEW).shop
    require(session, actor, shop.id, Area.TOKENS, Perm.VIEW)
    rows = session.execute(
        select(ApiToken, User, Membership).join(User, User.id == ApiToken.user_id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.token_shop_id == shop.id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id)
    ).tuples()
    return [_view(token, account, membership) for token, account, membership in rows]


def revoke_shop_token(session: Session, actor: User, shop_id: int, token_id: int) -> None:
    """End a shop token for good: the token and its account's membership go at once."""
    shop = access_shop(session, actor, shop_id, Action.VIEW, lock=True).shop
    require(session, actor, shop.id, Area.TOKENS, Perm.DELETE)
    found = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.id == token_id, User.token_shop_id == shop.id, ApiToken.revoked_at.is_(None))
        .with_for_update()
    ).tuples().one_or_none()
    if found is None:
        raise ApiTokenNotFound(token_id)
    token, account = found
    membership = session.scalars(select(Membership).where(Membership.user_id == account.id)).one_or_none()
    check_reach(session, actor, shop, None if membership is None else membership.project_ids)
    now = utcnow()
    for other in session.scalars(select(ApiToken).where(ApiToken.user_id == account.id, ApiToken.revoked_at.is_(None))):
        other.revoked_at = now
    if membership is not None:
        session.delete(membership)
    audit.record(session, shop_id=shop.id, actor=actor, action="shop_token.revoked", token_id=token.id,
                 name=token.name, account=account.email)
    session.flush()


def _view(token: ApiToken, account: User, membership: Membership) -> ShopTokenView:
    return ShopTokenView(token.id, token.name, account.email, list(membership.profiles), membership.project_ids,
                         token.created_at, token.last_used_at)
