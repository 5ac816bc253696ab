"""The texts of the emails accounts sends, each in the recipient's language (their account's, English
when they chose none or have no account). Links are built from the base URL the caller passes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from email.message import EmailMessage
from html import escape

from accounts.i18n import DEFAULT_LANGUAGE, LEVEL_NAMES, N_, known_language, translations
from accounts.mail import compose
from accounts.models import Invoice


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
    *, to: str, shop_name: str, inviter: str, level: str, link: str, expires_at: datetime,
    profiles: list[str] | None = None, projects: list[str] | None = None, language: str | None = None,
) -> EmailMessage:
    """Invite an existing account to a shop, saying what accepting gives: a level, or role profiles (and
    the projects they are limited to)."""
    _ = translations(language).gettext
    if profiles and profiles != [level]:
        granted = _('{inviter} invited you to the shop "{shop_name}" on Feedhub with the profiles: {profiles}.\n')
    else:
        granted = _('{inviter} invited you to the shop "{shop_name}" on Feedhub with {level} access.\n')
    if projects is not None:
        granted += _("Only on the projects: {projects}.\n")
    body = (granted + "\n" + _(
        "Accept the invitation:\n{link}\n\n"
        "The link works once, only for {to}, until {expires_at} UTC.\n"
    )).format(inviter=inviter, shop_name=shop_name, level=_(LEVEL_NAMES.get(level, level)), link=link, to=to,
              profiles=", ".join(profiles or ()), projects=", ".join(projects or ()),
              expires_at=f"{expires_at:%Y-%m-%d %H:%M}")
    subject = _("Invitation to {shop_name} on Feedhub").format(shop_name=shop_name)
    return compose(to=to, subject=subject, body=body, language=_language(language))


def transfer_email(
    *, to: str, shop_name: str, owner: str, link: str, expires_at: datetime, language: str | None = None
) -> EmailMessage:
    """Offer the ownership of a shop."""
    _ = translations(language).gettext
    body = _(
        '{owner} wants to transfer the shop "{shop_name}" to you. On acceptance you become its owner\n'
        "and its invoices go to your billing profile; projects, history and members stay as they are.\n\n"
        "Accept the transfer:\n{link}\n\nThe link works until {expires_at} UTC.\n"
    ).format(owner=owner, shop_name=shop_name, link=link, expires_at=f"{expires_at:%Y-%m-%d %H:%M}")
    subject = _("Transfer of {shop_name} on Feedhub").format(shop_name=shop_name)
    return compose(to=to, subject=subject, body=body, language=_language(language))


PROFILE_FIELDS = {"name": N_("name"), "address": N_("address"), "country": N_("country")}


def trial_reminder_email(
    *, to: str, shop_name: str, trial_ends_at: datetime, link: str, missing: list[str] | None = None,
    profile_link: str = "", language: str | None = None,
) -> EmailMessage:
    """Warn the owner before the trial ends, and ask for what the billing profile still lacks."""
    _ = translations(language).gettext
    body = _(
        'The free trial of "{shop_name}" ends on {trial_ends_at}. After that, scheduled runs\n'
        "stop until the first invoice is paid (published feeds stay up).\n\nBilling: {link}\n"
    ).format(shop_name=shop_name, trial_ends_at=f"{trial_ends_at:%Y-%m-%d}", link=link)
    if missing:
        body += "\n" + _(
            "The first invoice needs your billing profile's {fields}; please fill them in before then:\n{link}\n"
        ).format(fields=", ".join(_(PROFILE_FIELDS.get(field, field)) for field in missing), link=profile_link)
    subject = _("Your Feedhub trial for {shop_name} ends soon").format(shop_name=shop_name)
    return compose(to=to, subject=subject, body=body, language=_language(language))


def invoice_email(
    *, to: str, invoice: Invoice, shop_name: str, link: str, pdf: bytes, language: str | None = None
) -> EmailMessage:
    """An issued invoice: what it is for, how much, by when; as text and HTML, the invoice attached as a PDF."""
    _ = translations(language).gettext
    body = _(
        'Invoice {number} for "{shop_name}", {start} to {end}: {total} {currency} including VAT,\n'
        "due on {due}.\n\nInvoices and payment: {link}\n"
    ).format(number=invoice.number, shop_name=shop_name, start=invoice.period_start,
             end=invoice.period_end - timedelta(days=1), total=invoice.total, currency=invoice.currency,
             due=invoice.due_date, link=link)
    subject = _("Feedhub invoice {number} for {shop_name}").format(number=invoice.number, shop_name=shop_name)
    message = compose(to=to, subject=subject, body=body, language=_language(language))
    message.add_alternative(_as_html(body, link), subtype="html")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"invoice-{invoice.number}.pdf")
    return message


def _as_html(body: str, link: str) -> str:
    """The text body as simple HTML: its paragraphs, and the link as a link."""
    paragraphs = [escape(part).replace("\n", "<br>") for part in body.strip().split("\n\n")]
    html = "".join(f"<p>{part}</p>" for part in paragraphs)
    anchor = '<a href="{0}">{0}</a>'.format(escape(link))
    return "<!doctype html><html><body>" + html.replace(escape(link), anchor) + "</body></html>"


def unpaid_invoice_email(
    *, to: str, invoice: Invoice, shop_name: str, suspend_on: date, link: str, language: str | None = None
) -> EmailMessage:
    """An invoice past its due date: pay it before the shop's scheduled runs stop."""
    _ = translations(language).gettext
    body = _(
        'Invoice {number} for "{shop_name}" ({total} {currency}) was due on {due} and is not paid yet.\n'
        "If it is still unpaid on {suspend_on}, the shop's scheduled runs stop (published feeds stay\n"
        "up) until it is paid.\n\nInvoices and payment: {link}\n"
    ).format(number=invoice.number, shop_name=shop_name, total=invoice.total, currency=invoice.currency,
             due=invoice.due_date, suspend_on=suspend_on, link=link)
    subject = _("Unpaid Feedhub invoice {number}").format(number=invoice.number)
    return compose(to=to, subject=subject, body=body, language=_language(language))


def verification_email(*, to: str, link: str, language: str | None = None) -> EmailMessage:
    """Confirm the email of a new account."""
    _ = translations(language).gettext
    body = _("Confirm your email address for Feedhub:\n{link}\n").format(link=link)
    return compose(to=to, subject=_("Confirm your email for Feedhub"), body=body, language=_language(language))


def password_reset_email(*, to: str, link: str, expires_at: datetime, language: str | None = None) -> EmailMessage:
    """Let the owner of the address set a new password; says what to do if they did not ask."""
    _ = translations(language).gettext
    body = _(
        "Someone (hopefully you) asked to reset the password of your Feedhub account.\n\n"
        "Set a new password:\n{link}\n\n"
        "The link works once, until {expires_at} UTC. Setting a new password signs out\n"
        "every browser. If you did not ask, ignore this email: your password stays as it is.\n"
    ).format(link=link, expires_at=f"{expires_at:%Y-%m-%d %H:%M}")
    return compose(to=to, subject=_("Reset your Feedhub password"), body=body, language=_language(language))


def _language(language: str | None) -> str:
    return known_language(language) or DEFAULT_LANGUAGE
