"""Which language a page is in, and the gettext functions the shared Jinja2 environment calls.

The choice, first that applies:
1. the signed-in account's saved language (the one its emails use too, so pages and emails agree);
2. the `feedhub_lang` cookie the language switcher sets (also before sign-in);
3. the browser's `Accept-Language`, best q-value first;
4. English.

The Jinja2 environment is shared by every request and thread, so it holds no language: its gettext
callables read the translations `render` puts into each template's own context.
"""

from __future__ import annotations

import gettext

from fastapi import Request
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from accounts.i18n import DEFAULT_LANGUAGE, LEVEL_NAMES, PERIOD_NAMES, STATUS_NAMES, known_language, translations
from feedhub.web.caller import Caller

LANGUAGE_COOKIE = "feedhub_lang"
LANGUAGE_COOKIE_MAX_AGE_S = 365 * 24 * 3600
TRANSLATIONS_KEY = "_translations"  # the template context's entry the gettext callables read


def parse_accept_language(header: str) -> list[str]:
    """The languages of an `Accept-Language` header, best first (RFC 9110: q-values, q=0 means "not this")."""
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(float(value), 1.0)  # NaN fails the test below and drops the entry
                except ValueError:
                    quality = 0.0  # a malformed weight: ignore the entry rather than guess
        if tag.strip() and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def choose_language(*, account: str | None, cookie: str | None, accept_language: str) -> str:
    """The page's language from the saved choice, the cookie and the header (see the module docstring)."""
    for explicit in (account, cookie):
        if known := known_language(explicit):
            return known
    for tag in parse_accept_language(accept_language):
        if tag == "*":
            return DEFAULT_LANGUAGE
        if known := known_language(tag):
            return known
    return DEFAULT_LANGUAGE


def request_language(request: Request, caller: Caller | None) -> str:
    """The language of this request's pages (decided once per request)."""
    decided: str | None = getattr(request.state, "language", None)
    if decided is None:
        decided = choose_language(account=caller.user.language if caller else None,
                                  cookie=request.cookies.get(LANGUAGE_COOKIE),
                                  accept_language=request.headers.get("accept-language", ""))
        request.state.language = decided
    return decided


def page_translations(request: Request, caller: Caller | None) -> gettext.NullTranslations:
    """The catalogue for this request's pages; its `.gettext` translates texts built in Python."""
    return translations(request_language(request, caller))


@pass_context
def _gettext(context: Context, message: str) -> str:
    return _of(context).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return _of(context).ngettext(singular, plural, count)


@pass_context
def _level_name(context: Context, label: str) -> str:
    return _of(context).gettext(LEVEL_NAMES.get(label, label))


@pass_context
def _status_name(context: Context, value: str) -> str:
    return _of(context).gettext(STATUS_NAMES.get(value, value))


@pass_context
def _period_name(context: Context, value: str) -> str:
    return _of(context).gettext(PERIOD_NAMES.get(value, value))


def _of(context: Context) -> gettext.NullTranslations:
    found = context.get(TRANSLATIONS_KEY)
    return found if isinstance(found, gettext.NullTranslations) else translations(DEFAULT_LANGUAGE)


def install_i18n(env: Environment) -> None:
    """Give `env` the i18n extension with gettext callables that read each render's own translations, and
    the filters `level_name`, `status_name` and `period_name` that translate such a value."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks may wrap lines without changing the msgid
    env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["level_name"] = _level_name
    env.filters["status_name"] = _status_name
    env.filters["period_name"] = _period_name
