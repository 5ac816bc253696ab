"""Table rules: bulk rewriting by values (lookup), rename categories in bulk, bulk rewriting by query."""

from __future__ import annotations

from dataclasses import dataclass

from feeds.model import Product
from feeds.transforms.plain import Slot
from feeds.transforms.query import Query
from feeds.transforms.rules.base import PerProductRule, SpecReader, write
from feeds.transforms.safe_regex import SafePattern, compile_pattern
from feeds.transforms.template import Template

MATCH_MODES = ("contains", "exact", "regex")


@dataclass(frozen=True, eq=False)
class LookupTable:
    """Rows of match -> value; the FIRST row that matches wins. Exact mode is one dict lookup."""

    mode: str
    case_sensitive: bool
    exact: dict[str, Template]
    rows: tuple[tuple[str | SafePattern, Template], ...]

    @classmethod
    def from_rows(
        cls, r: SpecReader, *, match_key: str, value_key: str, mode: str, case_sensitive: bool
    ) -> LookupTable:
        exact: dict[str, Template] = {}
        rows: list[tuple[str | SafePattern, Template]] = []
        for row in r.rows("rows"):
            needle, value = row.text(match_key), row.template(value_key, "")
            if mode == "regex":
                rows.append((row.pattern(match_key, ignore_case=not case_sensitive), value))
            elif mode == "exact":
                exact.setdefault(_fold(needle, case_sensitive), value)
            elif needle:
                rows.append((_fold(needle, case_sensitive), value))
            else:
                row.problem(match_key, "must not be empty (it would match everything)")
        return cls(mode, case_sensitive, exact, tuple(rows))

    def find(self, value: str) -> Template | None:
        """The value template of the first matching row, or None."""
        folded = _fold(value, self.case_sensitive)
        if self.mode == "exact":
            return self.exact.get(folded)
        for needle, template in self.rows:
            if isinstance(needle, str):
                if needle in folded:
                    return template
            elif needle.search(value) is not None:
                return template
        return None


def _fold(text: str, case_sensitive: bool) -> str:
    return text.strip() if case_sensitive else text.strip().casefold()


@dataclass(frozen=True)
class LookupRule(PerProductRule):
    """`batch_rewriting_values`: look the searched element up in a table and write the row's value.

    Unmatched products get `default` when one is given, else keep their value.
    """

    search: Slot
    element: Slot
    table: LookupTable
    default: Template | None

    @classmethod
    def from_spec(cls, r: SpecReader) -> LookupRule:
        element = r.slot("element")
        search = r.slot("search_element", element.path.text)
        mode = r.choice("mode", MATCH_MODES, "contains")
        case_sensitive = r.boolean("case_sensitive", False)
        table = LookupTable.from_rows(
            r, match_key="match", value_key="value", mode=mode, case_sensitive=case_sensitive
        )
        default = r.template("default") if "default" in r.spec else None
        return cls(search, element, table, default)

    def apply_one(self, product: Product) -> bool:
        template = self.table.find(self.search.first(product)) or self.default
        return template is not None and write(self.element, product, template.render(product))


@dataclass(frozen=True)
class CategoryRule(PerProductRule):
    """`categories`: rows of "category contains X" -> new category; first matching row wins."""

    element: Slot
    table: LookupTable

    @classmethod
    def from_spec(cls, r: SpecReader) -> CategoryRule:
        element = r.slot("element", "CATEGORYTEXT")
        mode = r.choice("mode", MATCH_MODES, "contains")
        table = LookupTable.from_rows(
            r, match_key="contains", value_key="category", mode=mode, case_sensitive=False
        )
        return cls(element, table)

    def apply_one(self, product: Product) -> bool:
        template = self.table.find(self.element.first(product))
        return template is not None and write(self.element, product, template.render(product))


@dataclass(frozen=True)
class QueryTableRule(PerProductRule):
    """`batch_rewriting`: rows of query -> value for one element; rows run in order, the last match wins."""

    element: Slot
    rows: tuple[tuple[Query, Template], ...]

    @classmethod
    def from_spec(cls, r: SpecReader) -> QueryTableRule:
        element = r.slot("element")
        rows = tuple((row.query("query"), row.template("value", "")) for row in r.rows("rows"))
        return cls(element, rows)

    def apply_one(self, product: Product) -> bool:
        chosen = None
        for query, template in self.rows:
            if query.matches(product):
                chosen = template
        return chosen is not None and write(self.element, product, chosen.render(product))


__all__ = ["CategoryRule", "LookupRule", "LookupTable", "QueryTableRule", "compile_pattern"]
