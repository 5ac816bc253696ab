"""Table and keyed-group rules: lookup, categories, rewriting by query, parameters, shipping rates."""

from __future__ import annotations

import pytest

from feeds.errors import ConfigError
from tests.feeds.transforms.factory import content, item
from tests.feeds.transforms.rules.helpers import apply_rule, value_after

ROWS = [
    {"match": "nike", "value": "Sport"},
    {"match": "adidas originals", "value": "Retro"},
    {"match": "adidas", "value": "Sport+"},
]


class TestLookupRule:
    @pytest.mark.parametrize(
        ("mode", "brand", "expected"),
        [
            ("contains", "NIKE Air", ["Sport"]),  # case-insensitive by default
            ("contains", "Adidas Originals", ["Retro"]),  # the first matching row wins
            ("contains", "Puma", ["old"]),  # no row: value kept
            ("exact", "nike", ["Sport"]),
            ("exact", "NIKE Air", ["old"]),
            ("regex", "adidas", ["Sport+"]),
        ],
    )
    def test_modes(self, mode, brand, expected):
        spec = {
            "type": "batch_rewriting_values",
            "search_element": "BRAND",
            "element": "LABEL",
            "mode": mode,
            "rows": ROWS,
        }
        assert value_after(spec, item(BRAND=brand, LABEL="old"), "LABEL") == expected

    def test_default_for_unmatched_products(self):
        spec = {"type": "batch_rewriting_values", "element": "B", "rows": ROWS, "default": "Other %B%"}
        assert value_after(spec, item(B="Puma"), "B") == ["Other Puma"]

    def test_case_sensitive_option(self):
        spec = {"type": "batch_rewriting_values", "element": "B", "rows": ROWS, "case_sensitive": True}
        assert value_after(spec, item(B="NIKE"), "B") == ["NIKE"]

    def test_empty_contains_row_is_refused(self):
        with pytest.raises(ConfigError, match=r"rows\[0\]\.match: must not be empty"):
            apply_rule({"type": "batch_rewriting_values", "element": "B", "rows": [{"match": "", "value": "x"}]})


class TestCategoryRule:
    def test_rows_map_categories_first_match_wins(self):
        rows = [
            {"contains": "Boty | Tenisky", "category": "Sneakers"},
            {"contains": "Boty", "category": "Shoes"},
        ]
        spec = {"type": "categories", "rows": rows}
        values = [
            value_after(spec, item(CATEGORYTEXT=c), "CATEGORYTEXT")
            for c in ("Boty | Tenisky", "Boty | Sandály", "Trička")
        ]
        assert values == [["Sneakers"], ["Shoes"], ["Trička"]]


class TestQueryTableRule:
    def test_last_matching_row_wins(self):
        rows = [{"query": "PRICE_VAT > 100", "value": "1.5"}, {"query": "PRICE_VAT > 1000", "value": "3"}]
        spec = {"type": "batch_rewriting", "element": "HEUREKA_CPC", "rows": rows}
        values = [value_after(spec, item(PRICE_VAT=p), "HEUREKA_CPC") for p in ("50", "500", "5000")]
        assert values == [[], ["1.5"], ["3"]]

    def test_rows_may_name_saved_queries(self):
        spec = {"type": "batch_rewriting", "element": "L", "rows": [{"query": "cheap", "value": "yes"}]}
        apply_rule(spec, product := item(P="5"), queries={"cheap": "P < 10"})
        assert product.get("L") == "yes"


class TestSetParamsRule:
    def test_creates_rewrites_and_removes_parameters(self):
        product = item(PARAM=[{"PARAM_NAME": "Barva", "VAL": "red"}, {"PARAM_NAME": "Stav", "VAL": "nový"}], EAN="1")
        rows = [
            {"name": "Barva", "value": "modrá"},
            {"name": "Materiál", "value": "%MAT%"},
            {"name": "Stav", "value": ""},
        ]
        apply_rule({"type": "batch_param", "rows": rows}, product)
        assert content(product) == [
            ("PARAM", [("PARAM_NAME", "Barva"), ("VAL", "modrá")]),
            ("EAN", "1"),
        ]  # Materiál has no value (MAT is missing), so it is not created

    def test_google_product_detail(self):
        spec = {
            "type": "batch_param",
            "param_element": "g:product_detail",
            "name_element": "g:attribute_name",
            "value_element": "g:attribute_value",
            "rows": [{"name": "Material", "value": "cotton"}],
        }
        assert value_after(spec, item(), "g:product_detail|Material") == ["cotton"]


class TestRemoveParamsRule:
    def test_removes_empty_and_listed_values_only_for_named_parameters(self):
        product = item(
            PARAM=[
                {"PARAM_NAME": "Barva", "VAL": ""},
                {"PARAM_NAME": "Barva", "VAL": "N/A"},
                {"PARAM_NAME": "Velikost", "VAL": "n/a"},
                {"PARAM_NAME": "Barva", "VAL": "red"},
            ]
        )
        apply_rule({"type": "params_remove_by_value", "values": ["", "n/a"], "names": ["barva"]}, product)
        assert [p for _, p in content(product)] == [
            [("PARAM_NAME", "Velikost"), ("VAL", "n/a")],
            [("PARAM_NAME", "Barva"), ("VAL", "red")],
        ]


class TestShippingRule:
    def test_rewrites_existing_carrier_and_adds_new_one(self):
        product = item(DELIVERY={"DELIVERY_ID": "PPL", "DELIVERY_PRICE": "99", "DELIVERY_PRICE_COD": "129"})
        rows = [
            {"carrier": "ppl", "price": "89"},  # carriers match case-insensitively
            {"carrier": "ZASILKOVNA", "price": "%SHIP%", "price_cod": "79"},
            {"carrier": "DPD", "price": ""},  # rows without a price are dropped
        ]
        apply_rule({"type": "batch_delivery", "rows": rows}, product, variables={"SHIP": "SHIP_PRICE"})
        product_ship = item(SHIP_PRICE="59")
        assert content(product) == [
            ("DELIVERY", [("DELIVERY_ID", "PPL"), ("DELIVERY_PRICE", "89"), ("DELIVERY_PRICE_COD", "129")]),
            ("DELIVERY", [("DELIVERY_ID", "ZASILKOVNA"), ("DELIVERY_PRICE_COD", "79")]),
        ]  # %SHIP% is empty here, so only the COD price was written
        apply_rule({"type": "batch_delivery", "rows": rows[1:2]}, product_ship, variables={"SHIP": "SHIP_PRICE"})
        assert content(product_ship)[1] == (
            "DELIVERY",
            [("DELIVERY_ID", "ZASILKOVNA"), ("DELIVERY_PRICE", "59"), ("DELIVERY_PRICE_COD", "79")],
        )
