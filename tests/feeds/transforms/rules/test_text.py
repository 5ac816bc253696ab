"""Text rules: rewrite, find and replace, strip HTML, remove diacritics, letter case, truncate."""

from __future__ import annotations

import pytest

from feeds.errors import ConfigError
from feeds.transforms import RuleSet
from feeds.transforms.rules.base import MAX_VALUE_CHARS
from tests.feeds.transforms.factory import content, item
from tests.feeds.transforms.rules.helpers import apply_rule, value_after


class TestRewriteRule:
    def test_value_with_element_and_named_variables(self):
        product = item(MANUFACTURER=" Acme ", PRODUCTNAME="Šampon 250 ml")
        spec = {"type": "rewriting", "element": "TITLE", "value": "%MANUFACTURER% %PRODUCTNAME% (%ml% ml)"}
        variables = {"ml": {"element": "PRODUCTNAME", "regex": r"(\d+) ?ml", "group": 1}}
        apply_rule(spec, product, variables=variables)
        assert content(product)[-1] == ("TITLE", "Acme Šampon 250 ml (250 ml)")

    def test_rows_run_in_order_and_see_earlier_rows(self):
        # Mergado: copying PRICE_VAT -> PRICE, then CENA -> PRICE_VAT differs from the reverse order
        product = item(PRICE_VAT="100", CENA="90")
        rows = [{"element": "PRICE", "value": "%PRICE_VAT%"}, {"element": "PRICE_VAT", "value": "%CENA%"}]
        apply_rule({"type": "rewriting", "rows": rows}, product)
        assert content(product) == [("PRICE_VAT", "90"), ("CENA", "90"), ("PRICE", "100")]

    def test_empty_value_clears_the_element(self):
        assert value_after({"type": "rewriting", "element": "EAN", "value": ""}, item(EAN="123"), "EAN") == []
        assert value_after({"type": "rewriting", "element": "IMG", "value": ""}, item(IMG=["a", "b"]), "IMG") == []

    @pytest.mark.parametrize("path", ["IMG", "IMAGES | IMG"])
    def test_every_value_of_a_repeated_element_is_rewritten_and_none_is_lost(self, path):
        # ../shared/RULES-REFERENCE.md: a rule reads the first value and writes all values; Mergado's
        # forum ("Mergado 2: The Rules page"): a path without @@POSITION edits all values.
        images = ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
        product = item(IMG=images) if path == "IMG" else item(IMAGES={"IMG": images})
        spec = {"type": "rewriting", "element": path, "value": "%ITEM_ID%-x.jpg"}
        assert value_after(spec, product, path) == ["-x.jpg"] * 4

    def test_a_pinned_position_rewrites_that_value_only(self):
        spec = {"type": "rewriting", "element": "IMG { @@POSITION = 2 }", "value": "new.jpg"}
        assert value_after(spec, item(IMG=["a.jpg", "b.jpg", "c.jpg"]), "IMG") == ["a.jpg", "new.jpg", "c.jpg"]

    def test_value_over_the_size_limit_is_a_product_error_and_keeps_the_old_value(self):
        product = item(ITEM_ID="7", NAME="x" * (MAX_VALUE_CHARS // 2 + 1))
        ruleset = apply_rule({"type": "rewriting", "element": "NAME", "value": "%NAME%%NAME%"}, product)
        assert [(e.product_id, e.rule_index, e.rule_type) for e in ruleset.errors] == [("7", 1, "rewriting")]
        assert len(product.get("NAME")) == MAX_VALUE_CHARS // 2 + 1


class TestFindReplaceRule:
    @pytest.mark.parametrize(
        ("options", "value", "expected"),
        [
            ({"find": "XL", "replace": "extra large"}, "Tričko XL, XL", "Tričko extra large, extra large"),
            ({"find": "xl", "replace": "L"}, "Tričko XL", "Tričko XL"),  # plain text is case-sensitive...
            (
                {"find": "xl", "replace": "L", "case_sensitive": False},
                "Tričko XL",
                "Tričko L",
            ),  # ...unless asked
            ({"find": "(1+1)", "replace": "\\1"}, "a (1+1) b", "a \\1 b"),  # plain mode: no regex, no groups
            ({"find": r".*?(\d+).*", "replace": r"\1", "regex": True}, "cena 1299 Kč", "1299"),
            ({"find": r"\s{2,}", "replace": " ", "regex": True}, "a   b    c", "a b c"),
            ({"find": "<[^>]*>", "replace": "", "regex": True}, "<b>bold</b>", "bold"),
            ({"find": r"(\w+) (\w+)", "replace": r"\2 \1", "regex": True}, "Žluťoučký kůň", "kůň Žluťoučký"),
            ({"find": "a", "replace": r"x\ny", "regex": True}, "a", "x\ny"),  # \n is a newline
        ],
    )
    def test_replace(self, options, value, expected):
        spec = {"type": "replacing", "element": "NAME", **options}
        assert value_after(spec, item(NAME=value), "NAME") == [expected]

    def test_every_value_of_a_multi_valued_element_is_rewritten(self):
        spec = {"type": "replacing", "element": "IMG", "find": "http:", "replace": "https:"}
        assert value_after(spec, item(IMG=["http://a", "http://b"]), "IMG") == ["https://a", "https://b"]

    def test_back_reference_to_a_missing_group_is_refused_when_saved(self):
        with pytest.raises(ConfigError, match=r"refers to group \\2, but the pattern has 1"):
            apply_rule({"type": "replacing", "element": "N", "find": "(a)", "replace": r"\2", "regex": True})

    def test_catastrophic_pattern_fails_that_product_only(self):
        spec = {"type": "replacing", "element": "NAME", "find": "(a|aa)+$", "replace": "", "regex": True}
        slow, fine = item(ITEM_ID="1", NAME="a" * 40 + "!"), item(ITEM_ID="2", NAME="b")
        ruleset = apply_rule(spec, slow, fine)
        assert [e.product_id for e in ruleset.errors] == ["1"]
        assert "took longer than" in ruleset.errors[0].reason and slow.get("NAME") == "a" * 40 + "!"

    def test_a_rule_past_its_time_budget_stops_for_the_rest_of_the_run_and_says_so(self):
        slow_name = "a" * 40 + "!"  # each value runs into the 50 ms timeout
        spec = {"type": "replacing", "element": "NAME", "find": "(a|aa)+$", "replace": "", "regex": True,
                "name": "trim"}
        ruleset = RuleSet.from_spec([spec, {"type": "rewriting", "element": "SEEN", "value": "yes"}])
        ruleset.budget_s, ruleset.budget_per_product_s = 0.3, 0.0
        chunks = [[item(ITEM_ID=f"{c}-{i}", NAME=slow_name) for i in range(4)] for c in range(20)]
        for chunk in chunks:
            ruleset.apply(chunk)
        trim, later = ruleset.stats
        assert trim.stopped.startswith("stopped after") and "budget of 0.3 s" in trim.stopped
        assert 0.3 < trim.seconds < 1.0 and trim.seen + trim.not_run == 80 and trim.not_run >= 64
        assert ruleset.error_count == trim.errors == trim.seen  # each product it saw timed out, no more
        assert (later.stopped, later.seen, later.changed) == ("", 80, 80)  # the other rules go on
        assert all(p.get("NAME") == slow_name for chunk in chunks for p in chunk)
        assert f"  {trim.stopped}; {trim.not_run} products not run" in ruleset.summary()


class TestStripHtmlRule:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("<p>Hello&nbsp;<b>world</b></p><p>Next &amp; last</p>", "Hello world Next & last"),
            ("line<br/>break", "line break"),  # block tags keep words apart
            ("<script>alert(1)</script>text<style>p{}</style>", "text"),
            ("5 < 6 and 7 > 3", "5 < 6 and 7 > 3"),  # not a tag
            ("<!-- note -->kept", "kept"),
        ],
    )
    def test_strip(self, value, expected):
        assert value_after({"type": "tagstripping", "element": "D"}, item(D=value), "D") == [expected]


