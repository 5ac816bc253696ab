"""Item-group aggregates: GROUP_MIN/MAX/SUM/COUNT in values and queries, over a feed streamed in chunks."""

from __future__ import annotations

from typing import Any

import pytest

from feeds.errors import ConfigError
from feeds.model import Product
from feeds.parsers import open_feed
from feeds.pipeline import ExportTarget, process
from feeds.transforms import RuleSet
from feeds.transforms.groups import GroupsNotPrepared, prepare_groups
from tests.feeds.transforms.factory import item

CHUNK = 2


def feed() -> list[Product]:
    """Variants of A and B interleaved (never adjacent), a product without a group, a group without numbers."""
    return [
        item(ITEM_ID="A1", ITEMGROUP_ID="A", PRICE_VAT="1 299,90 Kč", STOCK="5"),
        item(ITEM_ID="B1", ITEMGROUP_ID="B", PRICE_VAT="500", STOCK="2"),
        item(ITEM_ID="A2", ITEMGROUP_ID="A", PRICE_VAT="999", STOCK="n/a"),
        item(ITEM_ID="S1", PRICE_VAT="100", STOCK="1"),  # no group key: a group of one
        item(ITEM_ID="B2", ITEMGROUP_ID=" B ", PRICE_VAT="na dotaz", STOCK="3"),  # key trimmed; price ignored
        item(ITEM_ID="A3", ITEMGROUP_ID="A", PRICE_VAT="1.499,00", STOCK="10"),
        item(ITEM_ID="C1", ITEMGROUP_ID="C", PRICE_VAT="", STOCK=""),  # no number at all: empty aggregates
    ]


def run(rules: list[dict[str, Any]], products: list[Product], *, fields: tuple[str, ...], **kwargs: Any) -> list:
    """The group pass over a copy, then the real pass, both in chunks of CHUNK; (id, fields...) of the kept."""
    ruleset = RuleSet.from_spec(rules, **kwargs)
    ruleset.prepare_groups(_chunks([p.copy() for p in products]))
    kept = [p for chunk in _chunks(products) for p in ruleset.apply(chunk)]
    return [(p.get("ITEM_ID"), *(p.get(name) for name in fields)) for p in kept]


def _chunks(products: list[Product]) -> list[list[Product]]:
    return [products[i : i + CHUNK] for i in range(0, len(products), CHUNK)]


def rewrite(element: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"type": "rewriting", "element": element, "value": value, **extra}


class TestValues:
    def test_min_max_count_sum_over_interleaved_chunks(self):
        rules = [
            rewrite("MIN", "%GROUP_MIN(PRICE_VAT)%"),
            rewrite("MAX", "%GROUP_MAX([PRICE_VAT])%"),  # brackets as in MQL work too
            rewrite("COUNT", "%GROUP_COUNT%"),
            rewrite("SUM", "%GROUP_SUM(STOCK)%"),
        ]
        assert run(rules, feed(), fields=("MIN", "MAX", "COUNT", "SUM")) == [
            ("A1", "999", "1499.00", "3", "15"),
            ("B1", "500", "500", "2", "5"),
            ("A2", "999", "1499.00", "3", "15"),
            ("S1", "100", "100", "1", "1"),
            ("B2", "500", "500", "2", "5"),
            ("A3", "999", "1499.00", "3", "15"),
            ("C1", "", "", "1", ""),
        ]

    def test_rewrite_from_the_cheapest_variant_and_calc(self):
        rules = [
            rewrite("PRODUCT", "od %GROUP_MIN(PRICE_VAT)% Kč", query="GROUP_COUNT() > 1"),
            {"type": "calc", "element": "SALE", "formula": "%GROUP_MIN(PRICE_VAT)% * 0.9", "round_to": "1"},
        ]
        assert run(rules, feed(), fields=("PRODUCT", "SALE")) == [
            ("A1", "od 999 Kč", "899"),
            ("B1", "od 500 Kč", "450"),
            ("A2", "od 999 Kč", "899"),
            ("S1", "", "90"),
            ("B2", "od 500 Kč", "450"),
            ("A3", "od 999 Kč", "899"),
            ("C1", "", ""),  # no number in the group: a per-product calc error, value kept (empty)
        ]

    def test_google_products_group_by_g_item_group_id(self):
        products = [
            item(ITEM_ID=str(n), **{"g:item_group_id": group, "g:price": price})
            for n, group, price in ((1, "G", "10.00 CZK"), (2, "H", "7 CZK"), (3, "G", "8.50 CZK"))
        ]
        assert run([rewrite("MIN", "%GROUP_MIN(g:price)%")], products, fields=("MIN",)) == [
            ("1", "8.50"),
            ("2", "7"),
            ("3", "8.50"),
        ]

    def test_group_by_names_the_key_element(self):
        products = [item(ITEM_ID=str(n), MODEL=model, ITEMGROUP_ID="same") for n, model in enumerate("xyx")]
        assert run([rewrite("N", "%GROUP_COUNT%")], products, fields=("N",), group_by="MODEL") == [
            ("0", "2"),
            ("1", "1"),
            ("2", "2"),
        ]


