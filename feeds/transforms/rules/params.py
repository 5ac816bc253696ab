"""Keyed groups: set product parameters, remove parameter values, set shipping rates.

They write through filter paths (`PARAM { PARAM_NAME = "Barva" } | VAL`), so a missing group is
created the way Mergado creates it and an existing one is rewritten in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from feeds.model import Element, Product
from feeds.paths import ElementPath, parse_path
from feeds.transforms.rules.base import PerProductRule, SpecReader, write
from feeds.transforms.template import Template


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def keyed_path(group: str, key_element: str, key: str, value_element: str) -> ElementPath:
    """`GROUP { KEY_ELEMENT = "key" } | VALUE_ELEMENT`, parsed."""
    return parse_path(f"{group} {{ {key_element} = {_quoted(key)} }} | {value_element}")


@dataclass(frozen=True)
class SetParamsRule(PerProductRule):
    """`batch_param`: set name -> value parameters (created if missing); "" removes the parameter."""

    rows: tuple[tuple[ElementPath, ElementPath, Template], ...]  # (value path, whole group path, value)

    @classmethod
    def from_spec(cls, r: SpecReader) -> SetParamsRule:
        group = r.text("param_element", "PARAM")
        name_element, value_element = r.text("name_element", "PARAM_NAME"), r.text("value_element", "VAL")
        rows = []
        for row in r.rows("rows", shorthand=("name", "value")):
            name, value = row.text("name"), row.template("value", "")
            if not name.strip():
                row.problem("name", "must not be empty")
                continue
            whole = parse_path(f"{group} {{ {name_element} = {_quoted(name)} }}")
            rows.append((keyed_path(group, name_element, name, value_element), whole, value))
        return cls(tuple(rows))

    def apply_one(self, product: Product) -> bool:
        changed = False
        for value_path, group_path, template in self.rows:
            value = template.render(product)
            if value:
                changed = write(value_path, product, value) or changed
            else:
                changed = group_path.remove(product) > 0 or changed
        return changed


@dataclass(frozen=True)
class RemoveParamsRule(PerProductRule):
    """`params_remove_by_value`: drop parameters whose value is in `values` ("" = empty)."""

    group: str
    name_element: str
    value_element: str
    values: frozenset[str]
    names: frozenset[str] | None

    @classmethod
    def from_spec(cls, r: SpecReader) -> RemoveParamsRule:
        group = r.text("param_element", "PARAM")
        name_element, value_element = r.text("name_element", "PARAM_NAME"), r.text("value_element", "VAL")
        values = r.raw("values")
        names = r.raw("names", None)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values) or not values:
            r.problem("values", 'must be a non-empty list of texts ("" removes empty parameters)')
            values = []
        if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
            r.problem("names", "must be a list of parameter names")
            names = None
        folded_names = frozenset(n.strip().casefold() for n in names) if names is not None else None
        return cls(
            group, name_element, value_element, frozenset(v.strip().casefold() for v in values), folded_names
        )

    def apply_one(self, product: Product) -> bool:
        kept = [child for child in product.children if not self._doomed(child)]
        if len(kept) == len(product.children):
            return False
        product.children = kept
        return True

    def _doomed(self, child: Element) -> bool:
        if child.name != self.group:
            return False
        if self.names is not None and child.get(self.name_element).strip().casefold() not in self.names:
            return False
        return child.get(self.value_element).strip().casefold() in self.values


@dataclass(frozen=True)
class ShippingRule(PerProductRule):
    """`batch_delivery`: per carrier, set the prepaid (and optionally cash-on-delivery) price."""

    rows: tuple[tuple[ElementPath, Template, ElementPath | None, Template | None], ...]

    @classmethod
    def from_spec(cls, r: SpecReader) -> ShippingRule:
        group, key = r.text("delivery_element", "DELIVERY"), r.text("carrier_element", "DELIVERY_ID")
        price_el, cod_el = (
            r.text("price_element", "DELIVERY_PRICE"),
            r.text("cod_element", "DELIVERY_PRICE_COD"),
        )
        rows = []
        for row in r.rows("rows"):
            carrier, price = row.text("carrier"), row.template("price", "")
            cod = row.template("price_cod") if "price_cod" in row.spec else None
            if not carrier.strip():
                row.problem("carrier", "must not be empty")
            elif price.text.strip():  # rows without a price are dropped, as in Mergado
                cod_path = keyed_path(group, key, carrier, cod_el) if cod is not None else None
                rows.append((keyed_path(group, key, carrier, price_el), price, cod_path, cod))
        return cls(tuple(rows))

    def apply_one(self, product: Product) -> bool:
        writes = []
        for price_path, price, cod_path, cod in self.rows:  # render first: a failure leaves nothing half-done
            writes.append((price_path, price.render(product)))
            if cod_path is not None and cod is not None:
                writes.append((cod_path, cod.render(product)))
        changed = False
        for path, value in writes:
            changed = write(path, product, value) or changed
        return changed
