"""The fast paths (plain element paths, plain-text replace) give the general paths' results.

Each comparison runs the same rules twice over the same products: once as compiled, once with every
fast path switched off, and asserts equal products, counters and errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import regex

from feeds.model import Element, Product
from feeds.parsers import open_feed
from feeds.transforms import RuleSet, safe_regex, template
from feeds.transforms import plain as plain_module
from feeds.transforms.failure import ProductFailure
from feeds.transforms.plain import Slot
from feeds.transforms.query import Query, evaluate, parse_path
from feeds.transforms.rules import text
from feeds.transforms.rules.text import remove_diacritics
from tests.feeds.transforms.factory import content, item

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))
from bench_rules import QUERIES, TYPICAL_RULES, VARIABLES  # noqa: E402

EXTRA_RULES: list[dict[str, Any]] = [
    {"type": "replacing", "element": "IMGURL_ALTERNATIVE", "find": "https:", "replace": "http:"},
    {"type": "replacing", "element": "PRODUCTNAME", "find": "CM", "replace": "cm", "case_sensitive": False},
    {"type": "rewriting", "element": "IMGURL_ALTERNATIVE", "value": "%IMGURL%"},
    {"type": "rewriting", "element": "EAN", "value": ""},
    {"type": "batch_copy_values", "rows": [{"from": "IMGURL_ALTERNATIVE", "to": "EXTRA_IMG"}]},
    {"type": "batch_copy_values", "rows": [{"from": "MISSING", "to": "ITEM_ID_COPY"}]},
    {"type": "rewriting", "element": "title", "value": "%title% | %g:brand%", "query": 'g:brand ~ "^[A-Z]"'},
    {"type": "hiding", "query": 'PRODUCTNAME CONTAINS "xyz" OR PRICE_VAT >= 99999 OR MISSING = ""'},
]
FEEDS = ["heureka_cz_params_delivery.xml", "heureka_sk_eur.xml", "google_rss.xml", "mergado.xml", "shop_export.csv"]


def _products(name: str) -> list[Product]:
    return [p for chunk in open_feed(ROOT / "sample_feeds" / name).chunks() for p in chunk]


def _run(products: list[Product], rules: list[dict[str, Any]]) -> tuple[Any, ...]:
    ruleset = RuleSet.from_spec(rules, queries=QUERIES, variables=VARIABLES)
    kept = ruleset.apply(products)
    stats = [(s.selected, s.changed, s.errors) for s in ruleset.stats]
    return [content(p) for p in kept], stats, [str(e) for e in ruleset.errors]


def _general_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch every fast path off: no plain paths, no str.replace."""
    for module in (plain_module, template, evaluate):
        monkeypatch.setattr(module, "plain_name", lambda path: None)
    original = text.FindReplaceRule.from_spec.__func__  # type: ignore[attr-defined]

    def without_literal(cls: type, r: Any) -> Any:
        rule = original(cls, r)
        object.__setattr__(rule, "literal", None)
        return rule

    monkeypatch.setattr(text.FindReplaceRule, "from_spec", classmethod(without_literal))


@pytest.mark.parametrize("feed", FEEDS)
def test_rules_give_the_same_products_with_and_without_fast_paths(feed, monkeypatch):
    rules = TYPICAL_RULES + EXTRA_RULES
    fast = _run(_products(feed), rules)
    _general_only(monkeypatch)
    assert _run(_products(feed), rules) == fast


def test_the_benchmark_feed_shape_gives_the_same_products(monkeypatch, tmp_path):
    """500 generated Heureka products, as bench/make_feed.py writes them for the benchmark."""
    from make_feed import write_feed

    path = tmp_path / "heureka_500.xml"
    with path.open("wb") as out:
        write_feed(500, out)
    products = next(iter(open_feed(path).chunks()))
    assert len(products) == 500
    fast = _run([p.copy() for p in products], TYPICAL_RULES)
    _general_only(monkeypatch)
    assert _run([p.copy() for p in products], TYPICAL_RULES) == fast


def _product() -> Product:
    return item(A="1", B=["x", "y"], C="", PARAM=[{"PARAM_NAME": "Barva", "VAL": "red"}])


@pytest.mark.parametrize("name", ["A", "B", "C", "MISSING", "PARAM"])
@pytest.mark.parametrize("value", ["", "1", "new"])
def test_slot_writes_like_element_path(name, value):
    fast, general = _product(), _product()
    slot = Slot(parse_path(name))
    assert slot.name == name
    assert slot.first(fast) == parse_path(name).first(general)
    assert slot.values(fast) == parse_path(name).values(general)
    assert slot.set(fast, value) == parse_path(name).set(general, value)
    assert content(fast) == content(general)
    change = lambda old: old + value  # noqa: E731
    assert slot.transform(fast, change) == parse_path(name).transform(general, change)
    assert content(fast) == content(general)