class TestQueries:
    @pytest.mark.parametrize(
        ("query", "selected"),
        [
            ("[PRICE_VAT] = GROUP_MIN([PRICE_VAT])", ["B1", "A2", "S1"]),  # numeric =; C1 has no number
            ("[PRICE_VAT] != GROUP_MIN([PRICE_VAT])", ["A1", "B2", "A3", "C1"]),  # exactly NOT (=)
            ("GROUP_COUNT() > 1", ["A1", "B1", "A2", "B2", "A3"]),
            ("GROUP_SUM([STOCK]) >= 5", ["A1", "B1", "A2", "B2", "A3"]),
            ("GROUP_MAX([PRICE_VAT]) > GROUP_MIN([PRICE_VAT])", ["A1", "A2", "A3"]),
            ("group_min(PRICE_VAT) < 600 AND NOT [ITEM_ID] = B2", ["B1", "S1"]),  # names case-insensitive
            ("[PRICE_VAT] > GROUP_MIN([PRICE_VAT]) OR GROUP_COUNT() = 1", ["A1", "S1", "A3", "C1"]),
        ],
    )
    def test_selection(self, query, selected):
        result = run([rewrite("MARK", "x", query=query)], feed(), fields=("MARK",))
        assert [ident for ident, mark in result if mark] == selected

    def test_saved_query_marks_the_cheapest_variant(self):
        rules = [rewrite("CUSTOM_LABEL_0", "cheapest", queries=["cheapest"], **{"else": {"value": ""}})]
        result = run(
            rules, feed(), fields=("CUSTOM_LABEL_0",), queries={"cheapest": "PRICE_VAT = GROUP_MIN(PRICE_VAT)"}
        )
        assert [ident for ident, label in result if label] == ["B1", "A2", "S1"]

    def test_hiding_by_group_size(self):
        rules = [{"type": "hiding", "query": "GROUP_COUNT() = 1"}, rewrite("N", "%GROUP_COUNT%")]
        assert run(rules, feed(), fields=("N",)) == [("A1", "3"), ("B1", "2"), ("A2", "3"), ("B2", "2"), ("A3", "3")]


