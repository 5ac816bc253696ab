"""People and shops: users, shops, access levels, invitations, transfers, billing, projects.

Every service takes the session and the acting user first and starts with one access check; the
caller owns the transaction (commit or roll back after the call).
"""

from __future__ import annotations

from accounts.access import ShopAccess, access_shop
from accounts.api_tokens import ApiTokenView, create_api_token, list_api_tokens, resolve_api_token, revoke_api_token
from accounts.audit import AuditView, list_account_audit, list_audit
from accounts.auth import (
    change_password_and_end_sessions,
    end_sessions,
    log_in,
    log_out,
    request_password_reset,
    resend_verification,
    reset_password,
    resolve_session,
    sign_up,
)
from accounts.billing import (
    change_billing_period,
    issue_invoice,
    list_invoices,
    next_invoice_number,
    parse_month,
    record_payment,
)
from accounts.db import make_engine, make_session_factory, upgrade
from accounts.errors import AccountsError
from accounts.invitations import (
    InvitationView,
    accept_invitation,
    invite_member,
    list_my_invitations,
    list_shop_invitations,
    resend_invitation,
    revoke_invitation,
)
from accounts.lifecycle import (
    record_exported_products,
    send_trial_reminders,
    shop_may_run,
    suspend_overdue_shops,
)
from accounts.mail import Mailer, MemoryMailer, OutboxMailer, SmtpMailer, make_mailer
from accounts.members import MemberView, change_member_level, leave_shop, list_members, remove_member
from accounts.models import Invoice, Project, Shop, ShopStatus, User
from accounts.overview import ShopOverview, describe_shop
from accounts.pricing import BILLING_PERIODS, PriceList, PriceTier, quote
from accounts.projects import (
    DeletedProject,
    RevisionView,
    create_project,
    delete_project,
    edit_project,
    get_current_spec,
    get_revision_spec,
    list_history,
    list_projects,
    rollback_project,
    rollback_spec,
    save_revision,
)
from accounts.roles import PERMISSIONS, Action, Level
from accounts.shop_profiles import (
    ProfileView,
    add_profile,
    delete_profile,
    list_profiles,
    set_member_profiles,
    update_profile,
)
from accounts.shops import ShopListing, create_shop, delete_shop, list_my_shops, rename_shop, restore_shop
from accounts.transfers import (
    IncomingTransfer,
    accept_transfer,
    accept_transfer_by_id,
    cancel_transfer,
    list_incoming_transfers,
    start_transfer,
)
from accounts.users import (
    BillingProfile,
    authenticate,
    change_password,
    get_user,
    register_user,
    set_language,
    update_billing_profile,
    verify_email,
)

__all__ = [
    "BILLING_PERIODS",
    "PERMISSIONS",
    "AccountsError",
    "Action",
    "ApiTokenView",
    "AuditView",
    "BillingProfile",
    "IncomingTransfer",
    "InvitationView",
    "Invoice",
    "Level",
    "Mailer",
    "MemberView",
    "MemoryMailer",
    "OutboxMailer",
    "PriceList",
    "ProfileView",
    "PriceTier",
    "Project",
    "RevisionView",
    "Shop",
    "ShopAccess",
    "ShopListing",
    "ShopOverview",
    "ShopStatus",
    "SmtpMailer",
    "User",
    "accept_invitation",
    "accept_transfer",
    "accept_transfer_by_id",
    "access_shop",
    "add_profile",
    "delete_profile",
    "authenticate",
    "cancel_transfer",
    "change_billing_period",
    "change_member_level",
    "change_password",
    "change_password_and_end_sessions",
    "create_api_token",
    "create_project",
    "create_shop",
    "DeletedProject",
    "delete_project",
    "delete_shop",
    "describe_shop",
    "edit_project",
    "end_sessions",
    "get_current_spec",
    "get_revision_spec",
    "get_user",
    "invite_member",
    "issue_invoice",
    "leave_shop",
    "list_account_audit",
    "list_api_tokens",
    "list_audit",
    "list_history",
    "list_incoming_transfers",
    "list_invoices",
    "list_members",
    "list_my_invitations",
    "list_my_shops",
    "list_profiles",
    "list_projects",
    "list_shop_invitations",
    "log_in",
    "log_out",
    "make_engine",
    "make_mailer",
    "make_session_factory",
    "next_invoice_number",
    "parse_month",
    "quote",
    "record_exported_products",
    "record_payment",
    "register_user",
    "remove_member",
    "rename_shop",
    "request_password_reset",
    "resend_invitation",
    "resend_verification",
    "reset_password",
    "resolve_api_token",
    "resolve_session",
    "restore_shop",
    "revoke_api_token",
    "revoke_invitation",
    "rollback_project",
    "rollback_spec",
    "save_revision",
    "set_member_profiles",
    "update_profile",
    "send_trial_reminders",
    "set_language",
    "shop_may_run",
    "sign_up",
    "start_transfer",
    "suspend_overdue_shops",
    "update_billing_profile",
    "upgrade",
    "verify_email",
]
