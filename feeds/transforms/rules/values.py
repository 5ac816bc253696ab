"""Rules that move and add values: bulk copy, add a value, UTM parameters, item groups."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

from feeds.model import Element, Product
from feeds.paths import ElementPath
from feeds.transforms.plain import Slot
from feeds.transforms.rules.base import PerProductRule, SpecReader, checked, rewrite_each
from feeds.transforms.rules.text import remove_diacritics
from feeds.transforms.safe_regex import SafePattern
from feeds.transforms.template import Template


def replace_values(path: ElementPath | Slot, product: Product, values: list[str]) -> bool:
    """Make the element hold exactly these values (one occurrence each); True if that changed it."""
    name = path.name if isinstance(path, Slot) else None
    if name is not None:
        return _replace_plain(name, product, values)
    if isinstance(path, Slot):
        path = path.path
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


def _replace_plain(name: str, product: Product, values: list[str]) -> bool:
    """replace_values for a plain path, step for step (a refused value stops it at the same point)."""
    current = [child.text for child in product.children if child.name == name]
    if current == values:
        return False
    if len(current) == len(values):
        replacements = iter([checked(v) for v in values])
        for child in product.children:
            if child.name == name:
                child.text = next(replacements)
        return True
    if current:
        product.children = [child for child in product.children if child.name != name]
    for value in values:  # ElementPath.add puts each after its namesakes, which are now at the end
        product.children.append(Element(name, checked(value)))
    return True


@dataclass(frozen=True)
class BulkCopyRule(PerProductRule):
    """`batch_copy_values`: rows of source -> target, run in order; every value is copied, none clears."""

    rows: tuple[tuple[Slot, Slot], ...]

    @classmethod
    def from_spec(cls, r: SpecReader) -> BulkCopyRule:
        rows = r.rows("rows", shorthand=("from", "to"))
        return cls(tuple((row.slot("from"), row.slot("to")) for row in rows))

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

    element: Slot
    params: tuple[tuple[str, Template], ...]

    @classmethod
    def from_spec(cls, r: SpecReader) -> UtmRule:
        element = r.slot("element", "URL")
        params = tuple((f"utm_{name}", r.template(name)) for name in UTM_FIELDS if name in r.spec)
        if not any(name == "utm_source" for name, _ in params):
            r.problem("source", "is required")
        return cls(element, params)

    @cached_property
    def _quoted(self) -> dict[str, str]:
        """The names and constant values, URL-encoded once."""
        texts = [name for name, _ in self.params] + [t.constant for _, t in self.params if t.constant]
        return {text: _quoted(text) for text in texts if text}

    def apply_one(self, product: Product) -> bool:
        params = [(name, value) for name, template in self.params if (value := template.render(product))]
        quoted = self._quoted
        query = "&".join([quoted[k] + "=" + (quoted.get(v) or _quoted(v)) for k, v in params])  # = urlencode(params)

        def change(url: str) -> str:
            if "utm_" not in url and "#" not in url and url.strip():  # add_utm's usual case, encoded once
                url = url.strip()
                return url + ("&" if "?" in url else "?") + query if params else url
            return add_utm(url, params)

        return rewrite_each(self.element, product, change)


_URL_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")


def _quoted(text: str) -> str:
    """quote_plus as urlencode calls it, skipping the work for the common all-safe text (ids, words)."""
    return text if _URL_SAFE.fullmatch(text) else quote_plus(text, safe="")


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
