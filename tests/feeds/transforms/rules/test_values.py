"""Value rules: bulk copy, add a value, UTM parameters, item groups, add days to a date."""

from __future__ import annotations

import pytest

from feeds.errors import ConfigError
from tests.feeds.transforms.factory import content, item
from tests.feeds.transforms.rules.helpers import apply_rule, value_after


class TestBulkCopyRule:
    def test_rows_copy_in_order(self):
        product = item(OBRAZEK1="a.jpg", OBRAZEK2=["b.jpg", "c.jpg"])
        rows = [{"from": "OBRAZEK1", "to": "IMGURL"}, {"from": "OBRAZEK2", "to": "IMGURL_ALTERNATIVE"}]
        apply_rule({"type": "batch_copy_values", "rows": rows}, product)
        assert content(product)[3:] == [
            ("IMGURL", "a.jpg"),
            ("IMGURL_ALTERNATIVE", "b.jpg"),
            ("IMGURL_ALTERNATIVE", "c.jpg"),
        ]

    def test_copy_into_an_attribute(self):
        spec = {"type": "batch_copy_values", "from": "NAME", "to": "IMG|@alt"}
        assert value_after(spec, item(NAME="Kůň", IMG="k.jpg"), "IMG|@alt") == ["Kůň"]

    def test_unchanged_target_is_not_counted(self):
        ruleset = apply_rule({"type": "batch_copy_values", "from": "A", "to": "B"}, item(A="1", B="1"))
        assert (ruleset.stats[0].selected, ruleset.stats[0].changed) == (1, 0)


class TestAddValueRule:
    def test_adds_an_occurrence_and_never_overwrites(self):
        spec = {"type": "create_product_value", "element": "IMG", "value": "%ITEM_ID%.jpg"}
        assert value_after(spec, item(ITEM_ID="7", IMG="a.jpg"), "IMG") == ["a.jpg", "7.jpg"]

    def test_empty_value_adds_nothing(self):
        spec = {"type": "create_product_value", "element": "IMG", "value": "%MISSING%"}
        assert value_after(spec, item(IMG="a.jpg"), "IMG") == ["a.jpg"]


class TestUtmRule:
    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("https://shop.cz/p/1", "https://shop.cz/p/1?utm_source=heureka&utm_medium=cpc&utm_campaign=A7"),
            (
                "https://shop.cz/p/1?color=red&utm_source=old#top",  # old utm replaced, rest kept
                "https://shop.cz/p/1?color=red&utm_source=heureka&utm_medium=cpc&utm_campaign=A7#top",
            ),
            ("", ""),  # no URL: nothing to tag
        ],
    )
    def test_parameters(self, url, expected):
        spec = {"type": "utm", "source": "heureka", "medium": "cpc", "campaign": "%ITEM_ID%"}
        assert value_after(spec, item(ITEM_ID="A7", URL=url), "URL") == [expected]

    def test_source_is_required(self):
        with pytest.raises(ConfigError, match="source: is required"):
            apply_rule({"type": "utm", "medium": "cpc"})


class TestItemGroupRule:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("Tričko Basic - XL", ["tricko-basic"]),
            ("Tričko Basic - M", ["tricko-basic"]),  # variants share the group
            ("No variant part", ["old"]),  # pattern does not match: group kept
        ],
    )
    def test_group_from_a_pattern_over_the_name(self, name, expected):
        spec = {"type": "product_grouping", "key": "%PRODUCTNAME%", "pattern": "^(.*?) - "}
        assert value_after(spec, item(PRODUCTNAME=name, ITEMGROUP_ID="old"), "ITEMGROUP_ID") == expected

    def test_long_keys_stay_within_36_characters_and_distinct(self):
        long_a, long_b = "x" * 50 + "a", "x" * 50 + "b"
        ids = [value_after({"type": "product_grouping", "key": k}, item(), "ITEMGROUP_ID")[0] for k in (long_a, long_b)]
        assert all(len(i) <= 36 for i in ids) and ids[0] != ids[1]

    def test_pattern_without_a_group_is_refused(self):
        with pytest.raises(ConfigError, match="needs one capture group"):
            apply_rule({"type": "product_grouping", "key": "%A%", "pattern": "a+"})


class TestAddDaysRule:
    @pytest.mark.parametrize(
        ("value", "days", "expected"),
        [
            ("2025-02-27", 2, "2025-03-01"),
            ("2025-02-27T10:00+0100", 2, "2025-03-01T10:00+0100"),
            ("27-02-2025", 2, "01-03-2025"),
            ("1. 3. 2025", -1, "28. 2. 2025"),
            ("3", 2, "5"),  # Heureka DELIVERY_DATE in days
            ("1", -5, "0"),  # never below zero days
        ],
    )
    def test_shapes(self, value, days, expected):
        spec = {"type": "batch_set_datetime", "element": "D", "days": days}
        assert value_after(spec, item(D=value), "D") == [expected]

    def test_invalid_date_is_a_product_error(self):
        ruleset = apply_rule(
            {"type": "batch_set_datetime", "element": "D", "days": 1}, item(ITEM_ID="9", D="2025-13-01")
        )
        assert [str(e) for e in ruleset.errors] == [
            "product 9: rule 1 (batch_set_datetime): '2025-13-01' is not a valid date (month must be in 1..12)"
        ]
