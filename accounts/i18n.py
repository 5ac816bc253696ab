"""The languages Feedhub speaks and the one set of gettext catalogues behind every text it shows or mails.

English is the source language (the msgids); Czech and Slovak are translated in
`accounts/locale/<lang>/LC_MESSAGES/messages.po` and compiled to the `.mo` files next to them, which
the standard library's gettext reads. The catalogues live in `accounts` because both the web pages
(`feedhub`) and the emails (`accounts`, `flows`) use them and the layers let only `accounts` be
imported by all of them. README's Development section has the command that re-extracts and compiles.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "cs", "sk")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "cs": "Čeština", "sk": "Slovenčina"}  # each in its own language
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention extraction looks for
    """Mark a text for extraction; it is translated later, where the language is known."""
    return message


def known_language(value: str | None) -> str | None:
    """`value` as one of LANGUAGES (`cs-CZ` -> `cs`), or None."""
    if not value:
        return None
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


@cache
def translations(language: str | None) -> gettext.NullTranslations:
    """The catalogue of `language`; English (or anything unknown) translates nothing."""
    language = known_language(language) or DEFAULT_LANGUAGE
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as catalogue:
        return gettext.GNUTranslations(catalogue)


# Values the pages and emails show that come from enums; marked here so they are extracted and translated.
LEVEL_NAMES = {"owner": N_("owner"), "write": N_("write"), "read": N_("read")}
STATUS_NAMES = {
    "trial": N_("trial"),
    "active": N_("active"),
    "overdue": N_("overdue"),
    "suspended": N_("suspended"),
    "deleted": N_("deleted"),
    "gone": N_("gone"),
    "running": N_("running"),
    "succeeded": N_("succeeded"),
    "failed": N_("failed"),
    "held": N_("held"),
    "unchanged": N_("unchanged"),
    "skipped": N_("skipped"),
    "crashed": N_("crashed"),
}
PERIOD_NAMES = {"monthly": N_("monthly"), "half-yearly": N_("half-yearly"), "yearly": N_("yearly")}
