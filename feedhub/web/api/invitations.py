"""Invitations to a shop: create, list, revoke, re-send (owner), accept (the invited account)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from accounts.errors import AccountsError
from accounts.invitations import (
    accept_invitation,
    invite_member,
    list_shop_invitations,
    resend_invitation,
    revoke_invitation,
)
from accounts.roles import Level
from feedhub.web.api.schemas import NewInvitation, TokenBody
from feedhub.web.api.views import invitation_view, membership_view
from feedhub.web.caller import Context, Db, Me
from feedhub.web.paging import DEFAULT_LIMIT, Cursor, Limit, page

router = APIRouter(tags=["invitations"])


@router.get("/shops/{shop_id}/invitations")
def invitations(shop_id: int, user: Me, session: Db, limit: Limit = DEFAULT_LIMIT,
                cursor: Cursor = None) -> dict[str, Any]:
    """Pending invitations of the shop (owner)."""
    return page(list_shop_invitations(session, user, shop_id), key=lambda i: i.invitation_id, cursor=cursor,
                limit=limit, render=invitation_view)


@router.post("/shops/{shop_id}/invitations", status_code=201)
def invite(shop_id: int, body: NewInvitation, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """Email an invitation to an existing account with a level, or with exactly `profiles` on `projects`
    (null: every project) (members managers)."""
    invitation, _ = invite_member(  # with profiles, the level follows from them: "read" is only a placeholder
        session, user, shop_id, email=body.email, level=Level.parse(body.level or "read"), mailer=context.mailer,
        base_url=context.base_url, limits=context.settings.invite_limits, profiles=body.profiles,
        project_ids=body.projects,
    )
    return {"id": invitation.id, "email": invitation.email, "level": invitation.level.label,
            "expires_at": invitation.expires_at.isoformat(), "profiles": invitation.profiles,
            "projects": invitation.project_ids}


@router.delete("/shops/{shop_id}/invitations/{invitation_id}", status_code=204)
def revoke(shop_id: int, invitation_id: int, user: Me, session: Db) -> None:
    """Withdraw a pending invitation; its link stops working (owner)."""
    revoke_invitation(session, user, shop_id, invitation_id)


@router.post("/shops/{shop_id}/invitations/{invitation_id}/resend", status_code=202)
def resend(shop_id: int, invitation_id: int, user: Me, session: Db, context: Context) -> dict[str, str]:
    """Email a fresh link with a fresh expiry; the previous link stops working (owner)."""
    resend_invitation(session, user, shop_id, invitation_id, mailer=context.mailer, base_url=context.base_url,
                      limits=context.settings.invite_limits)
    return {"status": "sent"}


@router.post("/invitations/accept")
def accept(body: TokenBody, user: Me, session: Db) -> dict[str, Any]:
    """Join a shop with the emailed token (the invited, verified account only)."""
    try:
        membership = accept_invitation(session, user, body.token)
    except AccountsError:
        session.commit()  # the refusal's audit entry stays
        raise
    return {"shop_id": membership.shop_id, **membership_view(membership)}
