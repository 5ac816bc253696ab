"""Element paths: parse once, then read, set, transform, add and remove values on a product."""

from __future__ import annotations

import pytest

from feeds.errors import QuerySyntaxError
from feeds.transforms.query import parse_path
from tests.feeds.transforms.factory import content, item


def shop_item():
    return item(
        {"id": "47"},
        ITEM_ID="A1",
        PRICE_VAT="1 299,90",
        IMGURL_ALTERNATIVE=["alt-1.jpg", "alt-2.jpg", "alt-3.jpg"],
        PARAM=[{"PARAM_NAME": "Barva", "VAL": "červená"}, {"PARAM_NAME": "Velikost", "VAL": "XL"}],
        DELIVERY={"DELIVERY_ID": "PPL", "DELIVERY_PRICE": "99"},
        **{"g:price": "1299.90 CZK"},
    )


class TestReadValues:
    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            ("PRICE_VAT", ["1 299,90"]),
            ("g:price", ["1299.90 CZK"]),
            ("IMGURL_ALTERNATIVE", ["alt-1.jpg", "alt-2.jpg", "alt-3.jpg"]),
            ("DELIVERY|DELIVERY_PRICE", ["99"]),
            (" DELIVERY | DELIVERY_PRICE ", ["99"]),  # whitespace around names is ignored
            ("@id", ["47"]),
            ("PARAM|VAL", ["červená", "XL"]),  # a real child name: nested, not the flat shorthand
            ('PARAM { PARAM_NAME = "Barva" } | VAL', ["červená"]),
            ('PARAM { PARAM_NAME = "BARVA" } | VAL', ["červená"]),  # values compare case-insensitively
            ("PARAM|Barva", ["červená"]),  # Mergado 1 flat shorthand
            ("IMGURL_ALTERNATIVE { @@POSITION = 2 }", ["alt-2.jpg"]),
            ("IMGURL_ALTERNATIVE { @@POSITION = 9 }", []),  # a missing position matches nothing
            ('IMGURL_ALTERNATIVE { @@VALUE CONTAINS "alt-3" }', ["alt-3.jpg"]),
            ("EAN", []),
            ("DELIVERY|@kind", []),
        ],
    )
    def test_values(self, path, expected):
        assert parse_path(path).values(shop_item()) == expected

    def test_first_reads_the_first_of_several_values(self):
        assert parse_path("IMGURL_ALTERNATIVE").first(shop_item()) == "alt-1.jpg"

    def test_parse_is_cached(self):
        assert parse_path("PARAM|Barva") is parse_path("PARAM|Barva")


class TestWriteValues:
    def test_set_keeps_one_value_of_a_multi_valued_element(self):
        product = shop_item()
        assert parse_path("IMGURL_ALTERNATIVE").set(product, "new.jpg")
        assert parse_path("IMGURL_ALTERNATIVE").values(product) == ["new.jpg"]

    def test_set_empty_removes_the_element(self):
        product = shop_item()
        assert parse_path("PRICE_VAT").set(product, "")
        assert "PRICE_VAT" not in [name for name, _ in content(product)]

    def test_set_same_value_reports_no_change(self):
        assert not parse_path("ITEM_ID").set(shop_item(), "A1")

    def test_set_through_filter_creates_the_keyed_group_next_to_its_siblings(self):
        product = shop_item()
        parse_path('PARAM { PARAM_NAME = "Materiál" } | VAL').set(product, "bavlna")
        params = [value for name, value in content(product) if name == "PARAM"]
        assert params[-1] == [("PARAM_NAME", "Materiál"), ("VAL", "bavlna")]
        assert [name for name, _ in content(product)][5:9] == ["PARAM", "PARAM", "PARAM", "DELIVERY"]

    def test_set_through_nested_filter_creates_every_missing_level(self):
        product = item(ITEM_ID="1")
        parse_path('FLAGS | FLAG { CODE = "action" } | ACTIVE').set(product, "1")
        assert content(product) == [("ITEM_ID", "1"), ("FLAGS", [("FLAG", [("CODE", "action"), ("ACTIVE", "1")])])]

    def test_set_through_existing_keyed_group_rewrites_in_place(self):
        product = shop_item()
        parse_path("PARAM|Barva").set(product, "modrá")
        assert parse_path("PARAM|VAL").values(product) == ["modrá", "XL"]

    def test_set_attribute_on_item_and_on_child(self):
        product = shop_item()
        parse_path("@id").set(product, "48")
        parse_path("DELIVERY|@kind").set(product, "courier")
        assert (product.attrs, product.find("DELIVERY").attrs) == ({"id": "48"}, {"kind": "courier"})

    def test_transform_rewrites_every_value(self):
        product = shop_item()
        assert parse_path("IMGURL_ALTERNATIVE").transform(product, str.upper)
        assert parse_path("IMGURL_ALTERNATIVE").values(product) == ["ALT-1.JPG", "ALT-2.JPG", "ALT-3.JPG"]

    def test_add_appends_after_the_existing_occurrences(self):
        product = shop_item()
        parse_path("IMGURL_ALTERNATIVE").add(product, "alt-4.jpg")
        names = [name for name, _ in content(product)]
        assert names[2:6] == ["IMGURL_ALTERNATIVE"] * 4
        assert parse_path("IMGURL_ALTERNATIVE").values(product)[-1] == "alt-4.jpg"

    def test_remove_with_position_filter_removes_only_that_occurrence(self):
        product = shop_item()
        assert parse_path("IMGURL_ALTERNATIVE { @@POSITION = 2 }").remove(product) == 1
        assert parse_path("IMGURL_ALTERNATIVE").values(product) == ["alt-1.jpg", "alt-3.jpg"]

    def test_write_through_non_creatable_filter_creates_nothing(self):
        product = item(ITEM_ID="1")
        assert not parse_path('PARAM { PARAM_NAME CONTAINS "x" } | VAL').set(product, "v")
        assert content(product) == [("ITEM_ID", "1")]


class TestPathSyntaxErrors:
    @pytest.mark.parametrize(
        ("path", "position"),
        [
            ("PARAM||VAL", 7),  # empty step between the bars
            ("PARAM { PARAM_NAME = } | VAL", 22),  # the filter's own error, placed in the whole path
            ('PARAM { PARAM_NAME = "x" | VAL', 31),  # unclosed brace
            ("@id|NAME", 1),  # an attribute must be the last step
            ("A|@@VALUE", 3),  # pseudo-fields only as a whole path inside a filter
        ],
    )
    def test_error_names_the_position(self, path, position):
        with pytest.raises(QuerySyntaxError) as caught:
            parse_path(path)
        assert caught.value.position == position
