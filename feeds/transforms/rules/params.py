"""Keyed groups: set product parameters, remove parameter values, set shipping rates.

They write through filter paths (`PARAM { PARAM_NAME = "Barva" } | VAL`), so a missing group is
created the way Mergado creates it and an existing one is rewritten in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from feeds.model import Element, Product
from feeds.paths import insert_child
from feeds.transforms.rules.base import PerProductRule, SpecReader, checked
from feeds.transforms.template import Template


@dataclass(frozen=True)
class KeyedGroup:
    """A repeated group keyed by one child (PARAM by PARAM_NAME, DELIVERY by DELIVERY_ID), accessed directly.

    Equivalent to writing through `GROUP { KEY = "k" } | CHILD`, in one scan of the product's children
    instead of one per path step (these rules run on every product of big feeds).
    """

    group: str
    key: str

    def find(self, product: Element, key: str) -> Element | None:
        """The first group whose key matches (trimmed, case-insensitive)."""
        wanted = key.strip().casefold()
        name, key_name = self.group, self.key
        for child in product.children:
            if child.name == name:
                for field in child.children:  # child.get(key_name), inline
                    if field.name == key_name:
                        if field.text.strip().casefold() == wanted:
                            return child
                        break
                else:
                    if wanted == "":
                        return child
        return None

    def set(self, product: Element, key: str, child_name: str, value: str) -> bool:
        """Set one child of the keyed group, creating the group (after its namesakes) when missing."""
        return self.set_many(product, key, ((child_name, value),))

    def set_many(self, product: Element, key: str, values: tuple[tuple[str, str], ...]) -> bool:
        """`set` for several children of one group, in order, finding (or creating) the group once."""
        group = self.find(product, key)
        if group is None:
            group = insert_child(product, Element(self.group, children=[Element(self.key, key)]))
        changed = False
        for child_name, value in values:
            current = group.find(child_name)
            if current is not None and current.text == value:
                continue
            group.set(child_name, checked(value))
            changed = True
        return changed


@dataclass(frozen=True)
class SetParamsRule(PerProductRule):
    """`batch_param`: set name -> value parameters (created if missing); "" removes the parameter."""

    groups: KeyedGroup
    value_element: str
    rows: tuple[tuple[str, Template], ...]

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
            rows.append((name, value))
        return cls(KeyedGroup(group, name_element), value_element, tuple(rows))

    def apply_one(self, product: Product) -> bool:
        changed = False
        for name, template in self.rows:
            value = template.render(product)
            if value:
                changed = self.groups.set(product, name, self.value_element, value) or changed
            elif (doomed := self.groups.find(product, name)) is not None:
                product.children = [child for child in product.children if child is not doomed]
                changed = True
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
        group, doomed = self.group, self._doomed
        if self.names is None:  # the usual rule: look at each group's value only, inline
            value_element, values = self.value_element, self.values
            for child in product.children:
                if child.name == group:
                    text = ""
                    for field in child.children:  # child.get(value_element)
                        if field.name == value_element:
                            text = field.text
                            break
                    if text.strip().casefold() in values:
                        break
            else:
                return False
        elif not any(child.name == group and doomed(child) for child in product.children):
            return False
        product.children = [child for child in product.children if not doomed(child)]
        return True

    def _doomed(self, child: Element) -> bool:
        if child.name != self.group:
            return False
        if self.names is not None and child.get(self.name_element).strip().casefold() not in self.names:
            return False
        value_element = self.value_element
        for field in child.children:  # child.get(value_element), inline
            if field.name == value_element:
                return field.text.strip().casefold() in self.values
        return "" in self.values


@dataclass(frozen=True)
class ShippingRule(PerProductRule):
    """`batch_delivery`: per carrier, set the prepaid (and optionally cash-on-delivery) price."""

    groups: KeyedGroup
    price_element: str
    cod_element: str
    rows: tuple[tuple[str, Template, Template | None], ...]  # carrier, price, COD price

    @classmethod
    def from_spec(cls, r: SpecReader) -> ShippingRule:
        group, key = r.text("delivery_element", "DELIVERY"), r.text("carrier_element", "DELIVERY_ID")
        price_element = r.text("price_element", "DELIVERY_PRICE")
        cod_element = r.text("cod_element", "DELIVERY_PRICE_COD")
        rows = []
        for row in r.rows("rows"):
            carrier, price = row.text("carrier"), row.template("price", "")
            cod = row.template("price_cod") if "price_cod" in row.spec else None
            if not carrier.strip():
                row.problem("carrier", "must not be empty")
            elif price.text.strip():  # rows without a price are dropped, as in Mergado
                rows.append((carrier, price, cod))
        return cls(KeyedGroup(group, key), price_element, cod_element, tuple(rows))

    def apply_one(self, product: Product) -> bool:
        writes = []
        for carrier, price, cod in self.rows:  # render first: a failure leaves nothing half-done
            rendered = [(self.price_element, checked(price.render(product)))]
            if cod is not None:
                rendered.append((self.cod_element, checked(cod.render(product))))
            writes.append((carrier, tuple((element, value) for element, value in rendered if value)))
        changed = False
        for carrier, values in writes:  # the same writes as one `set` each, in the same order
            if values:
                changed = self.groups.set_many(product, carrier, values) or changed
        return changed
