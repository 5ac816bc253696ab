"""Signing in: login sessions, throttled logins, sign-up and verification, password change and reset.

A login session is a random token in a browser cookie; only its hash is stored. Every login issues a
new token (no session fixation), a session dies after SESSION_IDLE_DAYS without use or
SESSION_MAX_DAYS after login, and a password change or reset ends every session of the account.

The caller owns the transaction, also when a login fails: `log_in` stores the failed attempt and its
audit entry in the session and then raises, so the caller must COMMIT before answering
InvalidCredentials or LoginThrottled. Rolled back, the failure is forgotten and throttling never
engages.

API tokens live in accounts.api_tokens; their functions are re-exported here, so callers that
authenticate a request import from one place.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.orm import Session

from accounts import audit, throttle, users
from accounts.api_tokens import ApiTokenView as ApiTokenView
from accounts.api_tokens import create_api_token as create_api_token
from accounts.api_tokens import list_api_tokens as list_api_tokens
from accounts.api_tokens import resolve_api_token as resolve_api_token
from accounts.api_tokens import revoke_api_token as revoke_api_token
from accounts.emails import password_reset_email, password_reset_link, verification_email, verification_link
from accounts.errors import AlreadyVerified, InvalidCredentials, InvalidToken, LoginThrottled
from accounts.mail import Mailer
from accounts.models import LoginSession, PasswordReset, User
from accounts.tokens import hash_token, new_token
from accounts.types import utcnow

SESSION_IDLE_DAYS = 14
SESSION_MAX_DAYS = 30
LAST_SEEN_RESOLUTION_S = 60  # last_seen_at is written at most this often: not a write per page view
PASSWORD_RESET_TTL_MINUTES = 60
RESETS_PER_HOUR = 5  # reset emails per account: enough to retry a lost one, too few to flood a mailbox
USER_AGENT_LENGTH = 400


def log_in(
    session: Session, *, email: str, password: str, client_ip: str, user_agent: str = "", now: datetime | None = None
) -> tuple[User, str]:
    """The account and a new session token for these credentials; commit also when this raises.

    InvalidCredentials is the same for an unknown email and a wrong password, and LoginThrottled
    (checked first, before any password) is the same whether the account exists or not.
    """
    now = now or utcnow()
    key = throttle.login_key(email)
    throttle.lock_login_keys(session, email=key, client_ip=client_ip)
    wait_s = throttle.retry_after_s(session, email=key, client_ip=client_ip, now=now)
    if wait_s:
        _audit_login(session, "login.throttled", key, client_ip)
        raise LoginThrottled(wait_s)
    try:
        user = users.authenticate(session, key, password)
    except InvalidCredentials:
        throttle.record_attempt(session, email=key, client_ip=client_ip, succeeded=False, now=now)
        _audit_login(session, "login.failed", key, client_ip)
        session.flush()
        raise
    throttle.record_attempt(session, email=key, client_ip=client_ip, succeeded=True, now=now)
    _audit_login(session, "login.succeeded", key, client_ip, user=user)
    return user, _start_session(session, user, client_ip=client_ip, user_agent=user_agent, now=now)


def resolve_session(session: Session, token: str, *, now: datetime | None = None) -> User | None:
    """The user of a live session; None for an unknown or expired token (an expired one is deleted)."""
    now = now or utcnow()
    row = session.scalars(select(LoginSession).where(LoginSession.token_hash == hash_token(token))).one_or_none()
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at <= now - timedelta(days=SESSION_IDLE_DAYS):
        session.delete(row)
        return None
    if now - row.last_seen_at >= timedelta(seconds=LAST_SEEN_RESOLUTION_S):
        row.last_seen_at = now
    return session.get_one(User, row.user_id)


def log_out(session: Session, token: str) -> None:
    """End the session of this token (an unknown token is already logged out)."""
    session.execute(delete(LoginSession).where(LoginSession.token_hash == hash_token(token)))


def end_sessions(session: Session, user: User, *, keep_token: str | None = None) -> int:
    """End every session of the user except `keep_token`'s; returns how many ended."""
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token is not None:
        statement = statement.where(LoginSession.token_hash != hash_token(keep_token))
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def change_password_and_end_sessions(
    session: Session,
    actor: User,
    *,
    old_password: str,
    new_password: str,
    client_ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> str:
    """Change the password, sign out every browser, and return a new session token for this one.

    Sessions end because whoever learnt the old password may hold one; API tokens stay, since they
    were created on purpose and each can be revoked on its own.
    """
    users.change_password(session, actor, old_password=old_password, new_password=new_password)
    end_sessions(session, actor)
    audit.record(session, shop_id=None, actor=actor, action="password.changed", ip=client_ip)
    return _start_session(session, actor, client_ip=client_ip, user_agent=user_agent, now=now or utcnow())


def sign_up(
    session: Session, *, email: str, password: str, mailer: Mailer, base_url: str, language: str | None = None
) -> User:
    """Create an unverified account and mail it the verification link (in `language`, which it keeps)."""
    user, _ = users.register_user(session, email=email, password=password, mailer=mailer, base_url=base_url,
                                  language=language)
    return user


def resend_verification(session: Session, actor: User, *, mailer: Mailer, base_url: str) -> None:
    """Mail a new verification link; the previous link stops working."""
    if actor.verified:
        raise AlreadyVerified(actor.email)
    token, token_hash = new_token()
    actor.verify_token_hash = token_hash
    session.add(actor)
    mailer.send(verification_email(to=actor.email, link=verification_link(base_url, token), language=actor.language))


def request_password_reset(
    session: Session, *, email: str, mailer: Mailer, base_url: str, now: datetime | None = None
) -> None:
    """Mail a single-use reset link valid PASSWORD_RESET_TTL_MINUTES; for an unknown email, or an account
    that was sent RESETS_PER_HOUR links within the hour, do nothing.

    Nothing is raised either way, so the answer never tells whether an account exists.
    """
    now = now or utcnow()
    user = session.scalars(
        select(User).where(User.email == email.strip().lower(), User.token_shop_id.is_(None))
        .with_for_update()  # counts in turn
    ).one_or_none()
    if user is None:
        return
    recent = select(func.count()).where(PasswordReset.user_id == user.id,
                                        PasswordReset.created_at > now - timedelta(hours=1))
    if session.scalars(recent).one() >= RESETS_PER_HOUR:
        audit.record(session, shop_id=None, actor=user, action="password.reset_throttled")
        return
    token, token_hash = new_token()
    expires_at = now + timedelta(minutes=PASSWORD_RESET_TTL_MINUTES)
    session.add(PasswordReset(user_id=user.id, token_hash=token_hash, created_at=now, expires_at=expires_at))
    audit.record(session, shop_id=None, actor=user, action="password.reset_requested")
    link = password_reset_link(base_url, token)
    mailer.send(password_reset_email(to=user.email, link=link, expires_at=expires_at, language=user.language))


def reset_password(
    session: Session, *, token: str, new_password: str, client_ip: str = "", now: datetime | None = None
) -> User:
    """Set a new password through an emailed link; ends every session and every other reset link.

    The email counts as verified (the link reached its owner), and the account's run of failed logins
    ends, so a user who was throttled for forgetting the password can sign in at once.
    """
    now = now or utcnow()
    reset = session.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == hash_token(token)).with_for_update()
    ).one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise InvalidToken("password reset")
    users._check_password(new_password)  # the rules of register_user, before the link is spent
    user = session.get_one(User, reset.user_id)
    user.password_hash = users.PASSWORD_HASHER.hash(new_password)
    user.verified, user.verify_token_hash = True, None
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    end_sessions(session, user)
    throttle.record_attempt(session, email=user.email, client_ip=client_ip, succeeded=True, now=now)
    audit.record(session, shop_id=None, actor=user, action="password.reset", ip=client_ip)
    return user


def _start_session(session: Session, user: User, *, client_ip: str, user_agent: str, now: datetime) -> str:
    """A new session for the user (their expired ones are dropped on the way); returns its token."""
    idle_cutoff = now - timedelta(days=SESSION_IDLE_DAYS)
    session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id,
            or_(LoginSession.expires_at <= now, LoginSession.last_seen_at <= idle_cutoff),
        )
    )
    token, token_hash = new_token()
    session.add(
        LoginSession(
            user_id=user.id,
            token_hash=token_hash,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=SESSION_MAX_DAYS),
            client_ip=client_ip[: throttle.CLIENT_IP_LENGTH],
            user_agent=user_agent[:USER_AGENT_LENGTH],
        )
    )
    return token


def _audit_login(session: Session, action: str, email: str, client_ip: str, *, user: User | None = None) -> None:
    # The entry is about the account with this email, if there is one, so its owner sees attempts on it.
    about = user or session.scalars(select(User).where(User.email == email)).one_or_none()
    audit.record(session, shop_id=None, actor=about, action=action, email=email, ip=client_ip)
