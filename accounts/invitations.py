"""Invitations by email: offer write or read access to an existing account.

The token is random (256 bits), stored only as a hash, single use, valid INVITE_TTL_DAYS, revocable;
re-sending replaces the hash, so the old link stops working. Only the account whose verified email
was invited can accept, and accepting grants exactly the invited level. Each email sent counts against
the hourly limits per shop and per inviting user (accounts.throttle).

A refused acceptance is audited with its reason (never the token), on the shop when the link names one,
else on the account that tried; like a failed login, the caller commits also when accepting raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from accounts import audit
from accounts.access import access_shop, require
from accounts.emails import invitation_email, invitation_link
from accounts.errors import (
    AccountsError,
    AlreadyMember,
    EmailNotVerified,
    InvitationInvalid,
    InvitationWrongAccount,
    LevelNotGrantable,
)
from accounts.mail import Mailer
from accounts.models import Invitation, InvitationStatus, Membership, Project, Shop, ShopStatus, User
from accounts.profiles import Area, Perm
from accounts.roles import Action, Level, can_grant
from accounts.shop_profiles import check_grant, level_for
from accounts.throttle import DEFAULT_INVITE_LIMITS, InviteLimits, check_invite_limits
from accounts.tokens import hash_token, new_token
from accounts.types import utcnow
from accounts.users import get_user, language_of_address

INVITE_TTL_DAYS = 7


def invite_member(
    session: Session,
    actor: User,
    shop_id: int,
    *,
    email: str,
    level: Level,
    mailer: Mailer,
    base_url: str,
    limits: InviteLimits = DEFAULT_INVITE_LIMITS,
    now: datetime | None = None,
    profiles: list[str] | None = None,
    project_ids: list[int] | None = None,
) -> tuple[Invitation, str]:
    """Email an invitation; returns it and its token. Inviting a pending email again re-sends it.

    With `profiles` (and `project_ids`), the invitee gets exactly those on accepting; `level` then
    follows from them. Without, the level's own profile, on every project.
    """
    shop, actor_level = access_shop(session, actor, shop_id, Action.VIEW_MEMBERS, lock=True)
    require(session, actor, shop.id, Area.MEMBERS, Perm.ADD)
    if not can_grant(actor_level, level) and profiles is None:
        raise LevelNotGrantable(level.label, actor_level.label)
    profiles = profiles or [level.label]  # nobody grants a profile allowing more than they may do
    level = level_for(check_grant(session, actor, shop, profiles, project_ids))
    if not can_grant(actor_level, level):
        raise LevelNotGrantable(level.label, actor_level.label)
    invitee = get_user(session, email)  # must exist: UserNotFound tells them to sign up
    if _has_access(session, shop, invitee):
        raise AlreadyMember(shop.id, invitee.email)
    check_invite_limits(session, shop_id=shop.id, inviter_id=actor.id, limits=limits, now=now or utcnow())
    invitation = session.scalars(
        select(Invitation)
        .where(Invitation.shop_id == shop.id, Invitation.email == invitee.email)
        .where(Invitation.status == InvitationStatus.PENDING)
        .with_for_update()
    ).one_or_none()
    if invitation is None:
        invitation = Invitation(shop_id=shop.id, email=invitee.email, invited_by_id=actor.id)
        session.add(invitation)
    invitation.level = level
    invitation.profiles, invitation.project_ids = profiles, project_ids
    token = _issue(session, invitation, shop, actor, mailer=mailer, base_url=base_url, now=now)
    audit.record(
        session,
        shop_id=shop.id,
        actor=actor,
        action="invitation.sent",
        email=invitee.email,
        level=level.label,
        profiles=invitation.profiles,
        projects=project_ids,
    )
    return invitation, token


def resend_invitation(
    session: Session,
    actor: User,
    shop_id: int,
    invitation_id: int,
    *,
    mailer: Mailer,
    base_url: str,
    limits: InviteLimits = DEFAULT_INVITE_LIMITS,
    now: datetime | None = None,
) -> str:
    """Send a fresh link with a fresh expiry; the previous link stops working."""
    shop = access_shop(session, actor, shop_id, Action.MANAGE_MEMBERS, lock=True).shop
    invitation = _pending_in_shop(session, shop, invitation_id)
    check_grant(session, actor, shop, invitation.profiles or [invitation.level.label], invitation.project_ids)
    check_invite_limits(session, shop_id=shop.id, inviter_id=actor.id, limits=limits, now=now or utcnow())
    token = _issue(session, invitation, shop, actor, mailer=mailer, base_url=base_url, now=now)
    audit.record(session, shop_id=shop.id, actor=actor, action="invitation.resent", email=invitation.email)
    return token


def revoke_invitation(session: Session, actor: User, shop_id: int, invitation_id: int) -> Invitation:
    """Withdraw a pending invitation; its link stops working."""
    shop = access_shop(session, actor, shop_id, Action.MANAGE_MEMBERS, lock=True).shop
    invitation = _pending_in_shop(session, shop, invitation_id)
    invitation.status = InvitationStatus.REVOKED
    invitation.decided_at = utcnow()
    audit.record(session, shop_id=shop.id, actor=actor, action="invitation.revoked", email=invitation.email)
    return invitation


def accept_invitation(
    session: Session, actor: User, token: str, *, now: datetime | None = None
) -> Membership:
    """Join the shop with the invited level; the token works once, for the invited verified email only.
    Commit also when this raises: a refusal is audited.

    Locks the shop, then the invitation (the order every membership change uses), so two accepts of
    one link queue up and the second finds it no longer pending.
    """
    now = now or utcnow()
    found = session.scalars(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    ).one_or_none()
    if found is None:
        unknown = InvitationInvalid("unknown or replaced link")
        _audit_refusal(session, None, actor, unknown)
        raise unknown
    shop = session.scalars(
        select(Shop)
        .where(Shop.id == found.shop_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    invitation = session.scalars(
        select(Invitation)
        .where(Invitation.id == found.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    refusal = _refusal(session, invitation, shop, actor, now)
    if refusal is not None:
        _audit_refusal(session, invitation, actor, refusal)
        raise refusal
    profiles = invitation.profiles or [invitation.level.label]
    membership = Membership(shop_id=shop.id, user_id=actor.id, level=invitation.level, profiles=profiles,
                            project_ids=invitation.project_ids)
    session.add(membership)
    invitation.status, invitation.accepted_by_id, invitation.decided_at = (
        InvitationStatus.ACCEPTED,
        actor.id,
        now,
    )
    audit.record(
        session,
        shop_id=shop.id,
        actor=actor,
        action="invitation.accepted",
        email=actor.email,
        level=invitation.level.label,
        profiles=membership.profiles,
        projects=membership.project_ids,
    )
    session.flush()
    return membership


@dataclass(frozen=True)
class InvitationView:
    """A pending invitation as listed to the owner or the invitee."""

    invitation_id: int
    shop_id: int
    shop_name: str
    email: str
    level: Level
    expires_at: datetime
    profiles: list[str]  # granted on accepting
    project_ids: list[int] | None = None  # None: every project


def find_invitation(session: Session, token: str) -> InvitationView | None:
    """The pending invitation an emailed link stands for, to say what accepting it means (None: the link
    is unknown, replaced, used or expired). Holding the link is what lets one read it."""
    found = _views(session, Invitation.token_hash == hash_token(token))
    return found[0] if found else None


def list_shop_invitations(session: Session, actor: User, shop_id: int) -> list[InvitationView]:
    """Pending invitations of one shop (owner)."""
    access_shop(session, actor, shop_id, Action.MANAGE_MEMBERS)
    return _views(session, Invitation.shop_id == shop_id)


def list_my_invitations(session: Session, actor: User) -> list[InvitationView]:
    """Pending invitations sent to the actor's email."""
    return _views(session, Invitation.email == actor.email)


