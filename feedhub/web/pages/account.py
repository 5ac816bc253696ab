"""Signing in and out, signing up, confirming an email, resetting a password, and my account's page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from accounts import auth
from accounts.api_tokens import create_api_token, list_api_tokens, revoke_api_token
from accounts.errors import AccountsError
from accounts.users import BillingProfile, update_billing_profile, verify_email
from feedhub.web.caller import Caller, Context, Db, MaybeCaller, end_session_cookies, start_session
from feedhub.web.errors import status_of
from feedhub.web.pages.base import (
    anonymous_form,
    anonymous_form_data,
    form_data,
    go,
    message,
    render,
    safe_next,
    signed_in,
)

router = APIRouter(include_in_schema=False)

EMAIL = {"name": "email", "label": "Email", "type": "email", "autocomplete": "email"}
PASSWORD = {"name": "password", "label": "Password", "type": "password", "autocomplete": "current-password"}
NEW_PASSWORD = {"name": "password", "label": "New password (8 characters or more)", "type": "password",
                "autocomplete": "new-password"}


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return anonymous_form(request, "Log in", "/login", [EMAIL, PASSWORD], "Log in", next=safe_next(next),
                          links=[{"href": "/signup", "text": "No account yet? Sign up"},
                                 {"href": "/reset-password", "text": "Forgot your password?"}])


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, session: Db, context: Context) -> Response:
    try:
        form = await anonymous_form_data(request)
        user, token = auth.log_in(session, email=form.get("email", ""), password=form.get("password", ""),
                                  client_ip=request.client.host if request.client else "",
                                  user_agent=request.headers.get("user-agent", ""))
    except AccountsError as exc:
        session.commit()  # the failed attempt is recorded: throttling and the audit log count it
        return anonymous_form(request, "Log in", "/login", [EMAIL, PASSWORD], "Log in", error=exc.message,
                              status=status_of(exc) if status_of(exc) != 422 else 400,
                              next=safe_next(request.query_params.get("next")))
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    start_session(response, context, token)
    return response


@router.post("/logout")
def logout(caller: MaybeCaller, session: Db) -> Response:
    if caller is not None and caller.session_token:
        auth.log_out(session, caller.session_token)
    response = RedirectResponse("/login", status_code=303)
    end_session_cookies(response)
    return response


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, next: str = "/") -> Response:
    return anonymous_form(request, "Sign up", "/signup", [EMAIL, NEW_PASSWORD], "Create my account",
                          next=safe_next(next), links=[{"href": "/login", "text": "Have an account? Log in"}])


@router.post("/signup", response_class=HTMLResponse)
async def signup(request: Request, session: Db, context: Context) -> Response:
    try:
        form = await anonymous_form_data(request)
        user = auth.sign_up(session, email=form.get("email", ""), password=form.get("password", ""),
                            mailer=context.mailer, base_url=context.base_url)
    except AccountsError as exc:
        return anonymous_form(request, "Sign up", "/signup", [EMAIL, NEW_PASSWORD], "Create my account",
                              error=exc.message, status=status_of(exc))
    return message(request, None, "Check your email",
                   f"We sent a link to {user.email}. Open it to confirm your address, then log in.")


@router.get("/verify/{token}", response_class=HTMLResponse)
def verify(token: str, request: Request, caller: MaybeCaller, session: Db) -> Response:
    """The emailed verification link: confirms the address at once."""
    try:
        user = verify_email(session, token)
    except AccountsError as exc:
        return message(request, caller, "Email not confirmed", error=f"{exc.message}: the link is unknown or used.",
                       status=400)
    return message(request, caller, "Email confirmed", f"{user.email} is confirmed. You can accept invitations now.")


@router.get("/reset-password", response_class=HTMLResponse)
def reset_request_form(request: Request) -> Response:
    return anonymous_form(request, "Reset your password", "/reset-password", [EMAIL], "Email me a link")


@router.post("/reset-password", response_class=HTMLResponse)
async def reset_request(request: Request, session: Db, context: Context) -> Response:
    try:
        form = await anonymous_form_data(request)
    except AccountsError as exc:
        return message(request, None, "Reset your password", error=exc.message, status=400)
    auth.request_password_reset(session, email=form.get("email", ""), mailer=context.mailer,
                                base_url=context.base_url)
    return message(request, None, "Check your email", "If an account has this address, a link is on its way.")


@router.get("/reset-password/{token}", response_class=HTMLResponse)
def reset_form(token: str, request: Request) -> Response:
    return anonymous_form(request, "Choose a new password", f"/reset-password/{quote(token)}", [NEW_PASSWORD],
                          "Save the password")


@router.post("/reset-password/{token}", response_class=HTMLResponse)
async def reset(token: str, request: Request, session: Db) -> Response:
    try:
        form = await anonymous_form_data(request)
        auth.reset_password(session, token=token, new_password=form.get("password", ""))
    except AccountsError as exc:
        return message(request, None, "Password not changed", error=exc.message, status=400)
    response = message(request, None, "Password changed", "Log in with your new password.")
    end_session_cookies(response)
    return response




@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, caller: MaybeCaller, session: Db) -> Response:
    """My profile: password, API tokens, billing profile."""

    return signed_in(request, caller, lambda c: render(
        request, "account.html", caller=c, title="My account", tokens=list_api_tokens(session, c.user),
        profile=BillingProfile.of(c.user), new_token=None))


@router.post("/account/tokens", response_class=HTMLResponse)
async def create_token_page(request: Request, caller: MaybeCaller, session: Db) -> Response:
    """A new API token, shown on this page once."""

    form = await form_data(request)

    def act(c: Caller) -> Response:
        _, token = create_api_token(session, c.user, name=form.get("name", ""))
        return render(request, "account.html", caller=c, title="My account", tokens=list_api_tokens(session, c.user),
                      profile=BillingProfile.of(c.user), new_token=token)
    return signed_in(request, caller, act, back="/account")


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token_page(token_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:

    def act(c: Caller) -> Response:
        revoke_api_token(session, c.user, token_id)
        return go("/account")
    return signed_in(request, caller, act, back="/account")


@router.post("/account/password", response_class=HTMLResponse)
async def change_password_page(request: Request, caller: MaybeCaller, session: Db, context: Context) -> Response:
    """A new password: every other session of the account ends, this browser gets a new one."""

    form = await form_data(request)

    def act(c: Caller) -> Response:
        token = auth.change_password_and_end_sessions(
            session, c.user, old_password=form.get("old_password", ""), new_password=form.get("new_password", ""))
        response = go("/account")
        start_session(response, context, token)
        return response
    return signed_in(request, caller, act, back="/account")


@router.post("/account/billing-profile", response_class=HTMLResponse)
async def billing_profile_page(request: Request, caller: MaybeCaller, session: Db) -> Response:

    form = await form_data(request)
    fields = {name: form.get(name, "") for name in ("name", "address", "company_id", "vat_id", "invoice_email")}
    def act(c: Caller) -> Response:
        update_billing_profile(session, c.user, BillingProfile(**fields))
        return go("/account")
    return signed_in(request, caller, act, back="/account")
