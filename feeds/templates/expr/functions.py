"""The functions a template expression may call: one literal table, nothing else is reachable.

Each function declares the types of its parameters and result (text, number, bool, list); the compiler
converts arguments to those types, so a function body never sees a type it did not ask for. Numbers
are `Decimal`, or None for "no value" (an empty element): arithmetic on nothing gives nothing.
Every function that can make text longer than its input checks the result against
`MAX_VALUE_CHARS` before building it, so no expression can ask for gigabytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NoReturn

from feeds.exports.values import format_price, html_to_text, split_category, truncate_words
from feeds.templates.errors import ValueFailure
from feeds.transforms.failure import ProductFailure
from feeds.transforms.safe_regex import SafePattern, compile_pattern

TEXT, NUMBER, BOOL, LIST, ANY = "text", "number", "bool", "list", "any"
MAX_VALUE_CHARS = 1_000_000
"""No value an expression computes may be longer (characters): the size budget of one product."""
MAX_DAYS = 36_500
_REGEX_CHECKED_ABOVE_CHARS = 10_000  # longer texts count the replacement as it grows


@dataclass(frozen=True)
class Function:
    """A callable of the language: parameter types (then optional ones), result type, body."""

    params: tuple[str, ...]
    returns: str
    body: Callable[..., Any]
    optional: tuple[tuple[str, Any], ...] = ()  # (type, default) of trailing optional parameters
    variadic: str | None = None  # the type of any further arguments
    literal: tuple[int, ...] = ()  # argument indexes that must be written as literals (patterns)
    doc: str = ""


def _too_long() -> NoReturn:
    raise ValueFailure(f"the value would be longer than {MAX_VALUE_CHARS:,} characters")


def _checked(text: str) -> str:
    if len(text) > MAX_VALUE_CHARS:
        _too_long()
    return text


def _replace(text: str, old: str, new: str) -> str:
    if not old:
        raise ValueFailure("replace() needs a non-empty text to find")
    if len(new) > len(old) and len(text) + text.count(old) * (len(new) - len(old)) > MAX_VALUE_CHARS:
        _too_long()
    return text.replace(old, new)


def _regex_replace(text: str, pattern: SafePattern, replacement: str) -> str:
    try:
        if len(text) <= _REGEX_CHECKED_ABOVE_CHARS:
            return _checked(pattern.sub(replacement, text))
        total = 0

        def expand(match: Any) -> str:
            nonlocal total
            piece = str(match.expand(replacement))
            total += len(piece)
            if total > MAX_VALUE_CHARS:
                _too_long()
            return piece

        return str(pattern.compiled.sub(expand, text, timeout=pattern.timeout_s))
    except ProductFailure as exc:
        raise ValueFailure(exc.reason) from exc
    except TimeoutError as exc:
        raise ValueFailure(f"regular expression {pattern.source!r} ran out of time on this value") from exc


def _matches(text: str, pattern: SafePattern) -> bool:
    try:
        return pattern.search(text) is not None
    except ProductFailure as exc:
        raise ValueFailure(exc.reason) from exc


def _count(value: Decimal | None, what: str) -> int:
    if value is None or value < 0 or value != value.to_integral_value():
        raise ValueFailure(f"{what} must be a whole number of 0 or more, not {value}")
    return int(min(value, Decimal(MAX_VALUE_CHARS)))


def _join(values: list[str], separator: str) -> str:
    if sum(map(len, values)) + len(separator) * max(len(values) - 1, 0) > MAX_VALUE_CHARS:
        _too_long()
    return separator.join(values)


def _split(text: str, separator: str) -> list[str]:
    if not separator:
        raise ValueFailure("split() needs a non-empty separator")
    return [part.strip() for part in text.split(separator) if part.strip()]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _round(value: Decimal | None, places: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-_count(places, "places")), rounding=ROUND_HALF_UP)


def _format_number(value: Decimal | None, places: Decimal | None, point: str) -> str:
    rounded = _round(value, places)
    return "" if rounded is None else f"{rounded:f}".replace(".", point)


def _price(value: Decimal | None, currency: str) -> str:
    return "" if value is None else format_price(value, currency.strip().upper())


def _add_days(text: str, days: Decimal | None) -> str:
    if not text.strip() or days is None:
        return ""
    try:
        start = date.fromisoformat(text.strip()[:10])
        return (start + timedelta(days=max(-MAX_DAYS, min(MAX_DAYS, int(days))))).isoformat()
    except (ValueError, OverflowError) as exc:
        raise ValueFailure(f"{text[:40]!r} is not a date (YYYY-MM-DD)") from exc


def _days_between(start: str, end: str) -> Decimal | None:
    if not start.strip() or not end.strip():
        return None
    try:
        return Decimal((date.fromisoformat(end.strip()[:10]) - date.fromisoformat(start.strip()[:10])).days)
    except ValueError as exc:
        raise ValueFailure(f"{start[:40]!r} or {end[:40]!r} is not a date (YYYY-MM-DD)") from exc


def _coalesce(*values: str) -> str:
    return next((value for value in values if value.strip()), "")


FUNCTIONS: dict[str, Function] = {
    "upper": Function((TEXT,), TEXT, lambda s: _checked(s.upper()), doc="upper case"),
    "lower": Function((TEXT,), TEXT, str.lower, doc="lower case"),
    "capitalize": Function((TEXT,), TEXT, lambda s: s[:1].upper() + s[1:], doc="first letter upper case"),
    "trim": Function((TEXT,), TEXT, str.strip, doc="without surrounding whitespace"),
    "replace": Function((TEXT, TEXT, TEXT), TEXT, _replace, doc="every occurrence of a text replaced"),
    "regex_replace": Function((TEXT, TEXT, TEXT), TEXT, _regex_replace, literal=(1,),
                              doc="every match of a pattern (a literal) replaced; \\1 refers to a group"),
    "matches": Function((TEXT, TEXT), BOOL, _matches, literal=(1,), doc="the pattern (a literal) matches"),
    "contains": Function((TEXT, TEXT), BOOL, lambda s, part: part.casefold() in s.casefold(),
                         doc="holds the text, ignoring case"),
    "starts_with": Function((TEXT, TEXT), BOOL, lambda s, part: s.casefold().startswith(part.casefold())),
    "ends_with": Function((TEXT, TEXT), BOOL, lambda s, part: s.casefold().endswith(part.casefold())),
    "truncate": Function((TEXT, NUMBER), TEXT, lambda s, n: truncate_words(s, _count(n, "the length")),
                         doc="at most n characters, cut between words"),
    "left": Function((TEXT, NUMBER), TEXT, lambda s, n: s[: _count(n, "the length")], doc="the first n characters"),
    "strip_html": Function((TEXT,), TEXT, html_to_text, doc="plain text of an HTML description"),
    "concat": Function((), TEXT, lambda *parts: _join(list(parts), ""), variadic=TEXT, doc="texts joined"),
    "coalesce": Function((TEXT,), TEXT, _coalesce, variadic=TEXT, doc="the first argument that is not empty"),
    "join": Function((LIST,), TEXT, _join, optional=((TEXT, ","),), doc="values joined with a separator"),
    "split": Function((TEXT, TEXT), LIST, _split, doc="the non-empty parts between separators"),
    "values": Function((LIST,), LIST, list, doc="every value of an element (repeats the output element)"),
    "first": Function((LIST,), TEXT, lambda values: values[0] if values else ""),
    "count": Function((LIST,), NUMBER, lambda values: Decimal(len(values))),
    "unique": Function((LIST,), LIST, _unique, doc="without repeated values, in order"),
    "take": Function((LIST, NUMBER), LIST, lambda values, n: values[: _count(n, "the count")]),
    "length": Function((TEXT,), NUMBER, lambda s: Decimal(len(s))),
    "number": Function((NUMBER,), NUMBER, lambda n: n, doc="the first number in a text (433.00 CZK -> 433.00)"),
    "round": Function((NUMBER,), NUMBER, _round, optional=((NUMBER, Decimal(0)),), doc="half up, to n places"),
    "format_number": Function((NUMBER,), TEXT, _format_number, optional=((NUMBER, Decimal(2)), (TEXT, ".")),
                              doc="fixed places, half up, with a decimal point of your choice"),
    "price": Function((NUMBER,), TEXT, _price, optional=((TEXT, ""),), doc="Google price: 1234.00 CZK"),
    "category": Function((TEXT,), TEXT, lambda s, sep: _join(split_category(s), sep), optional=((TEXT, " > "),),
                         doc="a category path re-joined, without a leading Heureka.cz"),
    "add_days": Function((TEXT, NUMBER), TEXT, _add_days, doc="an ISO date plus n days"),
    "days_between": Function((TEXT, TEXT), NUMBER, _days_between, doc="days from the first ISO date to the second"),
}
"""Name -> function. `if(cond, a, b)` and `today()` are built into the compiler (lazy branches, run date)."""

BUILTINS = ("if", "today")


def compile_literal(value: str) -> SafePattern:
    """What a literal-only argument becomes before the run (today every one is a regular expression):
    a compiled, time-limited pattern; PatternError when the engine refuses it."""
    return compile_pattern(value)


__all__ = ["ANY", "BOOL", "BUILTINS", "FUNCTIONS", "LIST", "MAX_VALUE_CHARS", "NUMBER", "TEXT", "Function"]
