"""Accounts: registration, email verification, passwords, the language and the billing profile.

Emails are normalised to lower case everywhere, so `Ann@Example.com` and `ann@example.com` are one
account and one invitation target.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.billing_settings import load_billing_settings
from accounts.emails import verification_email, verification_link
from accounts.errors import (
    EmailTaken,
    InvalidBillingProfile,
    InvalidCredentials,
    InvalidEmail,
    InvalidToken,
    UnknownLanguage,
    UserNotFound,
    WeakPassword,
)
from accounts.i18n import LANGUAGES
from accounts.mail import Mailer
from accounts.models import User
from accounts.tokens import hash_token, new_token

MIN_PASSWORD_LENGTH = 8
PASSWORD_HASHER = PasswordHasher()  # argon2id with the library's current RFC 9106 parameters


def normalize_email(email: str) -> str:
    """The one stored form of an email address."""
    email = email.strip().lower()
    if email.count("@") != 1 or email.startswith("@") or email.endswith("@"):
        raise InvalidEmail(email)
    return email


def register_user(
    session: Session,
    *,
    email: str,
    password: str,
    mailer: Mailer | None = None,
    base_url: str = "",
    language: str | None = None,
) -> tuple[User, str]:
    """Create an unverified account; returns it and its verification token (mailed if a mailer is given).

    `language` is the one the sign-up page was shown in: the account's emails, the first included, use it.
    """
    email = normalize_email(email)
    _check_password(password)
    language = _checked_language(language) if language is not None else None
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(email)
    token, token_hash = new_token()
    user = User(email=email, password_hash=PASSWORD_HASHER.hash(password), verify_token_hash=token_hash,
                language=language)
    try:
        with session.begin_nested():  # a concurrent sign-up with the same email loses cleanly
            session.add(user)
    except IntegrityError as exc:
        raise EmailTaken(email) from exc
    if mailer is not None:
        mailer.send(verification_email(to=email, link=verification_link(base_url, token), language=language))
    return user, token


def verify_email(session: Session, token: str) -> User:
    """Mark the account whose token this is as verified; the token works once."""
    user = session.scalars(
        select(User).where(User.verify_token_hash == hash_token(token)).with_for_update()
    ).one_or_none()
    if user is None:
        raise InvalidToken()
    user.verified = True
    user.verify_token_hash = None
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    """The account for these credentials; one error for unknown email and wrong password."""
    user = session.scalars(
        select(User).where(User.email == email.strip().lower(), User.token_shop_id.is_(None))
    ).one_or_none()
    if user is None:
        PASSWORD_HASHER.hash(password)  # spend the same time, so timing does not reveal accounts
        raise InvalidCredentials()
    try:
        PASSWORD_HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise InvalidCredentials() from exc
    if PASSWORD_HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = PASSWORD_HASHER.hash(password)
    return user


def change_password(session: Session, actor: User, *, old_password: str, new_password: str) -> None:
    """Set a new password after confirming the old one."""
    authenticate(session, actor.email, old_password)
    _check_password(new_password)
    actor.password_hash = PASSWORD_HASHER.hash(new_password)


def get_user(session: Session, email: str) -> User:
    """The person with this email (for the CLI's --by, invitations, transfers); shop tokens are no accounts."""
    user = session.scalars(
        select(User).where(User.email == normalize_email(email), User.token_shop_id.is_(None))
    ).one_or_none()
    if user is None:
        raise UserNotFound(normalize_email(email))
    return user


@dataclass(frozen=True)
class BillingProfile:
    """Who invoices are issued to."""

    name: str = ""  # a person or a company
    address: str = ""
    company_id: str = ""
    vat_id: str = ""
    invoice_email: str = ""  # empty: the account's email
    country: str = ""  # ISO 3166 alpha-2, e.g. CZ: picks the VAT (accounts.billing_settings)
    currency: str = "CZK"  # picks the price list

    @classmethod
    def of(cls, user: User) -> BillingProfile:
        """The user's current profile."""
        return cls(user.billing_name, user.billing_address, user.company_id, user.vat_id, user.invoice_email,
                   user.billing_country, user.billing_currency)


def update_billing_profile(session: Session, actor: User, profile: BillingProfile) -> User:
    """Replace the actor's billing profile; past invoices keep the profile they were issued to."""
    actor.billing_name = profile.name.strip()
    actor.billing_address = profile.address.strip()
    actor.company_id = profile.company_id.strip()
    actor.vat_id = profile.vat_id.strip().upper()
    actor.invoice_email = normalize_email(profile.invoice_email) if profile.invoice_email.strip() else ""
    actor.billing_country = check_country(profile.country)
    actor.billing_currency = check_currency(session, profile.currency)
    session.add(actor)
    return actor


def check_country(text: str) -> str:
    """An ISO 3166 alpha-2 code in capitals, or empty (not given yet)."""
    code = text.strip().upper()
    if code and not (len(code) == 2 and code.isascii() and code.isalpha()):
        raise InvalidBillingProfile("country", f"country: {text.strip()!r} is not a code such as CZ, SK or DE")
    return code


def check_currency(session: Session, text: str) -> str:
    """One of the currencies the billing settings have a price list in (CZK when not given)."""
    code = text.strip().upper() or "CZK"
    known = load_billing_settings(session).currencies
    if code not in known:
        raise InvalidBillingProfile("currency", f"currency: {text.strip()!r}; choose one of {', '.join(known)}")
    return code


def set_language(session: Session, actor: User, language: str) -> User:
    """Save the language the actor chose for pages and emails (one of LANGUAGES)."""
    actor.language = _checked_language(language)
    session.add(actor)
    session.flush()
    return actor


def language_of_address(session: Session, email: str) -> str | None:
    """The language chosen by the account with this email; None for no choice or no account."""
    return session.scalar(select(User.language).where(User.email == email.strip().lower()))


def _checked_language(language: str) -> str:
    if language not in LANGUAGES:
        raise UnknownLanguage(language, LANGUAGES)
    return language


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(MIN_PASSWORD_LENGTH)
