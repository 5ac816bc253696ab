"""What every page shares: rendering (Jinja2, autoescaped, in the request's language), sign-in
redirects, CSRF for anonymous forms, and turning a service's refusal into a page that says why.

Forms carry a CSRF token: the session's (checked in `caller`), or before sign-in a random one that
must match a cookie set with the form (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from accounts.errors import AccountsError
from accounts.i18n import LANGUAGE_NAMES
from feedhub.web.caller import CSRF_FIELD, Caller
from feedhub.web.errors import ApiError, status_of
from feedhub.web.language import TRANSLATIONS_KEY, install_i18n, page_translations, request_language
from feeds.errors import FeedError

templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")
install_i18n(templates.env)
FORM_COOKIE = "feedhub_form"


def render(request: Request, template: str, *, caller: Caller | None, status: int = 200, **values: Any) -> Response:
    """A page in the request's language; `user`, `csrf_token` and the language switcher's values are always
    there for the layout."""
    language = request_language(request, caller)
    here = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    values = {
        "user": caller.user if caller else None, "csrf_token": caller.csrf_token if caller else "",
        "lang": language, "languages": LANGUAGE_NAMES,
        # after switching, show this page again; a page that answers a POST cannot be fetched again
        "here": here if request.method == "GET" else values.get("back") or "/",
        TRANSLATIONS_KEY: page_translations(request, caller), **values,
    }
    return templates.TemplateResponse(request, template, values, status_code=status)


def message(request: Request, caller: Caller | None, title: str, text: str = "", *, error: str = "",
            status: int = 200, back: str | None = None) -> Response:
    """A page that only says something (and offers a way back)."""
    return render(request, "base.html", caller=caller, title=title, text=text, error=error, status=status, back=back)


def anonymous_form(request: Request, title: str, action: str, fields: list[dict[str, Any]], button: str, *,
                   error: str = "", status: int = 200, **values: Any) -> Response:
    """A form for someone not signed in, with a fresh double-submit CSRF token."""
    token = secrets.token_urlsafe(24)
    response = render(request, "form.html", caller=None, title=title, action=action, fields=fields,
                      button=button, error=error, status=status, csrf_token=token, **values)
    response.set_cookie(FORM_COOKIE, token, httponly=True, samesite="lax", path="/")
    return response


def anonymous_form_data(request: Request, form: dict[str, str]) -> dict[str, str]:
    """The posted form (`caller.Posted`), if its CSRF token matches the cookie set with the form."""
    cookie = request.cookies.get(FORM_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, form.get(CSRF_FIELD, "")):
        raise AccountsError("the form expired; open it again")
    return form


def form_data(form: dict[str, str]) -> dict[str, str]:
    """A signed-in page's posted form (`caller.Posted`) without its CSRF token (checked with the session).

    Page handlers that post are plain functions taking the form read beforehand, so FastAPI runs them in
    its thread pool: on the event loop a wait for SQLite's write lock would stop every other request.
    """
    return {key: value for key, value in form.items() if key != CSRF_FIELD}


def by_field(exc: AccountsError, fields: Mapping[type[AccountsError], str]) -> tuple[str, dict[str, str]]:
    """A refusal as (text for the page's top, {field: text to show next to it}): next to the field when
    `fields` (error class -> field name) names one for it, or the error its own `field`."""
    for kind, name in fields.items():
        if isinstance(exc, kind):
            return "", {getattr(exc, "field", None) or name: exc.message}
    return exc.message, {}


def to_login(path: str) -> RedirectResponse:
    """Send the browser to sign in, then back to `path`."""
    return RedirectResponse(f"/login?next={quote(path)}", status_code=303)


def go(path: str) -> RedirectResponse:
    """After a change, show the page again (a reload does not post twice)."""
    return RedirectResponse(path, status_code=303)


def safe_next(value: str | None) -> str:
    """Only a path on this site: an emailed `next` must not send people elsewhere."""
    return value if value and value.startswith("/") and not value.startswith("//") else "/"


def signed_in(request: Request, caller: Caller | None, act: Callable[[Caller], Response], *,
              back: str | None = None) -> Response:
    """Run `act` for a signed-in caller (or send them to log in); a refusal becomes a page saying why.

    The refusal's own text stays English: the services' error messages are not translated yet.
    """
    if caller is None:
        return to_login(request.url.path)
    _ = page_translations(request, caller).gettext
    try:
        return act(caller)
    except AccountsError as exc:
        return message(request, caller, _("Not possible"), error=exc.message, status=status_of(exc), back=back)
    except FeedError as exc:
        return message(request, caller, _("Not possible"), error=str(exc), status=422, back=back)
    except ApiError as exc:
        return message(request, caller, _("Not possible"), error=exc.message, status=exc.status, back=back)


def may(check: Callable[[], Any]) -> bool:
    """Whether a service's access check lets this through (to show or hide a control)."""
    try:
        check()
    except AccountsError:
        return False
    return True
