"""Rules that move and add values: bulk copy, add a value, UTM parameters, item groups."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from feeds.model import Product
from feeds.paths import ElementPath
from feeds.transforms.rules.base import PerProductRule, SpecReader, checked, rewrite_each
from feeds.transforms.rules.text import remove_diacritics
from feeds.transforms.safe_regex import SafePattern
from feeds.transforms.template import Template


def replace_values(path: ElementPath, product: Product, values: list[str]) -> bool:
    """Make the element hold exactly these values (one occurrence each); True if that changed it."""
    current = path.values(product)
    if current == values:
        return False
    if len(current) == len(values):  # same shape: rewrite in place, keeping positions and attributes
        replacements = iter([checked(v) for v in values])
        return path.transform(product, lambda _old: next(replacements))
    path.remove(product)
    for value in values:
        path.add(product, checked(value))
    return True


@dataclass(frozen=True)
class BulkCopyRule(PerProductRule):
    """`batch_copy_values`: rows of source -> target, run in order; every value is copied, none clears."""

    rows: tuple[tuple[ElementPath, ElementPath], ...]

    @classmethod
    def from_spec(cls, r: SpecReader) -> BulkCopyRule:
        rows = r.rows("rows", shorthand=("from", "to"))
        return cls(tuple((row.path("from"), row.path("to")) for row in rows))

    def apply_one(self, product: Product) -> bool:
        changed = False
        for source, target in self.rows:
            changed = replace_values(target, product, source.values(product)) or changed
        return changed


@dataclass(frozen=True)
class AddValueRule(PerProductRule):
    """`create_product_value`: append one more occurrence (never overwrites); an empty value adds nothing."""

    element: ElementPath
    value: Template

    @classmethod
    def from_spec(cls, r: SpecReader) -> AddValueRule:
        return cls(r.path("element"), r.template("value"))

    def apply_one(self, product: Product) -> bool:
        value = self.value.render(product)
        return bool(value) and self.element.add(product, checked(value))


UTM_FIELDS = ("source", "medium", "campaign", "term", "content")


def add_utm(url: str, params: list[tuple[str, str]]) -> str:
    """The URL with these utm_* parameters set (replacing old ones); other parameters are kept."""
    if not url.strip():
        return url
    if "utm_" not in url and "#" not in url:  # the usual case, without a parse and rebuild of the URL
        url = url.strip()
        return url + ("&" if "?" in url else "?") + urlencode(params) if params else url
    parts = urlsplit(url.strip())
    names = {name for name, _ in params}
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in names]
    return urlunsplit(parts._replace(query=urlencode(query + params)))


@dataclass(frozen=True)
class UtmRule(PerProductRule):
    """`utm`: append utm_source, utm_medium, ... (values may use variables) to the product URL."""

    element: ElementPath
    params: tuple[tuple[str, Template], ...]

    @classmethod
    def from_spec(cls, r: SpecReader) -> UtmRule:
        element = r.path("element", "URL")
        params = tuple((f"utm_{name}", r.template(name)) for name in UTM_FIELDS if name in r.spec)
        if not any(name == "utm_source" for name, _ in params):
            r.problem("source", "is required")
        return cls(element, params)

    def apply_one(self, product: Product) -> bool:
        params = [(name, value.render(product)) for name, value in self.params]
        return rewrite_each(self.element, product, lambda url: add_utm(url, [(k, v) for k, v in params if v]))


MAX_GROUP_ID_CHARS = 36  # Heureka's limit; Google allows 50
_GROUP_CHARS = re.compile(r"[^A-Za-z0-9_-]+")


def group_id(key: str) -> str:
    """A channel-safe item group id (`[A-Za-z0-9_-]`, at most 36 characters) derived from any text."""
    slug = _GROUP_CHARS.sub("-", remove_diacritics(key.strip()).lower()).strip("-")
    if len(slug) <= MAX_GROUP_ID_CHARS:
        return slug
    digest = hashlib.sha1(key.encode()).hexdigest()[:8]
    return f"{slug[: MAX_GROUP_ID_CHARS - 9].rstrip('-')}-{digest}"


@dataclass(frozen=True)
class ItemGroupRule(PerProductRule):
    """`product_grouping`: build item groups, writing a group id made from a key (`pattern` group 1 of it).

    Products whose key is empty, or does not match the pattern, keep their group id.
    """

    element: ElementPath
    key: Template
    pattern: SafePattern | None

    @classmethod
    def from_spec(cls, r: SpecReader) -> ItemGroupRule:
        element, key = r.path("element", "ITEMGROUP_ID"), r.template("key")
        pattern = r.pattern("pattern") if "pattern" in r.spec else None
        if pattern is not None and pattern.compiled.groups < 1:
            r.problem("pattern", "needs one capture group: the part of the key that names the group")
        return cls(element, key, pattern)

    def apply_one(self, product: Product) -> bool:
        key = self.key.render(product)
        if self.pattern is not None:
            match = self.pattern.search(key)
            key = (match.group(1) or "") if match else ""
        ident = group_id(key)
        return bool(ident) and self.element.set(product, ident)