class TestRemoveDiacriticsRule:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("Žluťoučký kůň úpěl ďábelské ódy", "Zlutoucky kun upel dabelske ody"),
            ("Łódź, Straße", "Lodz, Strasse"),
        ],
    )
    def test_remove(self, value, expected):
        assert value_after({"type": "remove_diacritics", "element": "N"}, item(N=value), "N") == [expected]


class TestLetterCaseRule:
    @pytest.mark.parametrize(
        ("mode", "expected"),
        [
            ("upper", "ŽLUŤOUČKÝ KŮŇ XL"),
            ("lower", "žluťoučký kůň xl"),
            ("first", "Žluťoučký kůň xl"),
            ("words", "Žluťoučký Kůň Xl"),
        ],
    )
    def test_modes(self, mode, expected):
        spec = {"type": "casechanging", "element": "N", "mode": mode}
        assert value_after(spec, item(N="žluťoučký KŮŇ xl"), "N") == [expected]

    def test_unknown_mode_is_refused(self):
        with pytest.raises(ConfigError, match="mode: must be one of upper, lower, first, words"):
            apply_rule({"type": "casechanging", "element": "N", "mode": "title"})


class TestTruncateRule:
    @pytest.mark.parametrize(
        ("options", "expected"),
        [
            ({"length": 13}, "Žluťoučký kůň"),  # counts characters, not bytes
            ({"length": 11}, "Žluťoučký k"),
            ({"length": 11, "mode": "words"}, "Žluťoučký"),
            ({"length": 16, "mode": "words", "suffix": "…"}, "Žluťoučký kůň…"),
            ({"length": 100}, "Žluťoučký kůň úpěl ódy"),  # short enough: untouched
            ({"length": 5, "mode": "words"}, "Žluťo"),  # a single long word is cut anyway
        ],
    )
    def test_truncate(self, options, expected):
        spec = {"type": "truncating", "element": "N", **options}
        assert value_after(spec, item(N="Žluťoučký kůň úpěl ódy"), "N") == [expected]

    def test_suffix_longer_than_the_length_is_refused(self):
        with pytest.raises(ConfigError, match="suffix: must be shorter than length"):
            apply_rule({"type": "truncating", "element": "N", "length": 2, "suffix": "..."})