def _views(session: Session, condition: ColumnElement[bool]) -> list[InvitationView]:
    rows = session.execute(
        select(Invitation, Shop.name)
        .join(Shop, Shop.id == Invitation.shop_id)
        .where(condition, Invitation.status == InvitationStatus.PENDING, Shop.status != ShopStatus.DELETED)
        .where(Invitation.expires_at > utcnow())
        .order_by(Invitation.id)
    )
    return [
        InvitationView(inv.id, inv.shop_id, name, inv.email, inv.level, inv.expires_at,
                       inv.profiles or [inv.level.label], inv.project_ids)
        for inv, name in rows
    ]


def _project_names(session: Session, project_ids: list[int]) -> list[str]:
    return list(session.scalars(select(Project.name).where(Project.id.in_(project_ids)).order_by(Project.name)))


def _issue(
    session: Session,
    invitation: Invitation,
    shop: Shop,
    actor: User,
    *,
    mailer: Mailer,
    base_url: str,
    now: datetime | None,
) -> str:
    token, invitation.token_hash = new_token()
    invitation.expires_at = (now or utcnow()) + timedelta(days=INVITE_TTL_DAYS)
    session.flush()
    mailer.send(
        invitation_email(
            to=invitation.email,
            shop_name=shop.name,
            inviter=actor.email,
            level=invitation.level.label,
            profiles=invitation.profiles,
            projects=None if invitation.project_ids is None else _project_names(session, invitation.project_ids),
            link=invitation_link(base_url, token),
            expires_at=invitation.expires_at,
            language=language_of_address(session, invitation.email),
        )
    )
    return token


