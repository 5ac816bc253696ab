"""Signing in and out, signing up, confirming an email, resetting a password, and my account's page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from accounts import auth
from accounts.api_tokens import create_api_token, list_api_tokens, revoke_api_token
from accounts.errors import (
    AccountsError,
    EmailTaken,
    InvalidBillingProfile,
    InvalidCredentials,
    InvalidEmail,
    WeakPassword,
)
from accounts.i18n import N_, known_language
from accounts.users import BillingProfile, set_language, update_billing_profile, verify_email
from feedhub.web.caller import Caller, Context, Db, MaybeCaller, Posted, end_session_cookies, start_session
from feedhub.web.errors import status_of
from feedhub.web.language import LANGUAGE_COOKIE, page_translations, request_language
from feedhub.web.pages.base import (
    anonymous_form,
    anonymous_form_data,
    by_field,
    form_data,
    go,
    message,
    render,
    safe_next,
    signed_in,
)

router = APIRouter(include_in_schema=False)

# Labels are translated where a form is built, in the request's language.
EMAIL = {"name": "email", "label": N_("Email"), "type": "email", "autocomplete": "email"}
PASSWORD = {"name": "password", "label": N_("Password"), "type": "password", "autocomplete": "current-password"}
NEW_PASSWORD = {"name": "password", "label": N_("New password (8 characters or more)"), "type": "password",
                "autocomplete": "new-password"}


def _fields(request: Request, *fields: dict[str, str]) -> list[dict[str, str]]:
    _ = page_translations(request, None).gettext
    return [{**field, "label": _(field["label"])} for field in fields]


SIGNUP_FIELDS = {InvalidEmail: "email", EmailTaken: "email", WeakPassword: "password"}
"""Which field a refusal concerns, to show it there."""
ACCOUNT_FIELDS = {InvalidCredentials: "old_password", WeakPassword: "new_password", InvalidEmail: "invoice_email",
                  InvalidBillingProfile: "country"}
BILLING_FIELDS = ("name", "address", "country", "company_id", "vat_id", "invoice_email", "currency")


def _login_form(request: Request, *, next: str, error: str = "", status: int = 200) -> Response:
    _ = page_translations(request, None).gettext
    return anonymous_form(request, _("Log in"), "/login", _fields(request, EMAIL, PASSWORD), _("Log in"),
                          error=error, status=status, next=safe_next(next),
                          links=[{"href": "/signup", "text": _("No account yet? Sign up")},
                                 {"href": "/reset-password", "text": _("Forgot your password?")}])


def _signup_form(request: Request, *, next: str, error: str = "", field_errors: dict[str, str] | None = None,
                 email: str = "", status: int = 200) -> Response:
    _ = page_translations(request, None).gettext
    fields = _fields(request, {**EMAIL, "value": email}, NEW_PASSWORD)
    return anonymous_form(request, _("Sign up"), "/signup", fields, _("Create my account"), error=error,
                          field_errors=field_errors, status=status, next=safe_next(next),
                          links=[{"href": "/login", "text": _("Have an account? Log in")}])


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _login_form(request, next=next)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, posted: Posted, session: Db, context: Context) -> Response:
    try:
        form = anonymous_form_data(request, posted)
        user, token = auth.log_in(session, email=form.get("email", ""), password=form.get("password", ""),
                                  client_ip=request.client.host if request.client else "",
                                  user_agent=request.headers.get("user-agent", ""))
    except AccountsError as exc:
        session.commit()  # the failed attempt is recorded: throttling and the audit log count it
        return _login_form(request, next=safe_next(request.query_params.get("next")), error=exc.message,
                           status=status_of(exc) if status_of(exc) != 422 else 400)
    chosen = known_language(request.cookies.get(LANGUAGE_COOKIE))
    if user.language is None and chosen is not None:
        set_language(session, user, chosen)  # chosen on this browser before signing in: the emails follow it
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
    return _signup_form(request, next=next)


@router.post("/signup", response_class=HTMLResponse)
def signup(request: Request, posted: Posted, session: Db, context: Context) -> Response:
    try:
        form = anonymous_form_data(request, posted)
        user = auth.sign_up(session, email=form.get("email", ""), password=form.get("password", ""),
                            mailer=context.mailer, base_url=context.base_url,
                            language=request_language(request, None))  # the account keeps the page's language
    except AccountsError as exc:
        error, field_errors = by_field(exc, SIGNUP_FIELDS)
        return _signup_form(request, next="/", error=error, field_errors=field_errors,
                            email=posted.get("email", ""), status=status_of(exc))
    _ = page_translations(request, None).gettext
    return message(request, None, _("Check your email"),
                   _("We sent a link to {email}. Open it to confirm your address, then log in.").format(
                       email=user.email))


@router.get("/verify/{token}", response_class=HTMLResponse)
def verify(token: str, request: Request, caller: MaybeCaller, session: Db) -> Response:
    """The emailed verification link: confirms the address at once."""
    _ = page_translations(request, caller).gettext
    try:
        user = verify_email(session, token)
    except AccountsError as exc:
        return message(request, caller, _("Email not confirmed"),
                       error=_("{error}: the link is unknown or used.").format(error=exc.message), status=400)
    return message(request, caller, _("Email confirmed"),
                   _("{email} is confirmed. You can accept invitations now.").format(email=user.email))


@router.get("/reset-password", response_class=HTMLResponse)
def reset_request_form(request: Request) -> Response:
    _ = page_translations(request, None).gettext
    return anonymous_form(request, _("Reset your password"), "/reset-password", _fields(request, EMAIL),
                          _("Email me a link"))


@router.post("/reset-password", response_class=HTMLResponse)
def reset_request(request: Request, posted: Posted, session: Db, context: Context) -> Response:
    _ = page_translations(request, None).gettext
    try:
        form = anonymous_form_data(request, posted)
    except AccountsError as exc:
        return message(request, None, _("Reset your password"), error=exc.message, status=400)
    auth.request_password_reset(session, email=form.get("email", ""), mailer=context.mailer,
                                base_url=context.base_url)
    return message(request, None, _("Check your email"), _("If an account has this address, a link is on its way."))


@router.get("/reset-password/{token}", response_class=HTMLResponse)
def reset_form(token: str, request: Request) -> Response:
    return _reset_form(token, request)


def _reset_form(token: str, request: Request, field_errors: dict[str, str] | None = None) -> Response:
    _ = page_translations(request, None).gettext
    return anonymous_form(request, _("Choose a new password"), f"/reset-password/{quote(token)}",
                          _fields(request, NEW_PASSWORD), _("Save the password"), field_errors=field_errors,
                          status=400 if field_errors else 200)


@router.post("/reset-password/{token}", response_class=HTMLResponse)
def reset(token: str, request: Request, posted: Posted, session: Db) -> Response:
    _ = page_translations(request, None).gettext
    try:
        form = anonymous_form_data(request, posted)
        auth.reset_password(session, token=token, new_password=form.get("password", ""))
    except WeakPassword as exc:
        return _reset_form(token, request, field_errors={"password": exc.message})
    except AccountsError as exc:
        return message(request, None, _("Password not changed"), error=exc.message, status=400)
    response = message(request, None, _("Password changed"), _("Log in with your new password."))
    end_session_cookies(response)
    return response


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, caller: MaybeCaller, session: Db) -> Response:
    """My profile: password, API tokens, billing profile."""
    return signed_in(request, caller, lambda c: _account(request, c, session))


def _account(request: Request, c: Caller, session: Db, *, new_token: str | None = None,
             refused: AccountsError | None = None, profile: BillingProfile | None = None) -> Response:
    """The account page; a refusal shows next to the field it concerns, with what was typed kept."""
    error, field_errors = by_field(refused, ACCOUNT_FIELDS) if refused else ("", {})
    return render(request, "account.html", caller=c, title=page_translations(request, c).gettext("My account"),
                  tokens=list_api_tokens(session, c.user), profile=profile or BillingProfile.of(c.user),
                  new_token=new_token, error=error, field_errors=field_errors,
                  status=422 if refused else 200)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token_page(request: Request, posted: Posted, caller: MaybeCaller, session: Db) -> Response:
    """A new API token, shown on this page once."""

    form = form_data(posted)

    def act(c: Caller) -> Response:
        _, token = create_api_token(session, c.user, name=form.get("name", ""))
        return _account(request, c, session, new_token=token)
    return signed_in(request, caller, act, back="/account")


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token_page(token_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:

    def act(c: Caller) -> Response:
        revoke_api_token(session, c.user, token_id)
        return go("/account")
    return signed_in(request, caller, act, back="/account")


@router.post("/account/password", response_class=HTMLResponse)
def change_password_page(
    request: Request, posted: Posted, caller: MaybeCaller, session: Db, context: Context
) -> Response:
    """A new password: every other session of the account ends, this browser gets a new one."""

    form = form_data(posted)

    def act(c: Caller) -> Response:
        try:
            token = auth.change_password_and_end_sessions(
                session, c.user, old_password=form.get("old_password", ""),
                new_password=form.get("new_password", ""))
        except (InvalidCredentials, WeakPassword) as exc:
            return _account(request, c, session, refused=exc)
        response = go("/account")
        start_session(response, context, token)
        return response
    return signed_in(request, caller, act, back="/account")


@router.post("/account/billing-profile", response_class=HTMLResponse)
def billing_profile_page(request: Request, posted: Posted, caller: MaybeCaller, session: Db) -> Response:

    form = form_data(posted)
    fields = {name: form.get(name, "") for name in BILLING_FIELDS}
    def act(c: Caller) -> Response:
        try:
            update_billing_profile(session, c.user, BillingProfile(**fields))
        except (InvalidEmail, InvalidBillingProfile) as exc:
            session.rollback()  # nothing of a refused profile is saved
            return _account(request, c, session, refused=exc, profile=BillingProfile(**fields))
        return go("/account")
    return signed_in(request, caller, act, back="/account")