class TestWhatAggregatesSee:
    def test_groups_built_by_a_rule_above_count(self):
        products = [
            item(ITEM_ID=str(n), PRODUCTNAME=name, PRICE_VAT=price)
            for n, name, price in ((1, "Tričko - M", "300"), (2, "Mikina - S", "900"), (3, "Tričko - L", "250"))
        ]
        rules = [
            {"type": "product_grouping", "key": "%PRODUCTNAME%", "pattern": "^(.*?) - (S|M|L)$"},
            rewrite("MIN", "%GROUP_MIN(PRICE_VAT)%"),
        ]
        assert run(rules, products, fields=("ITEMGROUP_ID", "MIN")) == [
            ("1", "tricko", "250"),
            ("2", "mikina", "900"),
            ("3", "tricko", "250"),
        ]

    def test_computed_once_before_the_first_rule_using_them(self):
        rules = [
            {"type": "calc", "element": "PRICE_VAT", "formula": "%PRICE_VAT% * 2", "round_to": "1"},  # counts
            rewrite("BEFORE", "%GROUP_MIN(PRICE_VAT)%"),
            {"type": "calc", "element": "PRICE_VAT", "formula": "%PRICE_VAT% + 1", "round_to": "1"},  # does not
            rewrite("AFTER", "%GROUP_MIN(PRICE_VAT)%"),
        ]
        products = [item(ITEM_ID=str(n), ITEMGROUP_ID="G", PRICE_VAT=p) for n, p in ((1, "10"), (2, "20"))]
        assert run(rules, products, fields=("PRICE_VAT", "BEFORE", "AFTER")) == [
            ("1", "21", "20", "20"),
            ("2", "41", "20", "20"),
        ]

    def test_the_group_pass_counts_nothing(self):
        ruleset = RuleSet.from_spec([rewrite("A", "1"), rewrite("N", "%GROUP_COUNT%")])
        ruleset.prepare_groups(_chunks(feed()))
        for chunk in _chunks(feed()):
            ruleset.apply(chunk)
        assert [(s.selected, s.changed) for s in ruleset.stats] == [(7, 7), (7, 7)]
        assert ruleset.groups.groups == 3  # A, B, C; S1 has no key and is not stored

    def test_apply_before_the_group_pass_is_refused(self):
        ruleset = RuleSet.from_spec([rewrite("N", "%GROUP_COUNT%")])
        with pytest.raises(GroupsNotPrepared, match="prepare_groups"):
            ruleset.apply(feed())

    def test_rules_without_aggregates_need_no_pass(self, tmp_path):
        ruleset = RuleSet.from_spec([rewrite("N", "%ITEMGROUP_ID%")])
        prepare_groups(ruleset, tmp_path / "never-read.xml")  # no pass: the file is not even opened
        assert not ruleset.uses_groups
        assert ruleset.apply(feed())[0].get("N") == "A"


