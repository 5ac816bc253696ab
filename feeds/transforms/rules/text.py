"""Text rules: rewrite, find and replace, strip HTML, remove diacritics, letter case, truncate."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

import regex

from feeds.model import Product
from feeds.transforms.plain import Slot
from feeds.transforms.rules.base import PerProductRule, SpecReader, rewrite_each, write
from feeds.transforms.safe_regex import SafePattern, compile_pattern
from feeds.transforms.template import Template


@dataclass(frozen=True)
class RewriteRule(PerProductRule):
    """`rewriting`: set elements to values with variables; rows run in order, an empty value clears. Every
    value of a repeated element becomes the new one (Mergado: "a rule writes all values")."""

    rows: tuple[tuple[Slot, Template], ...]

    @classmethod
    def from_spec(cls, r: SpecReader) -> RewriteRule:
        rows = r.rows("rows", shorthand=("element", "value"))
        return cls(tuple((row.slot("element"), row.template("value", "")) for row in rows))

    def apply_one(self, product: Product) -> bool:
        changed = False
        for path, template in self.rows:
            changed = write(path, product, template.render(product)) or changed
        return changed


@dataclass(frozen=True)
class FindReplaceRule(PerProductRule):
    """`replacing`: replace every occurrence, plain text or a regex with `\\1` back-references."""

    element: Slot
    pattern: SafePattern
    replacement: str
    literal: tuple[str, str] | None = None  # (find, replace) of a case-sensitive plain-text rule: str.replace

    @classmethod
    def from_spec(cls, r: SpecReader) -> FindReplaceRule:
        element = r.slot("element")
        find = r.text("find")
        replacement = r.text("replace", "")
        use_regex = r.boolean("regex", False)
        ignore_case = not r.boolean("case_sensitive", True)
        if not find:
            r.problem("find", "must not be empty")
        if use_regex:
            pattern = r.pattern("find", ignore_case=ignore_case)
            _check_groups(r, pattern, replacement)
        else:
            literal = (find, replacement) if not ignore_case and find else None
            pattern = compile_pattern(regex.escape(find), ignore_case=ignore_case)
            return cls(element, pattern, replacement.replace("\\", "\\\\"), literal)
        return cls(element, pattern, replacement)

    def apply_one(self, product: Product) -> bool:
        if self.literal is not None:  # plain text, case-sensitive: what the escaped pattern does, without regex
            find, replace = self.literal
            return rewrite_each(self.element, product, lambda value: value.replace(find, replace))
        pattern, replacement = self.pattern, self.replacement
        return rewrite_each(self.element, product, lambda value: pattern.sub(replacement, value))


def _check_groups(r: SpecReader, pattern: SafePattern, replacement: str) -> None:
    for number in re.findall(r"\\(\d+)", replacement):
        if int(number) > pattern.compiled.groups:
            r.problem("replace", f"refers to group \\{number}, but the pattern has {pattern.compiled.groups}")


_DROP_WITH_CONTENT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_OPENS_DROPPED = re.compile(r"<(?:script|style)\b", re.IGNORECASE)  # a cheap test first: "<s" is in every <strong>
_BREAKS = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|/td|hr)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[!/]?[A-Za-z][^>]*>|<!--.*?-->", re.DOTALL)
_SPACES = re.compile(r"\s+")


def strip_html(value: str) -> str:
    """Plain text of an HTML fragment: tags out, line-level tags become spaces, entities decoded."""
    text = value
    if "<" in text:
        if _OPENS_DROPPED.search(text):
            text = _DROP_WITH_CONTENT.sub(" ", text)
        text = _TAGS.sub("", _BREAKS.sub(" ", text))
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.split())  # also turns no-break spaces into plain ones


@dataclass(frozen=True)
class StripHtmlRule(PerProductRule):
    """`tagstripping`: remove HTML markup, keep the words apart."""

    element: Slot

    @classmethod
    def from_spec(cls, r: SpecReader) -> StripHtmlRule:
        return cls(r.slot("element"))

    def apply_one(self, product: Product) -> bool:
        return rewrite_each(self.element, product, strip_html)


_NOT_DECOMPOSABLE = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ħ": "h",
        "ı": "i",
    }
)


class _CombiningMarks(dict[int, int | None]):
    """A str.translate table that drops combining marks, filled one character at a time as text needs it."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_COMBINING_MARKS = _CombiningMarks()
