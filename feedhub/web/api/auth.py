"""Sign-up, login and logout, email verification and password reset: the routes that admit people."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from accounts import auth
from accounts.errors import AccountsError
from accounts.users import verify_email
from feedhub.web.api.schemas import Credentials, EmailBody, PasswordReset, TokenBody
from feedhub.web.api.views import user_view
from feedhub.web.caller import Context, Db, MaybeCaller, Me, end_session_cookies, start_session

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/signup", status_code=201)
def sign_up(body: Credentials, session: Db, context: Context) -> dict[str, Any]:
    """Create an account; a verification link is emailed (only verified accounts accept invitations)."""
    user = auth.sign_up(
        session, email=body.email, password=body.password, mailer=context.mailer, base_url=context.base_url
    )
    session.flush()
    return user_view(user)


@router.post("/login")
def log_in(body: Credentials, request: Request, response: Response, session: Db, context: Context) -> dict[str, Any]:
    """Start a browser session: a new session cookie every time (HttpOnly, SameSite=Lax) and its CSRF token."""
    try:
        user, token = auth.log_in(
            session, email=body.email, password=body.password, client_ip=_client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
        )
    except AccountsError:
        session.commit()  # the failed attempt counts: throttling and the audit log read it
        raise
    csrf = start_session(response, context, token)
    return {**user_view(user), "csrf_token": csrf}


@router.post("/logout", status_code=204)
def log_out(caller: MaybeCaller, response: Response, session: Db) -> None:
    """End this browser session."""
    if caller is not None and caller.session_token:
        auth.log_out(session, caller.session_token)
    end_session_cookies(response)


@router.post("/verify")
def verify(body: TokenBody, session: Db) -> dict[str, Any]:
    """Confirm an email address with the emailed token."""
    return user_view(verify_email(session, body.token))


@router.post("/verify/resend", status_code=202)
def resend_verification(user: Me, session: Db, context: Context) -> dict[str, str]:
    """Email a fresh verification link to an unverified account."""
    auth.resend_verification(session, user, mailer=context.mailer, base_url=context.base_url)
    return {"status": "sent"}


@router.post("/password-reset", status_code=202)
def request_password_reset(body: EmailBody, session: Db, context: Context) -> dict[str, str]:
    """Email a single-use reset link if the account exists; the answer is the same either way."""
    auth.request_password_reset(session, email=body.email, mailer=context.mailer, base_url=context.base_url)
    return {"status": "if the account exists, a link is on its way"}


@router.post("/password-reset/confirm")
def reset_password(body: PasswordReset, response: Response, session: Db) -> dict[str, Any]:
    """Set a new password with the emailed token; every session of the account ends."""
    user = auth.reset_password(session, token=body.token, new_password=body.password)
    end_session_cookies(response)
    return user_view(user)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""