def _pending_in_shop(session: Session, shop: Shop, invitation_id: int) -> Invitation:
    invitation = session.scalars(
        select(Invitation)
        .where(Invitation.id == invitation_id, Invitation.shop_id == shop.id)
        .with_for_update()
    ).one_or_none()
    if invitation is None or invitation.status is not InvitationStatus.PENDING:
        raise InvitationInvalid("no such pending invitation")
    return invitation


def _refusal(
    session: Session, invitation: Invitation, shop: Shop, actor: User, now: datetime
) -> AccountsError | None:
    """Why the actor may not accept the invitation now, or None."""
    if invitation.status is not InvitationStatus.PENDING:
        return InvitationInvalid(f"already {invitation.status.value}")
    if invitation.expires_at <= now:
        return InvitationInvalid("expired")
    if shop.status.closed:
        return InvitationInvalid("the shop was deleted")
    if actor.email != invitation.email:
        return InvitationWrongAccount(invitation.email)
    if not actor.verified:
        return EmailNotVerified(actor.email)
    if _has_access(session, shop, actor):
        return AlreadyMember(shop.id, actor.email)
    return None


def _audit_refusal(session: Session, invitation: Invitation | None, actor: User, refusal: AccountsError) -> None:
    """One entry for a refused acceptance: on the shop, for its owner to see who tried a link and why;
    on the actor's account when the link names no invitation (unknown, or replaced by a re-send)."""
    if isinstance(refusal, InvitationInvalid):
        reason = refusal.reason
    else:
        reason = "email not verified" if isinstance(refusal, EmailNotVerified) else "already has access"
    if invitation is None:
        audit.record(session, shop_id=None, actor=actor, action="invitation.refused", reason=reason)
    else:
        audit.record(session, shop_id=invitation.shop_id, actor=actor, action="invitation.refused",
                     invitation_id=invitation.id, email=invitation.email, reason=reason)


def _has_access(session: Session, shop: Shop, user: User) -> bool:
    if shop.owner_id == user.id:
        return True
    query = select(Membership.id).where(Membership.shop_id == shop.id, Membership.user_id == user.id)
    return session.scalar(query) is not None
