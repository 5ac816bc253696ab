"""The language switcher's links in every page's layout: `/language?lang=cs&next=/shops/1`.

The choice is kept in a cookie for this browser and, for a signed-in user, on the account (which
their emails use too). A GET that changes an account must not be something another site can make
the browser send, so the account is changed only when the link carries the session's CSRF token
(the layout puts it into the links of a signed-in page); without it, only the cookie is set. How a
page's language is chosen is in `feedhub.web.language`.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from accounts.i18n import LANGUAGES
from accounts.users import set_language
from feedhub.web.caller import Db, MaybeCaller
from feedhub.web.language import LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE_S, page_translations
from feedhub.web.pages.base import go, message, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/language", response_class=HTMLResponse)
def switch_language(request: Request, caller: MaybeCaller, session: Db, lang: str = "", next: str = "/",
                    csrf_token: str = "") -> Response:
    """Remember the chosen language, then show the page it was chosen on (`next`, a path on this site)."""
    if lang not in LANGUAGES:
        _ = page_translations(request, caller).gettext
        return message(request, caller, _("Unknown language"), error=", ".join(LANGUAGES), status=400,
                       back=safe_next(next))
    expected = caller.csrf_token if caller is not None else None
    if caller is not None and expected and hmac.compare_digest(csrf_token, expected):
        set_language(session, caller.user, lang)
    response = go(safe_next(next))
    response.set_cookie(LANGUAGE_COOKIE, lang, max_age=LANGUAGE_COOKIE_MAX_AGE_S, httponly=True, samesite="lax",
                        path="/")
    return response