def test_a_filtered_or_nested_path_is_not_plain():
    for path in ('PARAM { PARAM_NAME = "Barva" } | VAL', "DELIVERY|DELIVERY_PRICE", "IMAGE|@description", "@id"):
        assert Slot(parse_path(path)).name is None


@pytest.mark.parametrize(
    "query",
    [
        'B = "Y"',
        'B != "y"',
        'MISSING = ""',
        'MISSING CONTAINS ""',
        'B CONTAINS "x"',
        "A > 0",
        "A < 1",
        "MISSING < 1",
        'B ~ "^y$"',
        'MISSING ~ "^$"',
        'C !~ "."',
    ],
)
def test_plain_query_forms_answer_like_the_general_ones(query, monkeypatch):
    fast = Query.parse(query).matches(_product())
    monkeypatch.setattr(evaluate, "plain_name", lambda path: None)
    assert Query.parse(query).matches(_product()) is fast


def test_remove_diacritics_drops_exactly_the_combining_marks():
    import unicodedata

    sample = "".join(chr(code) for code in range(0x20, 0x3400)) + "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ǅ ﬁ Łódź"
    decomposed = unicodedata.normalize("NFKD", sample.translate(text._NOT_DECOMPOSABLE))
    assert remove_diacritics(sample) == "".join(c for c in decomposed if not unicodedata.combining(c))
    assert remove_diacritics("plain ascii") == "plain ascii"


def test_a_catastrophic_pattern_still_fails_the_product():
    with pytest.raises(ProductFailure, match="took longer than"):
        safe_regex.compile_pattern("(a|aa)+$").search("a" * 40 + "!")
    assert regex.compile("(a|aa)+$")  # the engine itself accepts it: only the budget stops it


def test_plain_text_replace_with_odd_characters_matches_the_regex_form():
    for find, replace in [("\\", "\\\\"), ("a.b", "\\1"), ("$", "\\g<0>"), ("ß", "ss")]:
        spec = {"type": "replacing", "element": "N", "find": find, "replace": replace}
        product = item(N=f"x{find}y{find}")
        RuleSet.from_spec([spec]).apply([product])
        expected = regex.sub(regex.escape(find), replace.replace("\\", "\\\\"), f"x{find}y{find}")
        assert product.get("N") == expected
    assert Element("N").text == ""


def test_slices_of_a_big_chunk_give_what_one_pass_gives(monkeypatch):
    """RuleSet.apply runs the rules slice by slice: same products, counters, and errors in the same order."""
    from feeds.transforms.rules import engine

    rules: list[dict[str, Any]] = [
        {"type": "calc", "element": "PRICE", "formula": "%PRICE_VAT% / %VAT%"},  # VAT 0: division by zero
        {"type": "rounding", "element": "CPC", "round_to": "1"},  # "abc" is not a number
        {"type": "hiding", "query": "PRICE_VAT < 50"},
        {"type": "rewriting", "element": "SEEN", "value": "%ITEM_ID%"},
    ]

    count = engine.BATCH * 2 + 17

    def products() -> list[Product]:
        return [
            item(ITEM_ID=str(i), PRICE_VAT=str(i % 97), VAT=str(i % 5), CPC="abc" if i % 7 == 0 else "1.6")
            for i in range(count)
        ]

    def run() -> tuple[Any, ...]:
        ruleset = RuleSet.from_spec(rules)
        kept = ruleset.apply(products())
        stats = [(s.selected, s.changed, s.errors) for s in ruleset.stats]
        return [content(p) for p in kept], stats, [str(e) for e in ruleset.errors], ruleset.hidden_count

    sliced = run()
    assert sliced[2] and sliced[3]  # errors from two rules, and hidden products
    monkeypatch.setattr(engine, "BATCH", 10**9)
    assert run() == sliced


def test_cpu_seconds_per_rule_when_asked():
    ruleset = RuleSet.from_spec([{"type": "casechanging", "element": "N", "mode": "upper"}, {"type": "hiding"}])
    assert ruleset.cpu_seconds is None
    ruleset.cpu_seconds = [0.0, 0.0]
    ruleset.apply([item(N="a") for _ in range(300)])
    assert len(ruleset.cpu_seconds) == 2 and all(seconds >= 0 for seconds in ruleset.cpu_seconds)
