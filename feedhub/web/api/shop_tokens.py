"""A shop's own API tokens (the `tokens` area): list, create, revoke.

A token is a service account of the shop with exactly the profiles and project scope given here, so
an integration keeps working after the person who set it up leaves. Its secret is in the creating
answer only; lists never show it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from accounts.shop_tokens import create_shop_token, list_shop_tokens, revoke_shop_token
from feedhub.web.api.schemas import NewShopToken
from feedhub.web.api.views import shop_token_view
from feedhub.web.caller import Db, Me
from feedhub.web.paging import DEFAULT_LIMIT, Cursor, Limit, page

router = APIRouter(tags=["tokens"])


@router.get("/shops/{shop_id}/tokens")
def tokens(shop_id: int, user: Me, session: Db, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    """The shop's live tokens, oldest first (tokens:view)."""
    return page(list_shop_tokens(session, user, shop_id), key=lambda t: t.id, cursor=cursor, limit=limit,
                render=shop_token_view)


@router.post("/shops/{shop_id}/tokens", status_code=201)
def add(shop_id: int, body: NewShopToken, user: Me, session: Db) -> dict[str, Any]:
    """A new token with exactly these profiles on `projects` (null: every project), never more than the
    caller may grant; `token` is in this answer and nowhere else, ever (tokens:add)."""
    view, secret = create_shop_token(session, user, shop_id, name=body.name, profiles=body.profiles,
                                     project_ids=body.projects)
    return {**shop_token_view(view), "token": secret}


@router.delete("/shops/{shop_id}/tokens/{token_id}", status_code=204)
def revoke(shop_id: int, token_id: int, user: Me, session: Db) -> None:
    """End a token for good: it stops working at once (tokens:delete)."""
    revoke_shop_token(session, user, shop_id, token_id)