_HAS_NOT_DECOMPOSABLE = re.compile("[" + "".join(chr(code) for code in _NOT_DECOMPOSABLE) + "]")


def remove_diacritics(value: str) -> str:
    """`Žluťoučký kůň` -> `Zlutoucky kun`; letters without a decomposition use a small table."""
    if value.isascii():  # nothing to decompose, nothing to drop
        return value
    if _HAS_NOT_DECOMPOSABLE.search(value):  # translate() with a plain dict is slow on every other character
        value = value.translate(_NOT_DECOMPOSABLE)
    return unicodedata.normalize("NFKD", value).translate(_COMBINING_MARKS)


@dataclass(frozen=True)
class RemoveDiacriticsRule(PerProductRule):
    """`remove_diacritics`: transliterate accented letters to ASCII."""

    element: Slot

    @classmethod
    def from_spec(cls, r: SpecReader) -> RemoveDiacriticsRule:
        return cls(r.slot("element"))

    def apply_one(self, product: Product) -> bool:
        return rewrite_each(self.element, product, remove_diacritics)


_WORDS = regex.compile(r"\w+")
CASE_MODES = ("upper", "lower", "first", "words")


def change_case(value: str, mode: str) -> str:
    """upper, lower, first (sentence case: first letter up, the rest down), words (each word capitalised)."""
    if mode == "upper":
        return value.upper()
    if mode == "lower":
        return value.lower()
    if mode == "first":
        stripped = value.lstrip()
        lead = value[: len(value) - len(stripped)]
        return lead + stripped[:1].upper() + stripped[1:].lower()
    return str(_WORDS.sub(lambda match: match.group()[:1].upper() + match.group()[1:].lower(), value))


@dataclass(frozen=True)
class LetterCaseRule(PerProductRule):
    """`casechanging`: change capitalisation."""

    element: Slot
    mode: str

    @classmethod
    def from_spec(cls, r: SpecReader) -> LetterCaseRule:
        return cls(r.slot("element"), r.choice("mode", CASE_MODES))

    def apply_one(self, product: Product) -> bool:
        mode = self.mode
        return rewrite_each(self.element, product, lambda value: change_case(value, mode))


def truncate(value: str, length: int, *, words: bool, suffix: str) -> str:
    """At most `length` characters including the suffix; on words, never cut inside a word if avoidable."""
    if len(value) <= length:
        return value
    room = length - len(suffix)
    cut = value[:room]
    if words and not value[room : room + 1].isspace():
        head, space, _ = cut.rpartition(" ")
        cut = head if space and head.strip() else cut
    return cut.rstrip(" ,;:-") + suffix


@dataclass(frozen=True)
class TruncateRule(PerProductRule):
    """`truncating`: shorten to a maximum length in characters, cutting at a character or a word boundary."""

    element: Slot
    length: int
    words: bool = False
    suffix: str = ""

    @classmethod
    def from_spec(cls, r: SpecReader) -> TruncateRule:
        element, length = r.slot("element"), r.integer("length", minimum=1)
        words = r.choice("mode", ("characters", "words"), "characters") == "words"
        suffix = r.text("suffix", "")
        if length >= 1 and len(suffix) >= length:
            r.problem("suffix", f"must be shorter than length ({length})")
        return cls(element, length, words, suffix)

    def apply_one(self, product: Product) -> bool:
        length, words, suffix = self.length, self.words, self.suffix
        return rewrite_each(self.element, product, lambda v: truncate(v, length, words=words, suffix=suffix))
