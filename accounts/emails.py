"""The texts of the emails accounts sends. Links are built from the base URL the caller passes."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from accounts.mail import compose


def invitation_link(base_url: str, token: str) -> str:
    """Where an invitee accepts."""
    return f"{base_url.rstrip('/')}/invitations/{token}"


def transfer_link(base_url: str, token: str) -> str:
    """Where the new owner accepts a transfer."""
    return f"{base_url.rstrip('/')}/transfers/{token}"


def verification_link(base_url: str, token: str) -> str:
    """Where a new user confirms their email."""
    return f"{base_url.rstrip('/')}/verify/{token}"


def password_reset_link(base_url: str, token: str) -> str:
    """Where a user who forgot their password sets a new one."""
    return f"{base_url.rstrip('/')}/reset-password/{token}"


def invitation_email(
    *, to: str, shop_name: str, inviter: str, level: str, link: str, expires_at: datetime
) -> EmailMessage:
    """Invite an existing account to a shop."""
    body = (
        f'{inviter} invited you to the shop "{shop_name}" on Feedhub with {level} access.\n\n'
        f"Accept the invitation:\n{link}\n\n"
        f"The link works once, only for {to}, until {expires_at:%Y-%m-%d %H:%M} UTC.\n"
    )
    return compose(to=to, subject=f"Invitation to {shop_name} on Feedhub", body=body)


def transfer_email(*, to: str, shop_name: str, owner: str, link: str, expires_at: datetime) -> EmailMessage:
    """Offer the ownership of a shop."""
    body = (
        f'{owner} wants to transfer the shop "{shop_name}" to you. On acceptance you become its owner\n'
        f"and its invoices go to your billing profile; projects, history and members stay as they are.\n\n"
        f"Accept the transfer:\n{link}\n\nThe link works until {expires_at:%Y-%m-%d %H:%M} UTC.\n"
    )
    return compose(to=to, subject=f"Transfer of {shop_name} on Feedhub", body=body)


def trial_reminder_email(*, to: str, shop_name: str, trial_ends_at: datetime, link: str) -> EmailMessage:
    """Warn the owner before the trial ends."""
    body = (
        f'The free trial of "{shop_name}" ends on {trial_ends_at:%Y-%m-%d}. After that, scheduled runs\n'
        f"stop until the first invoice is paid (published feeds stay up).\n\nBilling: {link}\n"
    )
    return compose(to=to, subject=f"Your Feedhub trial for {shop_name} ends soon", body=body)


def verification_email(*, to: str, link: str) -> EmailMessage:
    """Confirm the email of a new account."""
    body = f"Confirm your email address for Feedhub:\n{link}\n"
    return compose(to=to, subject="Confirm your email for Feedhub", body=body)


def password_reset_email(*, to: str, link: str, expires_at: datetime) -> EmailMessage:
    """Let the owner of the address set a new password; says what to do if they did not ask."""
    body = (
        "Someone (hopefully you) asked to reset the password of your Feedhub account.\n\n"
        f"Set a new password:\n{link}\n\n"
        f"The link works once, until {expires_at:%Y-%m-%d %H:%M} UTC. Setting a new password signs out\n"
        "every browser. If you did not ask, ignore this email: your password stays as it is.\n"
    )
    return compose(to=to, subject="Reset your Feedhub password", body=body)
