"""RuleSet: whole-list validation, order, hiding, ELSE branches, counters, errors, real feeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feeds.errors import ConfigError
from feeds.parsers import open_feed
from feeds.transforms import RuleSet
from feeds.transforms.rules.engine import MAX_STORED_ERRORS
from tests.feeds.transforms.factory import item

SHARED_FEEDS = Path(__file__).resolve().parents[4] / "shared" / "feeds"


def shared_feed(name: str) -> Path:
    path = SHARED_FEEDS / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


class TestValidation:
    def test_a_rules_file_nested_too_deep_is_refused_in_words(self, tmp_path: Path) -> None:
        from feeds.transforms.rules.engine import read_rules_file

        path = tmp_path / "deep.json"
        path.write_text("[" * 100_000 + "]" * 100_000)
        with pytest.raises(ConfigError) as caught:
            read_rules_file(path)
        assert caught.value.problems == [f"rules file {str(path)!r} nests lists or objects too deep to read"]

    def test_every_problem_is_reported_at_once(self):
        rules = [
            {"type": "rewriting", "element": "A", "value": "%B%"},  # valid
            {"type": "rewritting", "element": "A"},  # typo in the type
            {"type": "calc", "element": "P", "formula": "1 +", "query": "PRICE >"},
            "not an object",
            {"type": "truncating", "element": "N", "length": 0, "enabled": False},  # disabled rules are checked too
            {"type": "hiding", "queries": ["nope"]},
        ]
        with pytest.raises(ConfigError) as caught:
            RuleSet.from_spec(rules, queries={"bad": "A = "}, variables={"v": {"element": "X", "regex": "("}})
        problems = caught.value.problems
        assert problems[0].startswith("variable 'v': invalid regular expression '('")
        assert problems[1].startswith("query 'bad': syntax error at position 5")
        assert [p.split(":")[0] for p in problems[2:]] == [
            "rule 2 (rewritting)",
            "rule 3 (calc)",
            "rule 3 (calc)",
            "rule 4 (no type)",
            "rule 5 (truncating)",
            "rule 6 (hiding)",
        ]
        assert "queries: no saved query called 'nope'" in problems[-1]

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ("{not json", "is not valid JSON"),
            ('{"rules": [], "extra": 1}', "a rules file holds a list of rules or an object"),
        ],
    )
    def test_invalid_rules_file(self, tmp_path, text, problem):
        path = tmp_path / "rules.json"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=problem):
            RuleSet.from_file(path)

    def test_file_as_a_list_or_an_object(self, tmp_path):
        rule = {"type": "rewriting", "element": "A", "value": "x", "queries": ["q"]}
        as_object = tmp_path / "object.json"
        as_object.write_text(json.dumps({"rules": [rule], "queries": {"q": "B = 1"}}), encoding="utf-8")
        as_list = tmp_path / "list.json"
        as_list.write_text(json.dumps([{"type": "rewriting", "element": "A", "value": "x", "query": "B = 1"}]))
        results = []
        for path in (as_object, as_list):
            chunk = [item(B="1"), item(B="2")]
            RuleSet.from_file(path).apply(chunk)
            results.append([p.get("A") for p in chunk])
        assert results == [["x", ""], ["x", ""]]


class TestApply:
    def test_hide_rules_run_last_and_hidden_products_get_no_further_rules(self):
        rules = [
            {"type": "hiding", "query": "STOCK = 0"},  # listed first, runs last
            {"type": "rewriting", "element": "STOCK", "value": "0", "query": "ITEM_ID = 2"},
            {"type": "hiding", "query": "ITEM_ID IN (1, 2)"},  # 2 is already hidden: not selected again
        ]
        ruleset = RuleSet.from_spec(rules)
        chunk = [item(ITEM_ID="1", STOCK="5"), item(ITEM_ID="2", STOCK="5"), item(ITEM_ID="3", STOCK="0")]
        kept = ruleset.apply(chunk)
        assert [p.get("ITEM_ID") for p in kept] == []
        assert [(s.index, s.type, s.selected, s.changed) for s in ruleset.stats] == [
            (2, "rewriting", 1, 1),
            (1, "hiding", 2, 2),
            (3, "hiding", 1, 1),
        ]
        assert ruleset.hidden_count == 3

    def test_else_branch_gets_the_products_the_query_does_not_select(self):
        rule = {
            "type": "rewriting",
            "element": "LABEL",
            "value": "cheap",
            "query": "PRICE_VAT < 100",
            "else": {"value": "premium %MANUFACTURER%"},
        }
        chunk = [item(PRICE_VAT="50"), item(PRICE_VAT="500", MANUFACTURER="Acme")]
        RuleSet.from_spec([rule]).apply(chunk)
        assert [p.get("LABEL") for p in chunk] == ["cheap", "premium Acme"]

    def test_saved_queries_select_the_union(self):
        rule = {"type": "rewriting", "element": "X", "value": "y", "queries": ["a", "b"]}
        chunk = [item(A="1"), item(B="1"), item(C="1")]
        RuleSet.from_spec([rule], queries={"a": "A = 1", "b": "B = 1"}).apply(chunk)
        assert [p.get("X") for p in chunk] == ["y", "y", ""]

    def test_slow_query_regex_fails_that_product_and_skips_it(self):
        rule = {"type": "rewriting", "element": "X", "value": "y", "query": 'N ~ "(a|aa)+$"'}
        chunk = [item(ITEM_ID="slow", N="a" * 40 + "!"), item(ITEM_ID="ok", N="aa")]
        ruleset = RuleSet.from_spec([rule])
        ruleset.apply(chunk)
        assert [p.get("X") for p in chunk] == ["", "y"]
        assert [(e.product_id, e.reason.split(":")[0]) for e in ruleset.errors] == [("slow", "query")]

    def test_stored_errors_are_capped_but_counted(self):
        ruleset = RuleSet.from_spec([{"type": "calc", "element": "P", "formula": "1 / 0"}])
        ruleset.apply([item() for _ in range(MAX_STORED_ERRORS + 5)])
        assert (len(ruleset.errors), ruleset.error_count) == (MAX_STORED_ERRORS, MAX_STORED_ERRORS + 5)


@pytest.mark.shared
class TestRealFeeds:
    def test_heureka_feed_end_to_end(self):
        feed = shared_feed("heureka_shopify_arche.xml")
        rules = [
            {"type": "rewriting", "element": "PRODUCTNAME", "value": "%MANUFACTURER% | %PRODUCT%"},
            {
                "type": "calc",
                "element": "PRICE_VAT",
                "formula": "%PRICE_VAT% * 0.9",
                "rounding": "down",
                "round_to": "1",
            },
            {"type": "categories", "rows": [{"contains": "Heureka.cz", "category": "Oblečení a móda"}]},
            {"type": "utm", "source": "heureka", "medium": "cpc"},
            {"type": "hiding", "query": "PRICE_VAT < 1000"},
        ]
        ruleset = RuleSet.from_spec(rules)
        kept = [p for chunk in open_feed(feed).chunks() for p in ruleset.apply(chunk)]
        total = ruleset.stats[0].selected
        assert ruleset.errors == [] and ruleset.hidden_count > 0
        assert len(kept) == total - ruleset.hidden_count
        assert all(p.get("URL").endswith("utm_source=heureka&utm_medium=cpc") for p in kept)
        assert all(p.get("PRICE_VAT").isdigit() and int(p.get("PRICE_VAT")) >= 1000 for p in kept)
        assert all(p.get("PRODUCTNAME").startswith(p.get("MANUFACTURER").strip() + " | ") for p in kept)

    def test_google_feed_namespaced_paths(self):
        feed = shared_feed("google_rss_dai_tiny.xml")
        rules = [{"type": "rounding", "element": "g:price", "round_to": "1"}]
        ruleset = RuleSet.from_spec(rules)
        prices = [p.get("g:price") for chunk in open_feed(feed).chunks() for p in ruleset.apply(chunk)]
        assert prices and all(price.split(" ")[0].isdigit() for price in prices)
        assert ruleset.stats[0].changed > 0 and ruleset.errors == []
