"""Number rules: calculation, round numbers, CPC bidding."""

from __future__ import annotations

import pytest

from feeds.errors import ConfigError
from tests.feeds.transforms.factory import item
from tests.feeds.transforms.rules.helpers import apply_rule, value_after


class TestCalcRule:
    @pytest.mark.parametrize(
        ("formula", "options", "expected"),
        [
            ("0.1 + 0.2", {}, "0.30"),  # exact, two places by default
            ("%PRICE_VAT% / 1.21", {}, "1000.00"),
            ("%PRICE_VAT% / 1.21", {"round_to": "1"}, "1000"),
            ("%PRICE_VAT% * 1.1", {"rounding": "up", "round_to": "10"}, "1340"),  # 1331 up to tens
            ("%PRICE_VAT% * 1.1", {"rounding": "down", "round_to": "100"}, "1300"),
            ("2.345", {}, "2.35"),  # half up
            ("12.26", {"round_to": "0.5"}, "12.5"),
            ("1234567.891", {"decimal_separator": ",", "thousands_separator": " "}, "1 234 567,89"),
            ("1 / 3", {"rounding": "none"}, "0.3333333333333333333333333333"),
        ],
    )
    def test_result(self, formula, options, expected):
        spec = {"type": "calc", "element": "OUT", "formula": formula, **options}
        assert value_after(spec, item(PRICE_VAT="1 210,00 Kč"), "OUT") == [expected]

    def test_a_price_in_exponent_notation_is_its_value(self):
        spec = {"type": "calc", "element": "OUT", "formula": "%PRICE_VAT%"}
        assert value_after(spec, item(PRICE_VAT="1.5e3"), "OUT") == ["1500.00"]  # was 1.50

    def test_division_by_zero_names_product_and_rule_and_keeps_the_old_value(self):
        products = [item(ITEM_ID="A", P="100", D="0"), item(ITEM_ID="B", P="100", D="4")]
        rules = {"type": "calc", "name": "unit price", "element": "P", "formula": "%P% / %D%"}
        ruleset = apply_rule(rules, *products)
        assert [str(e) for e in ruleset.errors] == ["product A: rule 1 (calc): division by zero in '%P% / %D%'"]
        assert [p.get("P") for p in products] == ["100", "25.00"]
        assert (ruleset.stats[0].selected, ruleset.stats[0].changed, ruleset.stats[0].errors) == (2, 1, 1)

    def test_a_result_too_long_to_round_is_a_product_error_not_a_crash(self):
        products = [item(ITEM_ID="A", P="7", N="3"), item(ITEM_ID="B", P="7", N="0.5")]
        formula = "99999999999999999999 * 99999999999999999999 * %N%"
        ruleset = apply_rule({"type": "calc", "element": "P", "formula": formula}, *products)
        assert [str(e) for e in ruleset.errors] == [
            "product A: rule 1 (calc): 3.000E+40 has too many digits to round to 0.01",
            "product B: rule 1 (calc): 5.000E+39 has too many digits to round to 0.01"]
        assert [p.get("P") for p in products] == ["7", "7"]  # each keeps its value

    def test_bad_formula_and_options_are_all_reported(self):
        spec = {"type": "calc", "element": "P", "formula": "2 ** 3", "rounding": "bankers", "round_to": "0"}
        with pytest.raises(ConfigError) as caught:
            apply_rule(spec)
        assert [p.split(":")[1].strip() for p in caught.value.problems] == ["formula", "rounding", "round_to"]


class TestRoundRule:
    @pytest.mark.parametrize(
        ("value", "options", "expected"),
        [
            ("433.456 CZK", {"round_to": "0.01"}, "433.46 CZK"),  # the currency text stays
            ("1 299,90", {}, "1300"),
            ("1299.4", {"rounding": "up"}, "1300"),
            ("", {}, ""),  # empty stays empty
            ("1.5e3", {}, "1500"),  # exponent notation is read whole, never as 1.5
            ("cena 1,5E+03 Kč", {"round_to": "0.01"}, "cena 1500.00 Kč"),
        ],
    )
    def test_round(self, value, options, expected):
        spec = {"type": "rounding", "element": "P", **options}
        assert value_after(spec, item(P=value), "P") == [expected]

    def test_text_without_a_number_is_a_product_error(self):
        ruleset = apply_rule({"type": "rounding", "element": "P"}, item(ITEM_ID="1", P="on request"))
        assert [e.reason for e in ruleset.errors] == ["'on request' is not a number"]


class TestBiddingRule:
    @pytest.mark.parametrize(
        ("options", "expected"),
        [
            ({"mode": "fixed", "amount": "0.5"}, "1.50"),  # channel minimum + amount
            ({"mode": "percent", "amount": "1"}, "10.00"),  # 1 % of 1000 without 21 % VAT
            ({"mode": "percent", "amount": "0.01"}, "1.00"),  # below the minimum: raised to it
            ({"mode": "percent", "amount": "50"}, "100.00"),  # above the maximum: clamped
            ({"mode": "percent", "amount": "1", "decimal_separator": ","}, "10,00"),
        ],
    )
    def test_bid(self, options, expected):
        spec = {"type": "bidding", "channel": "heureka", **options}
        assert value_after(spec, item(PRICE_VAT="1210", VAT="21%"), "HEUREKA_CPC") == [expected]

    def test_a_negative_vat_rate_is_a_product_error_not_a_crash(self):
        products = [item(ITEM_ID="A", PRICE_VAT="1210", VAT="-1"), item(ITEM_ID="B", PRICE_VAT="1210", VAT="21%")]
        ruleset = apply_rule({"type": "bidding", "channel": "heureka", "mode": "percent", "amount": "1"}, *products)
        assert [str(e) for e in ruleset.errors] == ["product A: rule 1 (bidding): VAT '-1' is not a VAT rate"]
        assert [p.get_all("HEUREKA_CPC") for p in products] == [[], ["10.00"]]  # A gets no bid

    def test_zbozi_writes_max_cpc(self):
        spec = {"type": "bidding", "channel": "zbozi", "mode": "fixed", "amount": "2"}
        assert value_after(spec, item(PRICE_VAT="1"), "MAX_CPC") == ["3.00"]