class TestValidation:
    @pytest.mark.parametrize(
        ("rule", "problem"),
        [
            (rewrite("X", "%GROUP_AVG(PRICE_VAT)%"), "rule 1 (rewriting): value: unknown group function GROUP_AVG"),
            (rewrite("X", "%GROUP_MIN%"), "rule 1 (rewriting): value: GROUP_MIN needs an element in brackets"),
            (rewrite("X", "%GROUP_COUNT(STOCK)%"), "rule 1 (rewriting): value: GROUP_COUNT takes no element"),
            (rewrite("X", "%GROUP_SUM(PARAM {)%"), "rule 1 (rewriting): value: group function over 'PARAM {'"),
            (
                {"type": "calc", "element": "X", "formula": "%GROUP_MAX()% * 2"},
                "rule 1 (calc): formula: GROUP_MAX needs an element",
            ),
            (
                rewrite("X", "1", query="GROUP_AVG([PRICE_VAT]) > 1"),
                "rule 1 (rewriting): query: syntax error at position 1 of 'GROUP_AVG([PRICE_VAT]) > 1': "
                "expected a group function (GROUP_MIN, GROUP_MAX, GROUP_SUM, GROUP_COUNT)",
            ),
            (
                rewrite("X", "1", query="GROUP_COUNT([STOCK]) > 1"),
                "rule 1 (rewriting): query: syntax error at position 13 of 'GROUP_COUNT([STOCK]) > 1': "
                "expected ')': GROUP_COUNT() takes no element",
            ),
            (
                rewrite("X", "1", query="[NAME] CONTAINS GROUP_MIN([PRICE_VAT])"),
                "rule 1 (rewriting): query: syntax error at position 17",
            ),
            (
                rewrite("X", "1", query="[PRICE_VAT] ~ GROUP_MIN([PRICE_VAT])"),
                "rule 1 (rewriting): query: syntax error at position 13",
            ),
            (  # inside an element path filter there is no group to aggregate over
                rewrite("PARAM { GROUP_COUNT() > 1 } | VAL", "1"),
                "rule 1 (rewriting): element: syntax error at position",
            ),
        ],
    )
    def test_reported_with_the_rule_index_and_type(self, rule, problem):
        with pytest.raises(ConfigError) as caught:
            RuleSet.from_spec([rule])
        assert len(caught.value.problems) == 1
        assert caught.value.problems[0].startswith(problem)

    def test_every_problem_at_once_with_group_by(self):
        rules = [rewrite("X", "%GROUP_MEAN(A)%"), rewrite("Y", "1", query="GROUP_MIN() < 1")]
        with pytest.raises(ConfigError) as caught:
            RuleSet.from_spec(rules, queries={"q": "GROUP_COUNTS() > 1"}, group_by=5)  # type: ignore[arg-type]
        assert [p.split(":")[0] for p in caught.value.problems] == [
            "group_by",
            "query 'q'",
            "rule 1 (rewriting)",
            "rule 2 (rewriting)",
        ]

    def test_group_by_in_the_rules_file(self, tmp_path):
        path = tmp_path / "rules.json"
        path.write_text(
            '{"group_by": "MODEL", "rules": [{"type": "rewriting", "element": "N", "value": "%GROUP_COUNT%"}]}'
        )
        ruleset = RuleSet.from_file(path)
        products = [item(ITEM_ID="1", MODEL="m"), item(ITEM_ID="2", MODEL="m")]
        ruleset.prepare_groups([[p.copy() for p in products]])
        assert [p.get("N") for p in ruleset.apply(products)] == ["2", "2"]


HEUREKA = """<?xml version="1.0" encoding="utf-8"?>
<SHOP>
<SHOPITEM><ITEM_ID>A1</ITEM_ID><PRODUCTNAME>Tričko M</PRODUCTNAME><ITEMGROUP_ID>A</ITEMGROUP_ID>
  <PRICE_VAT>1 299,90</PRICE_VAT></SHOPITEM>
<SHOPITEM><ITEM_ID>B1</ITEM_ID><PRODUCTNAME>Mikina</PRODUCTNAME><PRICE_VAT>500</PRICE_VAT></SHOPITEM>
<SHOPITEM><ITEM_ID>A2</ITEM_ID><PRODUCTNAME>Tričko L</PRODUCTNAME><ITEMGROUP_ID>A</ITEMGROUP_ID>
  <PRICE_VAT>999</PRICE_VAT></SHOPITEM>
</SHOP>
"""


class TestThroughThePipeline:
    def test_process_computes_the_groups_itself(self, tmp_path):
        source, out = tmp_path / "in.xml", tmp_path / "out.xml"
        source.write_text(HEUREKA, encoding="utf-8")
        ruleset = RuleSet.from_spec(
            [
                rewrite("PRODUCTNAME", "%PRODUCTNAME% od %GROUP_MIN(PRICE_VAT)% Kč", query="GROUP_COUNT() > 1"),
                rewrite("CUSTOM_LABEL_0", "nejlevnější", query="[PRICE_VAT] = GROUP_MIN([PRICE_VAT])"),
            ]
        )
        report = process(source, [ExportTarget("same", "heureka", out, invalid="keep")], source_format="heureka",
                         rules=ruleset)
        written = [p for chunk in open_feed(out, "heureka").chunks() for p in chunk]
        assert report.products_kept == 3
        assert [(p.get("ITEM_ID"), p.get("PRODUCTNAME"), p.get("CUSTOM_LABEL_0")) for p in written] == [
            ("A1", "Tričko M od 999 Kč", ""),
            ("B1", "Mikina", "nejlevnější"),
            ("A2", "Tričko L od 999 Kč", "nejlevnější"),
        ]
