"""One JSON shape for every error: `{"code", "message", "problems"}`, mapped from service errors here only.

`code` is stable (the error class's name in snake case, or a few web-only codes), `message` is for
people, and `problems` lists each problem of a rule, query or spec with its position where known.
Statuses follow the error's parent class, so a new service error gets a sensible status by itself.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from accounts import errors as account_errors
from accounts.admin import NotAdmin
from accounts.project_rules import InvalidRuleOrder, RuleNotFound
from accounts.published import ExportLinkNotFound
from accounts.runs import RunNotConfirmable, RunNotFound
from feeds.errors import ConfigError, FeedError


class ApiError(Exception):
    """An error raised by the web layer itself (authentication, CSRF, a malformed request)."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def unauthenticated(message: str = "sign in first, or send an API token") -> ApiError:
    """401: no caller, or a caller whose session or token is no longer valid."""
    return ApiError(401, "unauthenticated", message, headers={"WWW-Authenticate": 'Bearer realm="feedhub"'})


# The most specific class wins: the first entry in an error's MRO that is listed here.
STATUS_BY_ERROR: dict[type[Exception], int] = {
    account_errors.LevelTooLow: 403,  # a member, told which level the action needs (members see the shop anyway)
    account_errors.NoShopAccess: 404,  # an outsider learns nothing: "no such shop" and "not yours" look alike
    account_errors.ProjectNotFound: 404,
    account_errors.UserNotFound: 404,
    account_errors.MemberNotFound: 404,
    account_errors.InvoiceNotFound: 404,
    account_errors.RevisionNotFound: 404,
    RunNotFound: 404,
    RuleNotFound: 404,
    ExportLinkNotFound: 404,
    account_errors.ApiTokenNotFound: 404,
    account_errors.InvalidCredentials: 401,
    account_errors.EmailNotVerified: 403,
    account_errors.LevelNotGrantable: 403,
    account_errors.ProfileNotGrantable: 403,  # nobody grants more than they may do themselves
    account_errors.NotForShopTokens: 403,  # a shop's token creates no shops and no more tokens
    NotAdmin: 403,
    account_errors.InvalidToken: 400,
    account_errors.InvitationInvalid: 400,
    account_errors.TransferInvalid: 400,
    account_errors.EmailTaken: 409,
    account_errors.AlreadyVerified: 409,
    account_errors.AlreadyMember: 409,
    account_errors.OwnerCannotLeave: 409,
    account_errors.TransferPending: 409,
    account_errors.ShopStateError: 409,
    account_errors.ProjectExists: 409,
    account_errors.ProfileExists: 409,
    account_errors.ProfileInUse: 409,  # the message names the holders
    account_errors.ExportTargetTaken: 409,
    account_errors.PeriodAlreadyInvoiced: 409,
    account_errors.PaymentRefused: 409,
    RunNotConfirmable: 409,
    account_errors.MailError: 503,
    account_errors.InvitationsThrottled: 429,  # the API also sends Retry-After (any error with retry_after_s)
    InvalidRuleOrder: 422,
    account_errors.UnknownProfile: 422,  # a name in a body; the profile routes answer 404 for one in the path
    account_errors.AccountsError: 422,  # invalid names, emails, passwords, billing periods
    ConfigError: 422,
    FeedError: 422,
}


def code_of(error: Exception) -> str:
    """`InvitationWrongAccount` -> `invitation_wrong_account`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


def status_of(error: Exception) -> int:
    """The HTTP status of a service error (see STATUS_BY_ERROR)."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def problem_list(error: Exception) -> list[dict[str, Any]]:
    """Each problem of a rule set, query or spec as `{"message"}` (with `rule` or `export` where the text names
    one)."""
    problems = getattr(error, "problems", None) or []
    return [_problem(str(problem)) for problem in problems]


def _problem(text: str) -> dict[str, Any]:
    found = re.match(r"rule (\d+)", text)
    export = re.match(r"export '([A-Za-z0-9_.-]+)': ", text)
    return {"message": text, **({"rule": int(found.group(1))} if found else {}),
            **({"export": export.group(1)} if export else {})}


def error_response(status: int, code: str, message: str, problems: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error body."""
    body = {"code": code, "message": message, "problems": problems or []}
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map every error the services raise on purpose, and FastAPI's own, to the one JSON shape."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, headers=exc.headers)

    @app.exception_handler(account_errors.AccountsError)
    async def _accounts_error(request: Request, exc: account_errors.AccountsError) -> JSONResponse:
        headers = {}
        if retry_after := getattr(exc, "retry_after_s", None):
            headers["Retry-After"] = str(retry_after)
            return error_response(429, code_of(exc), exc.message, headers=headers)
        return error_response(status_of(exc), code_of(exc), exc.message, problem_list(exc))

    @app.exception_handler(FeedError)
    async def _feed_error(request: Request, exc: FeedError) -> JSONResponse:
        return error_response(status_of(exc), code_of(exc), str(exc), problem_list(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"message": error["msg"], "field": ".".join(str(part) for part in error["loc"] if part != "body")}
            for error in exc.errors()
        ]
        message = "; ".join(f"{p['field']}: {p['message']}" if p["field"] else p["message"] for p in problems)
        return error_response(422, "invalid_request", message, problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))
