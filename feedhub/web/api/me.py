"""The signed-in account: profile, password, API tokens, billing profile, what is offered to me."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Response

from accounts import api_tokens, auth
from accounts.audit import list_account_audit
from accounts.invitations import list_my_invitations
from accounts.transfers import list_incoming_transfers
from accounts.users import BillingProfile, update_billing_profile
from feedhub.web.api.schemas import BillingProfileBody, NewApiToken, PasswordChange
from feedhub.web.api.views import invitation_view, user_view
from feedhub.web.caller import Context, Db, Me, SignedIn, start_session
from feedhub.web.paging import DEFAULT_LIMIT, Cursor, Limit, page

router = APIRouter(prefix="/me", tags=["me"])


@router.get("")
def me(caller: SignedIn) -> dict[str, Any]:
    """My account; with a cookie session also its CSRF token."""
    return {**user_view(caller.user), "csrf_token": caller.csrf_token}


@router.put("/password")
def change_password(body: PasswordChange, caller: SignedIn, response: Response, session: Db,
                    context: Context) -> dict[str, Any]:
    """A new password ends every session of the account; this browser gets a new one."""
    token = auth.change_password_and_end_sessions(
        session, caller.user, old_password=body.old_password, new_password=body.new_password
    )
    csrf = start_session(response, context, token) if caller.session_token else None
    return {**user_view(caller.user), "csrf_token": csrf}


@router.get("/tokens")
def list_tokens(user: Me, session: Db, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    """My API tokens (never their secret)."""
    tokens = api_tokens.list_api_tokens(session, user)
    return page(tokens, key=lambda t: t.id, cursor=cursor, limit=limit, render=_token_view)


@router.post("/tokens", status_code=201)
def create_token(body: NewApiToken, user: Me, session: Db) -> dict[str, Any]:
    """A new API token; its secret is in this answer and nowhere else, ever."""
    view, token = api_tokens.create_api_token(session, user, name=body.name, expires_at=body.expires_at)
    return {**_token_view(view), "token": token}


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: int, user: Me, session: Db) -> None:
    """Revoke one of my API tokens; it stops working at once."""
    api_tokens.revoke_api_token(session, user, token_id)


@router.get("/billing-profile")
def billing_profile(user: Me) -> dict[str, str]:
    """Who my invoices are issued to."""
    return dataclasses.asdict(BillingProfile.of(user))


@router.put("/billing-profile")
def set_billing_profile(body: BillingProfileBody, user: Me, session: Db) -> dict[str, str]:
    """Replace my billing profile; issued invoices keep the profile they were issued to."""
    update_billing_profile(session, user, BillingProfile(**body.model_dump()))
    return dataclasses.asdict(BillingProfile.of(user))


@router.get("/invitations")
def my_invitations(user: Me, session: Db, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    """Pending invitations to my email."""
    return page(list_my_invitations(session, user), key=lambda i: i.invitation_id, cursor=cursor, limit=limit,
                render=invitation_view)


@router.get("/transfers")
def my_transfers(user: Me, session: Db, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    """Shops offered to me."""
    return page(
        list_incoming_transfers(session, user), key=lambda t: t.transfer_id, cursor=cursor, limit=limit,
        render=lambda t: {"id": t.transfer_id, "shop_id": t.shop_id, "shop_name": t.shop_name,
                          "from_email": t.from_email, "expires_at": t.expires_at.isoformat()},
    )


@router.get("/audit")
def my_audit(user: Me, session: Db, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    """Sign-ins and other events of my account, newest first."""
    entries = list(enumerate(reversed(list_account_audit(session, user))))  # numbered oldest first
    return page(entries, key=lambda e: e[0], newest_first=True, cursor=cursor, limit=limit,
                render=lambda e: {"at": e[1].at.isoformat(), "action": e[1].action, "details": e[1].details})


def _token_view(view: Any) -> dict[str, Any]:
    return {
        "id": view.id, "name": view.name, "created_at": view.created_at.isoformat(),
        "expires_at": view.expires_at.isoformat() if view.expires_at else None,
        "last_used_at": view.last_used_at.isoformat() if view.last_used_at else None, "revoked": view.revoked,
    }
