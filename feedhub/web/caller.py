"""Who is calling: one dependency turns a session cookie or a bearer token into a user, once per request.

Authorization is not decided here: every route calls a service, and the service's access check decides.

CSRF: a browser sends the session cookie with any request, also one a hostile page starts. So a
request that changes something and is authenticated by the cookie must also carry the session's
CSRF token, in the `X-CSRF-Token` header (API) or a `csrf_token` form field (pages). The token is
derived from the session token (HMAC), so it needs no storage and dies with the session. Bearer
tokens are never sent by a browser on its own and need no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from accounts.api_tokens import resolve_api_token
from accounts.auth import resolve_session
from accounts.models import User
from feedhub.web.context import WebContext
from feedhub.web.errors import ApiError, unauthenticated

SESSION_COOKIE = "feedhub_session"
CSRF_COOKIE = "feedhub_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
SESSION_COOKIE_MAX_AGE_S = 30 * 24 * 3600  # the session's own absolute lifetime decides; this only bounds the cookie


def context_of(request: Request) -> WebContext:
    """The app's WebContext."""
    context: WebContext = request.app.state.context
    return context


def database(request: Request) -> Iterator[Session]:
    """One session and one transaction per request: committed when the route returns, else rolled back."""
    with context_of(request).sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


Db = Annotated[Session, Depends(database, scope="function")]  # committed before the response is sent
Context = Annotated[WebContext, Depends(context_of)]


@dataclass(frozen=True)
class Caller:
    """The signed-in user and how they proved it."""

    user: User
    session_token: str | None  # None for API tokens

    @property
    def csrf_token(self) -> str | None:
        """The CSRF token of a cookie session."""
        return csrf_token_for(self.session_token) if self.session_token else None


def csrf_token_for(session_token: str) -> str:
    """The CSRF token that belongs to one login session."""
    return hmac.new(session_token.encode(), b"feedhub-csrf", hashlib.sha256).hexdigest()


async def posted_form(request: Request) -> dict[str, str]:
    """A form post's fields, read once before the (synchronous) code that needs them; {} for other bodies."""
    content_type = request.headers.get("content-type", "")
    if request.method in SAFE_METHODS or not content_type.startswith(FORM_TYPES):
        return {}
    return {key: str(value) for key, value in (await request.form()).items()}


Posted = Annotated[dict[str, str], Depends(posted_form)]


def optional_caller(request: Request, session: Db, form: Posted) -> Caller | None:
    """The caller, or None for an anonymous request; a bad bearer token or a missing CSRF token fails.

    A plain function, so FastAPI runs it in its thread pool: on the event loop, a wait for SQLite's
    write lock would stop every other request, the one holding the lock included.
    """
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        user = resolve_api_token(session, header[7:].strip())
        if user is None:
            raise unauthenticated("the API token is unknown, expired or revoked")
        return Caller(user, None)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    user = resolve_session(session, token)
    if user is None:
        return None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD, "")
        if not sent or not hmac.compare_digest(sent, csrf_token_for(token)):
            raise ApiError(403, "csrf_failed", f"missing or wrong CSRF token (send the {CSRF_HEADER} header)")
    return Caller(user, token)


def current_caller(caller: Annotated[Caller | None, Depends(optional_caller)]) -> Caller:
    """The caller of a route that needs one."""
    if caller is None:
        raise unauthenticated()
    return caller


def current_user(caller: Annotated[Caller, Depends(current_caller)]) -> User:
    """The signed-in user."""
    return caller.user


Me = Annotated[User, Depends(current_user)]
MaybeCaller = Annotated[Caller | None, Depends(optional_caller)]
SignedIn = Annotated[Caller, Depends(current_caller)]


def start_session(response: Response, context: WebContext, session_token: str) -> str:
    """Set the session cookie (and the readable CSRF cookie) after a login; returns the CSRF token."""
    csrf = csrf_token_for(session_token)
    secure = context.secure_cookies
    response.set_cookie(
        SESSION_COOKIE, session_token, max_age=SESSION_COOKIE_MAX_AGE_S, httponly=True, secure=secure,
        samesite="lax", path="/",
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=SESSION_COOKIE_MAX_AGE_S, httponly=False, secure=secure, samesite="lax", path="/"
    )
    return csrf


def end_session_cookies(response: Response) -> None:
    """Remove both cookies (logout, password change elsewhere)."""
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
