"""The calculation evaluator: exact decimals, no eval, per-product failures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feeds.errors import QuerySyntaxError
from feeds.transforms.calc import MAX_FORMULA_CHARS, Formula
from feeds.transforms.failure import ProductFailure
from feeds.transforms.template import Variable
from tests.feeds.transforms.factory import item

PRODUCT = item(PRICE_VAT="1 210,00 Kč", ZERO="0", TEXT="n/a", NAME="Šampon 250 ml")


class TestFormula:
    @pytest.mark.parametrize(
        ("formula", "expected"),
        [
            ("0.1 + 0.2", "0.3"),  # exact, unlike floats
            ("%PRICE_VAT% / 1.21", "1000"),
            ("-(2 + 3) * 4", "-20"),
            ("2 + 3 * 4", "14"),
            ("(2 + 3) * 4", "20"),
            ("10 / 4", "2.5"),
            ("1,5 * 2", "3.0"),  # a decimal comma in a literal
            ("%volume% * 2", "500"),
        ],
    )
    def test_evaluate(self, formula, expected):
        variables = {"volume": Variable.from_spec("volume", {"element": "NAME", "regex": r"(\d+) ?ml"})}
        assert Formula.parse(formula, variables).evaluate(PRODUCT) == Decimal(expected)

    @pytest.mark.parametrize(("value", "expected"), [("1.5e3", "1500"), ("1,5E+03", "1500"), ("2e-2", "0.02")])
    def test_a_value_in_exponent_notation_is_read_whole(self, value, expected):
        assert Formula.parse("%PRICE_VAT% * 1", {}).evaluate(item(PRICE_VAT=value)) == Decimal(expected)

    @pytest.mark.parametrize("value", ["NaN", "inf", "-Infinity", "1e999"])
    def test_a_value_no_finite_number_is_not_a_number(self, value):
        with pytest.raises(ProductFailure, match=f"%PRICE_VAT% is '{value}', not a number"):
            Formula.parse("%PRICE_VAT% * 1", {}).evaluate(item(PRICE_VAT=value))

    @pytest.mark.parametrize(
        ("formula", "reason"),
        [
            ("%PRICE_VAT% / %ZERO%", "division by zero"),
            ("%TEXT% * 2", "%TEXT% is 'n/a', not a number"),
            ("%MISSING% + 1", "%MISSING% is '', not a number"),
            ("0 / 0", "division by zero"),
        ],
    )
    def test_product_failure(self, formula, reason):
        with pytest.raises(ProductFailure, match=reason):
            Formula.parse(formula, {}).evaluate(PRODUCT)

    @pytest.mark.parametrize(
        "formula",
        [
            "2 ** 3",  # no exponent
            "__import__('os')",  # no names
            "%PRICE_VAT%.real",  # no attribute access
            "1e308",  # no exponent notation
            "(1 + 2",
            "1 +",
            "",
            "(" * 40 + "1" + ")" * 40,  # nesting limit
            "1" + "+1" * MAX_FORMULA_CHARS,  # length limit
        ],
    )
    def test_refused_when_saved(self, formula):
        with pytest.raises(QuerySyntaxError):
            Formula.parse(formula, {})
