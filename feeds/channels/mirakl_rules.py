"""What a Mirakl offers file requires of one offer row (feeds.channels.mirakl says which columns were verified).

Mirakl's own import (OF01) checks more, per operator: allowed product-id types, state codes, lead
times. Here only what holds on every Mirakl marketplace is checked: an offer has a sku, a price with a
decimal point and a state; a quantity is a whole number, not negative; a discount is below the price;
dates are ISO 8601 and in order; a product-id-type EAN carries a valid EAN.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from feeds.exports.validate import checks
from feeds.exports.validate.engine import CrossCheck, FieldRule, FormatRules
from feeds.exports.validate.quick import Values
from feeds.gtin import is_valid_gtin

EAN_TYPE = "EAN"
DATE_PAIRS = (("available-start-date", "available-end-date"), ("discount-start-date", "discount-end-date"))


def parse_mirakl_date(text: str) -> date | datetime | None:
    """`2026-03-01` as a date, `2026-03-01T00:00:00+01:00` (or Google's `+0100`, `Z`) as a datetime; else None."""
    value = text.strip()
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        return None


def _date(label: str, value: str) -> str | None:
    return None if parse_mirakl_date(value) is not None else f"{label} '{value}' is not an ISO 8601 date"


def _quantity(label: str, value: str) -> str | None:
    digits = value.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        return f"{label} '{value}' is not a whole number"
    return f"{label} '{value}' is negative" if value.startswith("-") and int(digits) else None


def _first(values: Values, name: str) -> str:
    found = values.get(name)
    return found[0] if found else ""


def _product_id_matches_type(values: Values) -> list[str]:
    """product-id and product-id-type go together; type EAN needs a valid EAN (the export may force EAN)."""
    product_id, id_type = _first(values, "product-id"), _first(values, "product-id-type")
    if id_type.upper() == EAN_TYPE:
        if not product_id:
            return ["missing EAN: product-id-type is EAN and product-id is empty"]
        if not is_valid_gtin(product_id):
            return [f"product-id '{product_id}' is not a valid EAN (product-id-type EAN)"]
        return []
    if id_type and not product_id:
        return [f"missing product-id for product-id-type {id_type}"]
    if product_id and not id_type:
        return [f"missing product-id-type for product-id '{product_id}'"]
    return []


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _discount_below_price(values: Values) -> list[str]:
    """A discount price equal to the price discounts nothing; above it, it is a mistake (the two are swapped)."""
    price, discount = _decimal(_first(values, "price")), _decimal(_first(values, "discount-price"))
    if price is None or discount is None or not price.is_finite() or not discount.is_finite():
        return []  # a missing or non-numeric price is the field rules' to report
    if discount >= price:
        return [f"discount-price {discount} is not below price {price}"]
    return []


def _dates_in_order(start_name: str, end_name: str) -> CrossCheck:
    def check(values: Values) -> list[str]:
        start, end = parse_mirakl_date(_first(values, start_name)), parse_mirakl_date(_first(values, end_name))
        if start is None or end is None:
            return []
        if _comparable(start) > _comparable(end):
            return [f"{start_name} {_first(values, start_name)} is after {end_name} {_first(values, end_name)}"]
        return []

    return CrossCheck((start_name, end_name), check)


def _comparable(value: date | datetime) -> tuple[date, str]:
    """A date or datetime in a form the two can be ordered by: the day first, then the time (zones aside)."""
    if isinstance(value, datetime):
        return value.date(), value.time().isoformat()
    return value, ""


def mirakl_offer_rules() -> FormatRules:
    """Mirakl offers CSV (OF01): sku, price and state required; the checks of the module docstring."""
    fields = (
        FieldRule("sku", required=True),
        FieldRule("product-id"),
        FieldRule("product-id-type"),
        FieldRule("price", required=True, checks=(checks.dot_number,)),
        FieldRule("discount-price", checks=(checks.dot_number,)),
        FieldRule("quantity", checks=(_quantity,)),
        FieldRule("state", required=True),
        *(FieldRule(name, checks=(_date,)) for pair in DATE_PAIRS for name in pair),
    )
    cross = (
        CrossCheck(("product-id", "product-id-type"), _product_id_matches_type),
        CrossCheck(("price", "discount-price"), _discount_below_price),
        *(_dates_in_order(start, end) for start, end in DATE_PAIRS),
    )
    return FormatRules("sku", fields, (), cross)
