"""How service results look in JSON: one function per kind of object, shared by every router."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from accounts.invitations import InvitationView
from accounts.members import MemberView
from accounts.models import Invoice, Membership, Project, Shop, ShopProfile, User
from accounts.published import ExportLink
from accounts.runs import ProjectRun
from accounts.shop_profiles import ProfileView
from accounts.shop_tokens import ShopTokenView
from accounts.shops import ShopListing


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def user_view(user: User) -> dict[str, Any]:
    """An account as its owner sees it."""
    return {"id": user.id, "email": user.email, "verified": user.verified, "created_at": _iso(user.created_at)}


def listing_view(listing: ShopListing) -> dict[str, Any]:
    """One shop of "my shops"."""
    return {
        "id": listing.shop_id, "name": listing.name, "level": listing.level.label,
        "status": listing.status.value, "owner_email": listing.owner_email,
    }


def shop_view(shop: Shop, level: str) -> dict[str, Any]:
    """A shop after a change."""
    return {
        "id": shop.id, "name": shop.name, "level": level, "status": shop.status.value,
        "billing_period": shop.billing_period, "next_billing_period": shop.next_billing_period,
        "trial_ends_at": _iso(shop.trial_ends_at), "deleted_at": _iso(shop.deleted_at),
    }


def member_view(member: MemberView) -> dict[str, Any]:
    """One member of a shop; `projects` null: every project."""
    return {"user_id": member.user_id, "email": member.email, "level": member.level.label,
            "profiles": member.profiles, "projects": member.project_ids}


def membership_view(membership: Membership) -> dict[str, Any]:
    """A membership after a change: what the member may do from their next request on."""
    return {"user_id": membership.user_id, "level": membership.level.label,
            "profiles": membership.profiles or [membership.level.label], "projects": membership.project_ids}


def shop_token_view(token: ShopTokenView) -> dict[str, Any]:
    """One of a shop's tokens (never its secret); `account` is how the audit log names it, `projects`
    null: every project."""
    return {"id": token.id, "name": token.name, "account": token.account, "profiles": token.profiles,
            "projects": token.project_ids, "created_at": _iso(token.created_at),
            "last_used_at": _iso(token.last_used_at)}


def invitation_view(invitation: InvitationView) -> dict[str, Any]:
    """One pending invitation, with what accepting it gives (`projects` null: every project)."""
    return {
        "id": invitation.invitation_id, "shop_id": invitation.shop_id, "shop_name": invitation.shop_name,
        "email": invitation.email, "level": invitation.level.label, "expires_at": _iso(invitation.expires_at),
        "profiles": invitation.profiles, "projects": invitation.project_ids,
    }


def profile_view(profile: ProfileView) -> dict[str, Any]:
    """One role profile: its grants as "area:perm", its element limit (null: any element), and its kind."""
    return {"name": profile.name, "grants": profile.grants, "elements": profile.elements, "kind": profile.kind}


def saved_profile_view(row: ShopProfile) -> dict[str, Any]:
    """A custom profile just saved, as the list shows it."""
    elements = None if row.elements is None else sorted(row.elements)
    return profile_view(ProfileView(row.name, list(row.grants), elements, "owner" if row.shop_id is None else "shop"))


def invoice_view(invoice: Invoice, paid: Decimal) -> dict[str, Any]:
    """One invoice with what was paid of it, money as strings (exact decimals); the API and the CLI's --json."""
    return {
        "number": invoice.number, "shop_id": invoice.shop_id, "period_start": invoice.period_start.isoformat(),
        "period_end": invoice.period_end.isoformat(), "billing_period": invoice.billing_period,
        "months": invoice.months, "tier": invoice.tier, "products": invoice.products,
        "net": str(invoice.net), "vat_rate": str(invoice.vat_rate), "vat": str(invoice.vat),
        "total": str(invoice.total), "currency": invoice.currency,
        "issued_at": _iso(invoice.issued_at), "due_date": invoice.due_date.isoformat(),
        "paid": str(paid), "paid_at": _iso(invoice.paid_at), "billed_to": invoice.billed_to, "note": invoice.note,
    }


def project_view(project: Project) -> dict[str, Any]:
    """A project without its spec."""
    return {"id": project.id, "shop_id": project.shop_id, "name": project.name, "revision": project.head}


def run_view(run: ProjectRun, *, report: bool = False) -> dict[str, Any]:
    """One run; with its whole report on request."""
    view = {
        "id": run.id, "project_id": run.project_id, "revision": run.revision, "trigger": run.trigger,
        "status": run.status.value, "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at),
        "seconds": run.seconds, "products_in": run.products_in, "products_out": run.products_out,
        "error": run.error, "warnings": run.warnings,
    }
    return {**view, "report": run.report} if report else view


def link_view(link: ExportLink, url: str) -> dict[str, Any]:
    """The public URL of one export."""
    return {
        "export": link.export_name, "url": url, "basic_auth_user": link.auth_user,
        "rotated_at": _iso(link.rotated_at),
    }
