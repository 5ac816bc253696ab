"""Rules that compute numbers: calculation, round numbers, CPC bidding; all exact Decimal arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property

from feeds.channels import ALL_CHANNELS, CpcBid
from feeds.decimal_text import number_span, parse_number
from feeds.errors import QuerySyntaxError
from feeds.model import Product
from feeds.transforms.calc import Formula
from feeds.transforms.failure import ProductFailure
from feeds.transforms.plain import Slot
from feeds.transforms.rounding import ROUNDING_MODES, format_number, places_of, round_to
from feeds.transforms.rules.base import PerProductRule, SpecReader, rewrite_each, write

ROUNDING = ("half", "up", "down", "none")
REMEMBERED_VALUES = 10_000
SEPARATORS = ("", " ", "\u00a0", ".", ",")


@dataclass(frozen=True)
class NumberFormat:
    """How a computed number is rounded and written: to a step (0.01, 0.5, 1, 10, 100...) with separators."""

    rounding: str = "half"
    step: Decimal = Decimal("0.01")
    decimal_separator: str = "."
    thousands_separator: str = ""
    places: int = field(init=False, repr=False, compare=False)  # what the step implies, worked out once
    quantum: Decimal | None = field(init=False, repr=False, compare=False)  # a step of 1, 0.1, 0.01...

    def __post_init__(self) -> None:
        object.__setattr__(self, "places", places_of(self.step))
        normal = self.step.normalize().as_tuple()
        decimal_step = normal.digits == (1,) and isinstance(normal.exponent, int) and normal.exponent <= 0
        exact = decimal_step and self.rounding != "none" and not self.thousands_separator
        object.__setattr__(self, "quantum", self.step.normalize() if exact else None)

    @classmethod
    def from_spec(cls, r: SpecReader, *, step: str = "0.01") -> NumberFormat:
        rounding = r.choice("rounding", ROUNDING, "half")
        size = r.decimal("round_to", step)
        if size <= 0:
            r.problem("round_to", "must be greater than zero")
            size = Decimal(step)
        decimal_separator = r.choice("decimal_separator", (".", ","), ".")
        thousands = r.choice("thousands_separator", SEPARATORS, "")
        if thousands == decimal_separator:
            r.problem("thousands_separator", "must differ from the decimal separator")
        return cls(rounding, size, decimal_separator, thousands)

    def format(self, value: Decimal) -> str:
        """Round, then write with the chosen separators (`none` keeps every decimal place)."""
        if self.quantum is not None:
            # Rounding to a multiple of 10^-k is quantizing to k places, which format_number then keeps:
            # one quantize gives the same digits. Beyond the context's precision, the general way says so.
            try:
                fixed = value.quantize(self.quantum, rounding=ROUNDING_MODES[self.rounding])
            except InvalidOperation:
                return self._format(value)
            if fixed == 0:
                fixed = abs(fixed)
            text = f"{fixed:f}"
            return text if self.decimal_separator == "." else text.replace(".", self.decimal_separator)
        return self._format(value)

    def _format(self, value: Decimal) -> str:
        try:
            rounded = round_to(value, self.step, self.rounding)
            places = self.places if self.rounding != "none" else max(0, _places(value))
            return format_number(
                rounded,
                places=places,
                decimal_separator=self.decimal_separator,
                thousands_separator=self.thousands_separator,
            )
        except InvalidOperation:  # more digits than Decimal's 28 significant ones can round exactly
            raise ProductFailure(f"{value:.3E} has too many digits to round to {self.step}") from None


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


@dataclass(frozen=True)
class CalcRule(PerProductRule):
    """`calc`: target = formula over element values, rounded and formatted; errors leave the old value."""

    element: Slot
    formula: Formula
    number_format: NumberFormat

    @classmethod
    def from_spec(cls, r: SpecReader) -> CalcRule:
        element = r.slot("element")
        text = r.text("formula")
        try:
            formula = Formula.parse(text, r.ctx.variables, r.ctx.groups)
        except (QuerySyntaxError, ValueError) as exc:
            r.problem("formula", str(exc))
            formula = Formula.parse("0", {})
        return cls(element, formula, NumberFormat.from_spec(r))

    def apply_one(self, product: Product) -> bool:
        return write(self.element, product, self.number_format.format(self.formula.evaluate(product)))


@dataclass(frozen=True)
class RoundRule(PerProductRule):
    """`rounding`: round the number inside each value in place (`433.456 CZK` -> `433.46 CZK`)."""

    element: Slot
    number_format: NumberFormat

    @classmethod
    def from_spec(cls, r: SpecReader) -> RoundRule:
        return cls(r.slot("element"), NumberFormat.from_spec(r, step="1"))

    def apply_one(self, product: Product) -> bool:
        return rewrite_each(self.element, product, self._remembered)

    @cached_property
    def _results(self) -> dict[str, str]:
        """value -> rounded value: CPC bids and such repeat across a feed, and the answer depends on nothing else."""
        return {}

    def _remembered(self, value: str) -> str:
        results = self._results
        rounded = results.get(value)
        if rounded is None:
            rounded = self._round(value)
            if len(results) >= REMEMBERED_VALUES:
                results.clear()
            results[value] = rounded
        return rounded

    def _round(self, value: str) -> str:
        if not value.strip():
            return value
        span = number_span(value)
        if span is None:
            raise ProductFailure(f"{value.strip()[:40]!r} is not a number")
        start, end, number = span
        return value[:start] + self.number_format.format(number) + value[end:]


CPC_BIDS: dict[str, CpcBid] = {channel.key: channel.cpc for channel in ALL_CHANNELS if channel.cpc is not None}
"""Channels that take CPC bids: their bid element and default bounds (override with "minimum"/"maximum")."""


@dataclass(frozen=True)
class BiddingRule(PerProductRule):
    """`bidding`: a CPC bid for Heureka or Zboží, clamped between the channel's minimum and maximum.

    Mode `fixed` bids minimum + amount; mode `percent` bids amount % of the price without VAT.
    """

    element: Slot
    mode: str
    amount: Decimal
    minimum: Decimal
    maximum: Decimal
    price: Slot
    vat: Slot
    number_format: NumberFormat

    @classmethod
    def from_spec(cls, r: SpecReader) -> BiddingRule:
        bid = CPC_BIDS[r.choice("channel", tuple(CPC_BIDS))]
        element = r.slot("element", bid.element)
        mode, amount = r.choice("mode", ("fixed", "percent")), r.decimal("amount")
        minimum, maximum = r.decimal("minimum", str(bid.minimum)), r.decimal("maximum", str(bid.maximum))
        if minimum > maximum:
            r.problem("minimum", f"must not be above maximum ({maximum})")
        price, vat = r.slot("price_element", "PRICE_VAT"), r.slot("vat_element", "VAT")
        fmt = NumberFormat.from_spec(r)
        return cls(element, mode, amount, minimum, maximum, price, vat, fmt)

    def apply_one(self, product: Product) -> bool:
        bid = self.minimum + self.amount if self.mode == "fixed" else self._percent(product)
        bid = min(max(bid, self.minimum), self.maximum)
        return write(self.element, product, self.number_format.format(bid))

    def _percent(self, product: Product) -> Decimal:
        price = parse_number(self.price.first(product))
        if price is None:
            raise ProductFailure(f"{self.price.path.text} is not a number")
        rate = parse_number(self.vat.first(product)) or Decimal(0)
        if rate < 0:  # -1 % would divide by zero and fail the whole run
            raise ProductFailure(f"{self.vat.path.text} {self.vat.first(product).strip()[:40]!r} is not a VAT rate")
        rate = rate * 100 if rate < 1 else rate  # `0,21` and `21%` both mean 21 %
        return price / (1 + rate / 100) * self.amount / 100
