"""The forms of the shop page's API tokens section (`accounts.shop_tokens`, as the CLI uses it).

A new token's string exists only in the answer to the form that created it: the shop page is rendered
right there (not redirected to), so the secret never travels in a URL or a cookie, and the answer is
marked not to be stored. A refused form shows the page again with the reason next to the form.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from accounts.errors import AccountsError
from accounts.overview import describe_shop
from accounts.shop_tokens import create_shop_token, revoke_shop_token
from feedhub.web.caller import Caller, Db, MaybeCaller, Posted
from feedhub.web.errors import status_of
from feedhub.web.pages.base import form_data, go, signed_in
from feedhub.web.pages.profiles import ticked, ticked_projects
from feedhub.web.pages.shops import shop_view

router = APIRouter(include_in_schema=False)


@router.post("/shops/{shop_id}/tokens/add", response_class=HTMLResponse)
def add_token(shop_id: int, request: Request, posted: Posted, caller: MaybeCaller, session: Db) -> Response:
    """A new token of the shop, its string shown in this answer only."""
    form = form_data(posted)

    def act(c: Caller) -> Response:
        try:
            token, secret = create_shop_token(session, c.user, shop_id, name=form.get("name", ""),
                                              profiles=ticked(form, "profile"), project_ids=ticked_projects(form))
        except AccountsError as exc:
            return _refused(request, c, session, shop_id, exc, "add", form)
        shown = shop_view(request, c, session, describe_shop(session, c.user, shop_id), new_token=token,
                          new_secret=secret, back=f"/shops/{shop_id}")
        shown.headers["Cache-Control"] = "no-store"  # not kept by the browser's cache or a proxy
        return shown
    return signed_in(request, caller, act, back=f"/shops/{shop_id}")


@router.post("/shops/{shop_id}/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(shop_id: int, token_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:
    """End a token at once, then the shop's page again."""
    def act(c: Caller) -> Response:
        try:
            revoke_shop_token(session, c.user, shop_id, token_id)
        except AccountsError as exc:
            return _refused(request, c, session, shop_id, exc, "revoke", {})
        return go(f"/shops/{shop_id}#shop-tokens")
    return signed_in(request, caller, act, back=f"/shops/{shop_id}")


def _refused(request: Request, c: Caller, session: Session, shop_id: int, exc: AccountsError, failed: str,
             typed: dict[str, str]) -> Response:
    """The page with the reason in the tokens section (at the top for those who do not see it), typed values kept."""
    session.rollback()  # nothing of a refused change is kept
    return shop_view(request, c, session, describe_shop(session, c.user, shop_id), status=status_of(exc),
                     back=f"/shops/{shop_id}", token_failed=failed, token_error=exc.message, token_typed=typed,
                     token_profiles=ticked(typed, "profile"), token_projects=ticked_projects(typed))
